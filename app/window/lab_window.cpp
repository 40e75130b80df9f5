#include "app/window/lab_window.h"
#include "app/window/key_taps.h"

#include "app/plot/export_menu.h"
#include "core/data/builtin_datasets.h"
#include "core/error.h"
#include "core/experiment/experiment_data.h"
#include "core/experiment/experiment_json.h"
#include "core/experiment/presets.h"
#include "core/text_format.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts {

namespace {
constexpr ImGuiWindowFlags kPanel = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                    ImGuiWindowFlags_NoCollapse |
                                    ImGuiWindowFlags_NoBringToFrontOnFocus;
}  // namespace

LabWindow::LabWindow(const LabOptions& options)
    : places_{data_dir(options.data_dir), options.runs_dir, options.export_dir},
      steps_(options.steps),
      open_tab_(options.tab),
      jobs_(std::make_unique<AnalysisJobs>(1)) {
  if (options.bench_points > 0) curves_.add_benchmark_series(options.bench_points);
  presets_ = list_presets(presets_dir());
  load_preset(options.preset);
  if (options.autostart && run_) send(cmd::Start{}, "start");
}

void LabWindow::event(const std::string& text) {
  std::printf("event %s\n", text.c_str());
  std::fflush(stdout);
  // Every save is confirmed with its path (or its error) in the status bar.
  if (text.rfind("export ", 0) == 0) {
    const std::string what = text.substr(7);
    toast_ = what.rfind("error:", 0) == 0 ? "Export failed: " + what.substr(7) : "Saved " + what;
    toast_error_ = what.rfind("error:", 0) == 0;
    toast_until_ = ImGui::GetTime() + 8.0;
  }
}

void LabWindow::report(const char* name) {
  const ImVec2 lo = ImGui::GetItemRectMin(), hi = ImGui::GetItemRectMax();
  const std::pair<int, int> c{int((lo.x + hi.x) / 2), int((lo.y + hi.y) / 2)};
  auto it = reported_.find(name);
  if (it != reported_.end() && it->second == c) return;
  reported_[name] = c;
  std::printf("widget %s %d %d\n", name, c.first, c.second);
  std::fflush(stdout);
}

void LabWindow::close_experiment() {
  weights_.reset();
  pruning_.reset();
  instruments_.reset();
  curves_.reset();
  schedule_.reset();
  layers_.reset();
  run_.reset();
  activations_reported_ = false;
  error_.clear();
  data_panel_.reset();
}

void LabWindow::load_preset(const std::string& name) {
  close_experiment();
  try {
    std::string shown = name;
    ExperimentConfig config = load_experiment(presets_dir() / (name + ".json"));
    if (!experiment_data_available(config, places_.data_dir)) {
      // The promised fallback: the program always starts, on a synthetic set, and says so.
      data_note_ = config.data.dataset + " is not installed in " + places_.data_dir.string() +
                   " (run `make data`); showing the two-spirals set instead.";
      shown = "spirals";
      config = load_experiment(presets_dir() / (shown + ".json"));
    } else {
      data_note_.clear();
    }
    if (steps_ > 0) config.training.steps = steps_;
    open_experiment(std::move(config), shown);
    const auto it = std::find(presets_.begin(), presets_.end(), shown);
    preset_index_ = it == presets_.end() ? 0 : int(it - presets_.begin());
    preset_name_ = name;
    event("preset " + name);
  } catch (const Error& e) {
    error_ = e.what();
  }
}

void LabWindow::open_experiment(ExperimentConfig config, const std::string& name,
                                std::shared_ptr<const DataSplits> data) {
  if (!data) data = load_experiment_data(config, places_.data_dir);
  run_ = std::make_unique<LiveRun>(std::move(config), name, std::move(data), places_);
  editor_.reset(run_->config(), run_->data()->train.size());
}

