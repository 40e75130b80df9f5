#include "app/panels/instruments_panel.h"

#include "app/panels/analysis_files.h"
#include "app/panels/hint_text.h"
#include "app/panels/job_status.h"
#include "app/plot/xy_plot.h"
#include "core/chart/analysis_charts.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <future>

namespace ts {

namespace {

constexpr const char* kNames[] = {"LR range test from the initialization",
                                  "LR range test from the current weights",
                                  "update projection (top-k directions of W - W0)",
                                  "pruning with retraining",
                                  "lottery tickets",
                                  "interpolation (from the initialization or a run)",
                                  "sharpness (top Hessian eigenvalue)"};
constexpr const char* kKeys[] = {"lr-init", "lr-now",        "update",   "retrain",
                                 "lottery", "interpolation", "sharpness"};
// analyze --what sharpness's defaults.
constexpr Index kSharpnessSamples = 2048;
constexpr int kTraceProbes = 10;
// The line: over analyze --what interpolation's 10,000 training images, 41 points from alpha
// -0.5 to 1.5 (analyze's --interpolation-range -0.5,1.5 --interpolation-points 41).
constexpr Index kLineTrainSamples = 10000;
constexpr int kLinePoints = 41;

}  // namespace

void InstrumentsPanel::reset() {
  if (job_) job_->cancel();
  job_.reset();
  live_.reset();
  shown_.reset();
  shown_step_ = -1;
  live_rows_.clear();
}

void InstrumentsPanel::start(Trainer& trainer, AnalysisJobs& jobs) {
  const int kind = kind_;
  job_kind_ = kind;
  job_control_ = lottery_control_;
  live_rows_.clear();
  live_chart_ = lottery_chart({}, lottery_control_);
  LotterySettings ls;
  ls.rounds = lottery_rounds_;
  ls.rate = double(lottery_rate_);
  ls.steps = lottery_steps_;
  ls.control = lottery_control_;
  PruneRetrainSettings rs;
  rs.steps = retrain_steps_;
  // The interpolation from another run: its weights captured as this run's are.
  std::shared_future<std::shared_ptr<const StateCapture>> from_run;
  std::string from_label = "the initialization";
  if (kind == interpolation)
    for (const OtherRun& o : others_)
      if (o.label == line_from_ && o.trainer) {
        from_run = o.trainer->capture().share();
        from_label = o.label;
      }
  live_ = std::make_shared<LotteryRounds>();
  auto live = live_;
  job_ = jobs.start<Result>(
      kNames[kind], trainer.capture(),
      [kind, ls, rs, live, from_run, from_label](AnalysisContext& c) {
        Result r;
        r.kind = kind;
        switch (kind) {
          case lr_from_init:
          case lr_from_now: {
            const RunState state =
                kind == lr_from_init ? at_initialization(c.input.state) : c.input.state;
            const LrRangeResult lr = lr_range_test(c.run.config(), c.input.data, state,
                                                   LrRangeSettings{}, c.cancel, c.progress);
            r.chart = lr_range_chart(lr, kind == lr_from_init);
            r.table = lr_range_table(lr);
            r.summary = lr_range_summary(lr);
            break;
          }
          case update_projection: {
            const UpdateProjection p = ts::update_projection(c.run, c.cancel, c.progress);
            r.chart = update_projection_chart(p);
            r.table = update_projection_table(p);
            r.summary = update_projection_summary(p);
            break;
          }
          case prune_retrain: {
            const auto points = prune_retrain_curve(c.run.config(), c.input.data, c.input.state, rs,
                                                    c.cancel, c.progress);
            r.chart = prune_retrain_chart(points, rs.steps);
            r.table = prune_retrain_table(points);
            r.summary = prune_retrain_summary(points);
            break;
          }
          case interpolation: {
            const Network<float>& net = c.run.network();
            std::vector<float> from = c.run.initial_values();
            std::span<const float> masks = net.params().masks();
            if (from_run.valid()) {
              // Another run: of the same tensors, or refused by name. Neither run's pruning
              // masks the line: each end keeps its own zeros.
              const auto other = from_run.get();
              const Run theirs(other->state.config, other->data);
              if (!net.params().same_layout(theirs.network().params()))
                throw Error(from_label +
                            " is another architecture (its tensors differ from this run's): "
                            "a line between the two has no meaning");
              from = other->state.values;
              masks = {};
            }
            const Dataset& train = c.input.data->train;
            LossSurface<float> tr(net.spec(), c.run.config().loss, train,
                                  std::min(train.size(), kLineTrainSamples), masks);
            LossSurface<float> te(net.spec(), c.run.config().loss, c.input.data->test,
                                  c.input.data->test.size(), masks);
            const auto now = net.params().values();
            const auto line = interpolate(tr, te, from, std::vector<float>(now.begin(), now.end()),
                                          -0.5, 1.5, kLinePoints, c.cancel, c.progress);
            auto charts = interpolation_charts(
                line,
                from_run.valid()
                    ? from_label + " (step " + std::to_string(from_run.get()->state.step) + ")"
                    : from_label,
                "step " + std::to_string(c.input.state.step));
            r.chart = std::move(charts[0]);
            r.spread = std::move(charts[1]);
            r.table = interpolation_table(line);
            r.summary = interpolation_summary(line);
            break;
          }
          case sharpness: {
            const Network<float>& net = c.run.network();
            const Dataset& train = c.input.data->train;
            LossSurface<float> surface(net.spec(), c.run.config().loss, train,
                                       std::min(train.size(), kSharpnessSamples),
                                       net.params().masks());
            SharpnessSettings s;
            s.trace_probes = kTraceProbes;
            const Sharpness sh =
                ts::sharpness<float>(surface, net.params().values(), s, {}, c.cancel, c.progress);
            const double lr = c.run.next_learning_rate();
            r.chart = sharpness_chart(sh);
            r.table = sharpness_table(sh, lr);
            r.summary = sharpness_summary(sh, lr);
            break;
          }
          default: {
            validate_lottery(ls, c.run.config());
            r.rounds = lottery_ticket(
                c.run.config(), c.input.data, ls, c.run.initial_values(), c.cancel,
                [&](const LotteryRound& round) {
                  std::lock_guard lock(live->mutex);
                  live->rounds.push_back(round);
                },
                c.progress);
            r.control = ls.control;
            r.chart = lottery_chart(r.rounds, ls.control);
            r.spread = lottery_spread_chart(r.rounds);
            r.table = lottery_table(r.rounds);
            r.summary = lottery_summary(r.rounds);
            break;
          }
        }
        return r;
      });
}

void InstrumentsPanel::draw_settings(const Trainer& trainer, const Report& report) {
  if (kind_ == lottery) {
    ImGui::SetNextItemWidth(70);
    ImGui::SliderInt("rounds", &lottery_rounds_, 1, 20, "%d", ImGuiSliderFlags_AlwaysClamp);
    report("lottery-rounds");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(70);
    ImGui::SliderFloat("rate", &lottery_rate_, 0.05f, 0.6f, "%.2f", ImGuiSliderFlags_AlwaysClamp);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(70);
    ImGui::InputInt("steps/round", &lottery_steps_, 0, 0);
    lottery_steps_ = std::max(0, lottery_steps_);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("0: the experiment's planned %lld steps",
                        (long long)trainer.status()->planned);
    report("lottery-steps");
    ImGui::SameLine();
    ImGui::Checkbox("control", &lottery_control_);
    ImGui::SameLine();
  } else if (kind_ == interpolation) {
    bool known = line_from_.empty();
    for (const OtherRun& o : others_) known = known || o.label == line_from_;
    if (!known) line_from_.clear();  // that run is gone
    ImGui::SetNextItemWidth(170);
    const std::string shown = line_from_.empty() ? "the initialization" : line_from_;
    if (ImGui::BeginCombo("from##line-from", shown.c_str())) {
      if (ImGui::Selectable("the initialization", line_from_.empty())) line_from_.clear();
      report("line-from-init");
      for (std::size_t i = 0; i < others_.size(); ++i) {
        const OtherRun& o = others_[i];
        if (ImGui::Selectable(o.label.c_str(), line_from_ == o.label)) line_from_ = o.label;
        report(("line-from-" + std::to_string(i + 1)).c_str());  // the first other run: 1
      }
      ImGui::EndCombo();
    }
    report("line-from");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "The line's other end (alpha 0): this run's initialization, or another live run's "
          "current weights\n(same architecture): a barrier between the two minima, or none");
    ImGui::SameLine();
  } else if (kind_ == prune_retrain) {
    ImGui::SetNextItemWidth(90);
    ImGui::InputInt("fine-tuning steps", &retrain_steps_, 0, 0);
    retrain_steps_ = std::clamp(retrain_steps_, 0, 1000000);
    ImGui::SameLine();
  }
}

