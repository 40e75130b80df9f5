#include "app/panels/schedule_panel.h"

#include "app/panels/schedule_form.h"
#include "core/error.h"

#include <imgui.h>

#include <algorithm>

namespace ts {

namespace {
// What identifies a gradual-pruning plan for the planned-curve cache, without writing the
// whole experiment out as JSON every frame.
std::string pruning_key(const GradualPruning& g) {
  return std::to_string(g.initial_sparsity) + " " + std::to_string(g.final_sparsity) + " " +
         std::to_string(g.begin_step) + " " + std::to_string(g.end_step) + " " +
         std::to_string(g.frequency) + " " + std::to_string(g.power);
}
}  // namespace

void SchedulePanel::reset() {
  have_draft_ = false;
  current_ = plot::PlannedCurve();
  draft_plan_ = plot::PlannedCurve();
  current_momentum_ = plot::PlannedCurve();
  draft_momentum_ = plot::PlannedCurve();
  view_ = plot::PlotView();
  momentum_view_ = plot::PlotView();
  sparsity_view_ = plot::PlotView();
  planned_sparsity_ = plot::PlannedCurve();
}

void SchedulePanel::draw(const Trainer& trainer, const TrainerStatus& st, plot::LiveCurve& used,
                         plot::LiveCurve& sparsity, const std::string& export_dir, const Send& send,
                         const Report& report, const Log& log) {
  if (!have_draft_) {
    draft_ = st.config.schedule;
    have_draft_ = true;
  }
  const auto m = trainer.metrics();

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float form_w = 330.f;
  ImGui::BeginChild("schedule-form", ImVec2(form_w, avail.y - 4), false);
  ImGui::TextWrapped(
      "Now: %s from step %lld. A new schedule starts its clock at the step it is applied on.",
      schedule_name(st.config.schedule), (long long)st.schedule_start);
  ImGui::Separator();
  edit_schedule(draft_, st.planned - st.step, "schedule", report);
  std::string problem;
  try {
    validate(draft_, "schedule");
  } catch (const Error& e) {
    problem = e.what();
  }
  ImGui::Spacing();
  ImGui::BeginDisabled(!problem.empty());
  if (ImGui::Button("Apply from the next step")) {
    send(cmd::SetSchedule{draft_}, std::string("schedule ") + schedule_name(draft_));
  }
  ImGui::EndDisabled();
  report("schedule-apply");
  ImGui::SameLine();
  if (ImGui::Button("Revert")) have_draft_ = false;
  if (!problem.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 120, 100, 255));
    ImGui::TextWrapped("%s", problem.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::EndChild();
  ImGui::SameLine(0, 8);

  // Used so far, the current plan, and the draft from the next step to the end of the plan.
  SvgChart chart;
  chart.title = "Learning rate: used, planned, and the draft";
  chart.x_label = "step";
  chart.y_label = "learning rate";
  const float plot_w = avail.x - form_w - 8;
  const int columns = std::max(1, int(plot_w) - 70);
  SvgSeries rates, none;
  used.decimate(m->lr, view_.x0, view_.x1, view_.fit, columns, 0.f, rates, none);
  rates.name = "used";
  rates.color = "#1f77b4";
  chart.series.push_back(std::move(rates));
  auto plan = [&](SvgChart& into, plot::PlannedCurve& curve, const Schedule& s, int64_t clock,
                  bool anchored, const char* name, const char* color, bool dashed, bool momentum) {
    SvgSeries p = curve.series(s, clock, st.step, st.planned, columns, anchored, momentum);
    p.name = name;
    p.color = color;
    p.dashed = dashed;
    into.series.push_back(std::move(p));
  };
  plan(chart, current_, st.config.schedule, st.step - st.schedule_start, true, "current plan",
       "#9a9a9a", true, false);
  if (problem.empty()) plan(chart, draft_plan_, draft_, 0, false, "draft", "#ff7f0e", false, false);
  // The momentum (or beta1) a cyclical or one-cycle schedule moves inversely to the rate,
  // and the sparsity a gradual-pruning plan (or a prune) gave the run.
  const bool now_cycles = cycles_momentum(st.config.schedule);
  const bool draft_cycles = problem.empty() && cycles_momentum(draft_);
  const bool momentum = now_cycles || draft_cycles;
  const bool sparse = st.config.pruning.has_value() || st.sparsity > 0;
  // The rate's chart over the whole height, or 55% beside one more chart, 40% beside two.
  const int extra = int(momentum) + int(sparse);
  const float gap = 4, total_h = avail.y - 4 - gap * float(extra);
  const float rate_h = total_h * (extra == 0 ? 1.f : extra == 1 ? 0.55f : 0.4f);
  const float other_h = extra == 0 ? 0.f : (total_h - rate_h) / float(extra);
  ImGui::BeginGroup();
  // A chart's CSV: the first series (what the run used) at every step in view, the plans as
  // drawn.
  auto every_step = [&](const SvgChart& drawn, plot::LiveCurve& curve, const ScalarSeries& series,
                        const plot::PlotView& view) {
    SvgChart all = drawn;
    SvgSeries every, spare;
    curve.decimate(series, view.x0, view.x1, view.fit, 1 << 30, 0.f, every, spare);
    every.lo.clear(), every.hi.clear();
    every.name = all.series.front().name;
    all.series.front() = std::move(every);
    return all;
  };
  auto full_rates = [&] { return every_step(chart, used, m->lr, view_); };
  if (auto r = plot::xy_plot("schedule-plot", chart, ImVec2(plot_w, rate_h),
                             export_dir + "/schedule", report, &view_, full_rates))
    log("export " + *r);
  report("schedule-plot");
  if (momentum) {
    SvgChart mc;
    mc.title = "Momentum (or Adam's beta1), cycled inversely to the rate";
    mc.x_label = "step";
    mc.y_label = "momentum";
    if (now_cycles)
      plan(mc, current_momentum_, st.config.schedule, st.step - st.schedule_start, true,
           "current plan", "#9a9a9a", true, true);
    if (draft_cycles) plan(mc, draft_momentum_, draft_, 0, false, "draft", "#ff7f0e", false, true);
    if (auto r = plot::xy_plot("momentum-plot", mc, ImVec2(plot_w, other_h),
                               export_dir + "/momentum", report, &momentum_view_))
      log("export " + *r);
    report("momentum-plot");
  }
  if (sparse) {
    SvgChart sc;
    sc.title = st.config.pruning
                   ? "Sparsity: pruned so far, and the rest of the gradual-pruning plan"
                   : "Sparsity: the fraction of the weights pruned";
    sc.x_label = "step";
    sc.y_label = "sparsity";
    sc.y_min = 0.0;
    sc.y_max = 1.0;
    SvgSeries done, unused;
    sparsity.decimate(m->sparsity, sparsity_view_.x0, sparsity_view_.x1, sparsity_view_.fit,
                      columns, 0.f, done, unused);
    done.name = "pruned";
    done.color = "#d62728";
    sc.series.push_back(std::move(done));
    if (const auto& g = st.config.pruning) {
      SvgSeries p = planned_sparsity_.series(
          pruning_key(*g),
          [&](int64_t from, std::span<double> out) { planned_sparsities(*g, from, out); }, st.step,
          st.step, std::max(st.planned, g->end_step + 1), columns, true);
      p.name = "planned";
      p.color = "#9a9a9a";
      p.dashed = true;
      sc.series.push_back(std::move(p));
    }
    auto full_sparsity = [&] { return every_step(sc, sparsity, m->sparsity, sparsity_view_); };
    if (auto r = plot::xy_plot("sparsity-plot", sc, ImVec2(plot_w, other_h),
                               export_dir + "/sparsity", report, &sparsity_view_, full_sparsity))
      log("export " + *r);
    report("sparsity-plot");
  }
  ImGui::EndGroup();
}

}  // namespace ts