void LabWindow::open_edited(ExperimentConfig config) {
  close_experiment();
  data_note_.clear();
  try {
    if (!experiment_data_available(config, places_.data_dir))
      throw Error(config.data.dataset + " is not installed in " + places_.data_dir.string() +
                  " (run `make data`)");
    open_experiment(std::move(config), "edited");
    const ExperimentConfig& c = run_->config();
    std::string layers;
    for (const auto& l : c.model.layers) {
      layers += " " + l.name + ":" + to_string(l.kind);
      if (l.kind == LayerKind::dense) layers += " " + std::to_string(l.units);
      if (l.kind == LayerKind::activation) layers += std::string(" ") + to_string(l.activation);
    }
    std::string inits;
    for (const auto& [name, spec] : c.layer_init)
      inits += " " + name + ":" + to_string(spec.kind) +
               (spec.kind == InitKind::gaussian ? " sigma " + format_number(spec.sigma) : "");
    event("experiment " + c.data.dataset + ":" + layers + " schedule " + schedule_name(c.schedule) +
          (inits.empty() ? "" : " init" + inits));
  } catch (const Error& e) {
    error_ = e.what();
    event("experiment error: " + error_);
  }
}

void LabWindow::new_run(bool keep_live_changes) {
  if (!run_) return;
  ExperimentConfig config = keep_live_changes ? run_->status()->config : run_->config();
  std::shared_ptr<const DataSplits> data = run_->data();  // live changes never touch the data
  const std::string name = run_->name();
  close_experiment();
  try {
    open_experiment(std::move(config), name, std::move(data));
    event(std::string("new run") + (keep_live_changes ? " with the live changes" : "") + " in " +
          (run_->trainer().run_dir().empty() ? std::string("(not recorded)")
                                             : run_->trainer().run_dir().string()));
  } catch (const Error& e) {
    error_ = e.what();
    event("new run error: " + error_);
  }
}

LabWindow::~LabWindow() {
  jobs_.reset();  // the analyses first: they may wait on the trainer's captures
  run_.reset();
}

void LabWindow::send(Command c, const std::string& what) {
  if (!run_) return;
  run_->trainer().submit(std::move(c));
  event(what);
}

AppSettings LabWindow::settings(AppSettings s) const {
  if (!preset_name_.empty()) s.preset = preset_name_;
  if (!shown_tab_.empty()) s.tab = shown_tab_;
  const CurvesPanel::View v = curves_.view();
  s.curve = v.curve;
  s.log_scale = v.log_scale;
  s.smoothing = v.smoothing;
  return s;
}

void LabWindow::restore_view(const AppSettings& s) {
  curves_.set_view({s.curve, s.log_scale, float(s.smoothing)});
}

bool LabWindow::training() const {
  return run_ && run_->trainer().state() == TrainerState::running;
}

void LabWindow::copy_series() {
  curves_.update(*run_->trainer().metrics());
  // For scripts: each event the trainer recorded.
  const std::vector<Event> events = run_->poll();
  for (const Event& e : events)
    std::printf("applied %lld %s %s\n", (long long)e.step, to_string(e.kind), e.detail.c_str());
  if (!events.empty()) std::fflush(stdout);
  if (!activations_reported_) report_activations();
}

// For scripts: the first probe of an experiment, each layer's activation and spread, so a
// test can see the histograms change with the preset.
void LabWindow::report_activations() {
  const auto m = run_->trainer().metrics();
  std::string line;
  for (const auto& l : m->layers) {
    if (l->histograms.size() == 0 || !l->act_std.last()) return;
    char part[96];
    std::snprintf(part, sizeof part, " %s:%s:std=%.4g", l->name.c_str(), to_string(l->activation),
                  double(l->act_std.last()->value));
    line += part;
  }
  if (line.empty()) return;
  activations_reported_ = true;
  const auto& probes = m->layers.front()->histograms;
  event("activations step " + std::to_string(probes[probes.size() - 1].step) + line);
}