void InstrumentsPanel::draw_rounds_table(const std::vector<LotteryRound>& rounds, bool control) {
  if (!ImGui::BeginTable(
          "rounds", control ? 4 : 3,
          ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("round");
  ImGui::TableSetupColumn("weights");
  ImGui::TableSetupColumn("ticket");
  if (control) ImGui::TableSetupColumn("control");
  ImGui::TableHeadersRow();
  for (const auto& r : rounds) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::Text("%d", r.round);
    ImGui::TableNextColumn();
    ImGui::Text("%.2f%%", 100 * r.remaining);
    ImGui::TableNextColumn();
    ImGui::Text("%.2f%%", 100 * r.ticket_accuracy);
    if (control) {
      ImGui::TableNextColumn();
      if (r.control_accuracy)
        ImGui::Text("%.2f%%", 100 * *r.control_accuracy);
      else
        ImGui::TextDisabled("-");
    }
  }
  ImGui::EndTable();
}

void InstrumentsPanel::draw(Trainer& trainer, AnalysisJobs& jobs, const std::string& export_dir,
                            const Report& report, const Log& log) {
  if (job_ && job_->state() == JobState::done && job_->result() && job_->result() != shown_) {
    shown_ = job_->result();
    shown_step_ = job_->step();
    log(std::string("analysis ") + kKeys[shown_->kind] + " done on step " +
        std::to_string(shown_step_) + ": " + shown_->summary);
    // Into the run directory too, under the names `analyze` gives the same figures.
    static constexpr const char* kFiles[] = {"lr-range",          "lr-range-from-checkpoint",
                                             "update-projection", "prune-retrain",
                                             "lottery",           "interpolation",
                                             "sharpness"};
    // The interpolation's SVG holds its accuracy chart under its loss chart, as analyze's.
    std::vector<SvgChart> charts{shown_->chart};
    if (shown_->kind == interpolation) charts.push_back(shown_->spread);
    std::vector<AnalysisFile> files{{kFiles[shown_->kind], charts, shown_->table}};
    if (!shown_->rounds.empty())
      files.push_back({"lottery-units",
                       {lottery_spread_chart(shown_->rounds)},
                       lottery_spread_table(shown_->rounds)});
    const std::string saved = save_analysis(trainer.run_dir(), shown_step_, files);
    if (!saved.empty()) log(saved);
  }
  ImGui::SetNextItemWidth(290);
  if (ImGui::BeginCombo("##instrument", kNames[kind_])) {
    for (int i = 0; i < kinds; ++i) {
      if (ImGui::Selectable(kNames[i], i == kind_)) kind_ = i;
      report((std::string("instrument-") + kKeys[i]).c_str());
    }
    ImGui::EndCombo();
  }
  report("instrument");
  ImGui::SameLine();
  const bool busy = job_ && !job_->finished();
  if (ImGui::Button("Run") && !busy) start(trainer, jobs);
  report("run-instrument");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "On a copy of the weights of the current step, beside training (uses the analysis core)");
  ImGui::SameLine();
  draw_settings(trainer, report);
  ImGui::NewLine();
  draw_job_status(job_.get(), trainer.step(), report);

  // While a lottery runs its finished rounds show at once; otherwise the last result.
  const bool lottery_running = busy && job_kind_ == lottery && live_;
  if (lottery_running) {
    std::vector<LotteryRound> copy;
    {
      std::lock_guard lock(live_->mutex);
      copy = live_->rounds;
    }
    if (copy.size() != live_rows_.size()) {
      live_rows_ = std::move(copy);
      live_chart_ = lottery_chart(live_rows_, job_control_);
      live_spread_ = lottery_spread_chart(live_rows_);
    }
  }
  // A running lottery shows its own rounds (none yet: an empty chart), never an older result.
  const SvgChart* chart = lottery_running ? &live_chart_ : shown_ ? &shown_->chart : nullptr;
  if (!chart) {
    hint_text(
        "Choose an instrument and press Run: it works on a copy of this step's weights while "
        "training goes on, and its figure appears here.");
    return;
  }
  if (shown_ && chart == &shown_->chart) {
    if (shown_->kind == lr_from_init)  // its weights are the initialization's, whatever the step
      ImGui::TextWrapped("from the initialization (taken at step %lld): %s", (long long)shown_step_,
                         shown_->summary.c_str());
    else
      ImGui::TextWrapped("step %lld: %s", (long long)shown_step_, shown_->summary.c_str());
  }
  const std::vector<LotteryRound>* rounds =
      lottery_running ? &live_rows_
                      : (shown_ && shown_->kind == lottery ? &shown_->rounds : nullptr);
  const int kind = lottery_running ? int(lottery) : shown_->kind;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float side_w = rounds ? 280.f : 0.f;
  // One plot id per instrument: each keeps its own zoom.
  const std::string plot_id = std::string("instrument-plot-") + kKeys[kind];
  // A second chart under the first: where a lottery's survivors live, an interpolation's
  // accuracy.
  const SvgChart* spread =
      rounds ? (lottery_running ? &live_spread_ : &shown_->spread)
             : (shown_ && !lottery_running && !shown_->spread.series.empty() ? &shown_->spread
                                                                             : nullptr);
  const float plot_w = avail.x - side_w - (rounds ? 8 : 0);
  const float main_h = spread ? (avail.y - 8) * 0.55f : avail.y - 4;
  ImGui::BeginGroup();
  if (auto w = plot::xy_plot(plot_id.c_str(), *chart, ImVec2(plot_w, main_h),
                             export_dir + "/" + kKeys[kind], report))
    log("export " + *w);
  report("instrument-plot");
  if (spread) {
    const std::string second = std::string(kKeys[kind]) + "-second";
    if (auto w = plot::xy_plot(("instrument-plot-" + second).c_str(), *spread,
                               ImVec2(plot_w, avail.y - 8 - main_h),
                               export_dir + (rounds ? "/lottery-spread" : "/" + second), report))
      log("export " + *w);
    report(rounds ? "lottery-spread-plot" : "instrument-second-plot");
  }
  ImGui::EndGroup();
  if (rounds) {
    ImGui::SameLine(0, 8);
    ImGui::BeginChild("rounds-side", ImVec2(side_w, avail.y - 4));
    draw_rounds_table(*rounds, lottery_running ? job_control_ : shown_->control);
    ImGui::EndChild();
  }
}

}  // namespace ts