void LabWindow::draw(float width, float height, FrameRate rate) {
  if (run_) {
    copy_series();
    plot::set_export_source(run_->source());  // what the exports say they came from
  }
  const float status_h = 26.f, left_w = 360.f;
  const float body_h = height - status_h;
  // The editor, when open, takes most of the left column.
  const float exp_h = body_h * (editing_ ? 0.8f : 0.33f);
  draw_experiment(0, 0, left_w, exp_h);
  draw_controls(0, exp_h, left_w, body_h - exp_h);
  const float right_w = width - left_w, top_h = body_h * 0.56f;
  const float data_w = right_w * 0.42f;
  draw_data(left_w, 0, data_w, top_h);
  draw_layers(left_w + data_w, 0, right_w - data_w, top_h);
  draw_plots(left_w, top_h, right_w, body_h - top_h);
  draw_status(body_h, width, rate);
  draw_toast(width, body_h);
}

void LabWindow::draw_toast(float width, float bottom) {
  if (toast_.empty() || ImGui::GetTime() >= toast_until_) return;
  // The last save, over the bottom right corner of the plots: it covers nothing that moves
  // under the pointer and is never cut at the window's edge (it wraps).
  ImGui::SetNextWindowPos(ImVec2(width - 8, bottom - 8), ImGuiCond_Always, ImVec2(1, 1));
  ImGui::SetNextWindowBgAlpha(0.92f);
  ImGui::Begin("##toast", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                   ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_NoFocusOnAppearing |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoNav);
  const float wrap = std::min(ImGui::CalcTextSize(toast_.c_str()).x + 1, width * 0.6f);
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + wrap);
  ImGui::PushStyleColor(ImGuiCol_Text,
                        toast_error_ ? ImVec4(1.f, 0.47f, 0.4f, 1) : ImVec4(0.5f, 0.9f, 0.5f, 1));
  ImGui::TextUnformatted(toast_.c_str());
  ImGui::PopStyleColor();
  ImGui::PopTextWrapPos();
  report("toast");
  ImGui::End();
}

void LabWindow::draw_controls(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  ImGui::Begin("Controls", nullptr, kPanel);
  if (run_) {
    const TrainerStatus& st = *run_->status();
    const float frac = st.planned > 0 ? std::min(1.f, float(st.step) / float(st.planned)) : 0.f;
    char overlay[64];
    std::snprintf(overlay, sizeof overlay, "step %lld / %lld   epoch %.2f", (long long)st.step,
                  (long long)st.planned, st.epoch);
    ImGui::ProgressBar(frac, ImVec2(-1, 0), overlay);
    // One line of numbers: no loss before the first step; after it a NaN is shown as it is.
    std::string line =
        "loss " + (st.step > 0 ? format_fixed(curves_.last_loss(), 4) : std::string("--"));
    if (st.last_evaluation)
      line += "   val " + format_fixed(100 * st.last_evaluation->validation.accuracy, 2) +
              "%   test " + format_fixed(100 * st.last_evaluation->test.accuracy, 2) + "%";
    else
      line += "   val --   test --";
    ImGui::TextUnformatted(line.c_str());
    report("numbers");
    // Messages in a box of constant height, so nothing below moves when one comes or goes
    // (a long one scrolls inside it).
    const float box_h =
        2 * ImGui::GetTextLineHeightWithSpacing() + ImGui::GetFrameHeightWithSpacing() + 6;
    ImGui::BeginChild("##messages", ImVec2(-1, box_h), false);
    // Early stopping, when the experiment asks for it.
    if (const auto& es = st.config.training.early_stopping) {
      const bool acc = es->metric == EarlyStopping::Metric::validation_accuracy;
      if (st.early_best)
        ImGui::TextDisabled("early stopping: best %s %s at step %lld, %d of %d without",
                            acc ? "accuracy" : "loss", format_number(*st.early_best).c_str(),
                            (long long)st.early_best_step, st.early_waited, es->patience);
      else
        ImGui::TextDisabled("early stopping: patience %d evaluations", es->patience);
    }
    if (st.planned > 0 && st.step >= st.planned && st.state != TrainerState::running)
      ImGui::TextColored(ImVec4(0.5f, 0.9f, 0.5f, 1),
                         "Reached the planned steps; Resume trains on.");
    if (!st.notice.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.5f, 0.9f, 0.5f, 1));
      ImGui::TextWrapped("%s", st.notice.c_str());
      ImGui::PopStyleColor();
    }
    if (!st.problem.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 120, 100, 255));
      ImGui::TextWrapped("%s", st.problem.c_str());
      ImGui::PopStyleColor();
    }
    if (!st.problem.empty() || !st.notice.empty()) {
      if (st.rewind_to) {
        char label[64];
        std::snprintf(label, sizeof label, "Rewind to step %lld", (long long)*st.rewind_to);
        if (ImGui::Button(label)) {
          cmd::Rewind c;
          c.target = RewindTarget::step;
          c.step = *st.rewind_to;
          send(c, "rewind " + std::to_string(*st.rewind_to));
        }
        report("rewind");
      }
      // After an outlier stop: loosen the outlier test or turn it off (NaN and Inf still pause).
      const double factor = st.config.monitor.spike_factor;
      if (st.problem.rfind("Training diverged: the ", 0) == 0 &&
          st.problem.find("outlier limit") != std::string::npos && factor > 0) {
        if (st.rewind_to) ImGui::SameLine();
        char label[64];
        std::snprintf(label, sizeof label, "Loosen to x%g", 3 * factor);
        if (ImGui::Button(label))
          send(cmd::Set{Setting::spike_factor, 3 * factor}, "set spike_factor");
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("Loosen the outlier limit of the divergence test.");
        report("loosen-outlier-test");
        ImGui::SameLine();
        if (ImGui::Button("Test off"))
          send(cmd::Set{Setting::spike_factor, 0.0}, "set spike_factor 0");
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("Turn the outlier test off: NaN and Inf still pause training.");
        report("outlier-test-off");
      }
    }
    ImGui::EndChild();
  }
  if (run_) {
    const ControlsPanel::NewRun asked = controls_.draw(
        run_->trainer(), *run_->status(), run_->live_changes(), take_space_tap(),
        [this](Command c, const std::string& what) { send(std::move(c), what); },
        [this](const char* name) { report(name); });
    if (asked != ControlsPanel::NewRun::none)
      new_run(asked == ControlsPanel::NewRun::with_live_changes);
  } else {
    ImGui::TextUnformatted("Choose a preset to start.");
  }
  ImGui::End();
}

void LabWindow::draw_layers(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  ImGui::Begin("Layers", nullptr, kPanel);
  if (run_)
    layers_.draw(
        *run_->trainer().metrics(), run_->exports_dir(), [this](const char* n) { report(n); },
        [this](const std::string& p) { event(p); });
  ImGui::End();
}

void LabWindow::draw_experiment(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  ImGui::Begin("Experiment", nullptr, kPanel);
  ImGui::TextUnformatted("Preset");
  ImGui::SetNextItemWidth(-1);
  const char* current =
      presets_.empty() ? "(no presets found)" : presets_[std::size_t(preset_index_)].c_str();
  if (ImGui::BeginCombo("##preset", current)) {
    for (int i = 0; i < int(presets_.size()); ++i) {
      if (ImGui::Selectable(presets_[std::size_t(i)].c_str(), i == preset_index_))
        load_preset(presets_[std::size_t(i)]);
      report(("preset-" + presets_[std::size_t(i)]).c_str());
    }
    ImGui::EndCombo();
  }
  report("preset");
  // Near the top, so it opens in view; what it edits is summarised below.
  const bool editing = ImGui::CollapsingHeader("Edit the experiment");
  editing_ = editing;
  report("edit-experiment");
  if (editing) {
    if (auto edited = editor_.draw([this](const char* n) { report(n); },
                                   [this](const std::string& p) { event(p); }))
      open_edited(std::move(*edited));
  }
  ImGui::Separator();
  ImGui::TextWrapped("%s", run_->config().name.c_str());
  if (!run_->config().description.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(160, 165, 175, 255));
    ImGui::TextWrapped("%s", run_->config().description.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::Spacing();
  if (run_) {
    ImGui::TextWrapped("Data: %s", run_->data()->note.c_str());
    ImGui::Text("Model:");
    for (const auto& l : run_->config().model.layers) {
      std::string d = l.name + "  " + to_string(l.kind);
      if (l.kind == LayerKind::dense) d += " " + std::to_string(l.units);
      if (l.kind == LayerKind::conv2d)
        d += " " + std::to_string(l.filters) + " " + std::to_string(l.kernel) + "x" +
             std::to_string(l.kernel);
      if (l.kind == LayerKind::activation) d += " " + std::string(to_string(l.activation));
      if (l.kind == LayerKind::dropout) d += " p=" + std::to_string(l.rate).substr(0, 4);
      ImGui::BulletText("%s", d.c_str());
    }
    {
      auto describe_init = [](const InitSpec& wi) {
        std::string d = to_string(wi.kind);
        if (wi.kind == InitKind::gaussian) d += " sigma " + format_number(wi.sigma);
        if (wi.kind == InitKind::uniform) d += " range " + format_number(wi.range);
        if (wi.kind == InitKind::constant) d += " " + format_number(wi.value);
        if (wi.auto_gain)
          d += " x the activation's gain";
        else if (wi.gain != 1.0)
          d += " x " + format_number(wi.gain);
        return d;
      };
      std::string init = "Init: " + describe_init(run_->config().weight_init);
      for (const auto& [name, spec] : run_->config().layer_init)
        init += "; " + name + ": " + describe_init(spec);
      if (run_->config().output_bias_log_prior) init += "; output bias at the log class prior";
      ImGui::TextWrapped("%s", init.c_str());
    }
    ImGui::Text("Optimizer: %s, lr %.3g (%s)", to_string(run_->config().optimizer.kind),
                run_->config().schedule.base_lr, schedule_name(run_->config().schedule));
    if (const auto& g = run_->config().pruning) {
      char text[200];
      std::snprintf(text, sizeof text,
                    "Pruning: gradually from %.0f%% to %.0f%% of %s, steps %lld to %lld every %lld",
                    100 * g->initial_sparsity, 100 * g->final_sparsity,
                    g->layers.empty() ? "every layer" : join(g->layers).c_str(),
                    (long long)g->begin_step, (long long)g->end_step, (long long)g->frequency);
      ImGui::TextWrapped("%s", text);
    }
    ImGui::Text("Batch %lld, seed %llu, %d thread(s)",
                (long long)run_->config().training.batch_size,
                (unsigned long long)run_->config().training.seed, run_->config().training.threads);
  }
  ImGui::Spacing();
  ImGui::Separator();
  if (!data_note_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 200, 90, 255));
    ImGui::TextWrapped("%s", data_note_.c_str());
    ImGui::PopStyleColor();
  }
  if (!error_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 120, 100, 255));
    ImGui::TextWrapped("%s", error_.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::End();
}

void LabWindow::draw_data(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  ImGui::Begin("Data", nullptr, kPanel);
  data_panel_.draw((run_ ? run_->data().get() : nullptr), (run_ ? &run_->trainer() : nullptr),
                   *jobs_, [this](const char* n) { report(n); },
                   [this](const std::string& p) { event(p); });
  ImGui::End();
}

void LabWindow::draw_plots(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  ImGui::Begin("Plots", nullptr, kPanel);
  if (ImGui::BeginTabBar("plots")) {
    auto tab = [&](const char* label, const char* key) {
      const bool select = open_tab_ == key;
      const bool open =
          ImGui::BeginTabItem(label, nullptr, select ? ImGuiTabItemFlags_SetSelected : 0);
      report((std::string("tab-") + key).c_str());
      if (open && select) open_tab_.clear();
      if (open && shown_tab_ != key) {
        shown_tab_ = key;
        event(std::string("tab ") + key);
      }
      return open;
    };
    if (tab("Training curves", "loss")) {
      if (run_)
        curves_.draw(
            *run_->trainer().metrics(), *run_->status(), run_->markers(), run_->exports_dir(),
            [this](const char* n) { report(n); }, [this](const std::string& p) { event(p); });
      ImGui::EndTabItem();
    }
    if (tab("Schedule", "schedule")) {
      if (run_)
        schedule_.draw(
            run_->trainer(), *run_->status(), curves_.used_learning_rates(), curves_.sparsity(),
            run_->exports_dir(),
            [this](Command c, const std::string& what) { send(std::move(c), what); },
            [this](const char* n) { report(n); }, [this](const std::string& p) { event(p); });
      ImGui::EndTabItem();
    }
    if (tab("Weights", "weights")) {
      if (run_)
        weights_.draw(
            run_->trainer(), *jobs_, run_->data()->train.sample_shape, run_->exports_dir(),
            [this](const char* n) { report(n); }, [this](const std::string& p) { event(p); });
      ImGui::EndTabItem();
    }
    if (tab("Pruning", "pruning")) {
      if (run_)
        pruning_.draw(
            run_->trainer(), *jobs_, run_->exports_dir(),
            [this](Command c, const std::string& what) { send(std::move(c), what); },
            [this](const char* n) { report(n); }, [this](const std::string& p) { event(p); });
      ImGui::EndTabItem();
    }
    if (tab("Instruments", "instruments")) {
      if (run_)
        instruments_.draw(
            run_->trainer(), *jobs_, run_->exports_dir(), [this](const char* n) { report(n); },
            [this](const std::string& p) { event(p); });
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::End();
}

void LabWindow::draw_status(float y, float w, FrameRate rate) {
  ImGui::SetNextWindowPos(ImVec2(0, y));
  ImGui::SetNextWindowSize(ImVec2(w, 26));
  ImGui::Begin("##status", nullptr,
               kPanel | ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
  const TrainerStatus empty;
  const TrainerStatus& st = run_ ? *run_->status() : empty;
  ImGui::Text(
      "step %lld   epoch %.2f   %.0f samples/s   %.0f frames/s drawn, %.1f ms each   %d worker "
      "thread(s)   %s",
      (long long)st.step, st.epoch, st.samples_per_s, rate.drawn_per_s, rate.frame_ms, st.threads,
      run_ ? to_string(run_->trainer().state()) : "no experiment");
  if (run_) {
    ImGui::SameLine(0, 24);
    if (!run_->trainer().run_dir().empty()) {
      ImGui::TextDisabled("run %s", run_->trainer().run_dir().string().c_str());
    } else {
      ImGui::PushStyleColor(ImGuiCol_Text, run_->record_note().empty()
                                               ? IM_COL32(150, 155, 165, 255)
                                               : IM_COL32(255, 200, 90, 255));
      ImGui::TextUnformatted(run_->record_note().empty() ? "not recorded"
                                                         : run_->record_note().c_str());
      ImGui::PopStyleColor();
    }
    if (ImGui::IsItemHovered() && !run_->trainer().run_dir().empty())
      ImGui::SetTooltip(
          "metrics.csv, layers.csv, events.csv and checkpoints/ of this experiment;\n"
          "trainscope-cli check / export / analyze read it");
  }
  ImGui::End();
}

}  // namespace ts
