#include "app/panels/schedule_panel.h"

#include "core/error.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace ts {

namespace {
constexpr const char* kShapes[] = {"constant", "step", "linear", "inverse time", "exponential",
                                   "natural exponential", "cosine", "cyclical", "SGDR warm restarts", "one-cycle"};
static_assert(std::size(kShapes) == std::variant_size_v<ScheduleShape>);

bool input_steps(const char* label, int64_t& v) {
  ImGui::SetNextItemWidth(120);
  return ImGui::InputScalar(label, ImGuiDataType_S64, &v);
}
bool input_value(const char* label, double& v) {
  ImGui::SetNextItemWidth(120);
  return ImGui::InputDouble(label, &v, 0.0, 0.0, "%.6g");
}
}  // namespace

void SchedulePanel::reset() {
  have_draft_ = false;
  current_ = plot::PlannedCurve();
  draft_plan_ = plot::PlannedCurve();
  view_ = plot::PlotView();
}

void SchedulePanel::set_defaults(int shape, const TrainerStatus& st) {
  // Parameters that fill what is left of the plan, so the preview is telling at once.
  const int64_t left = std::max<int64_t>(1, st.planned - st.step);
  const double a0 = draft_.base_lr;
  switch (shape) {
    case 0: draft_.shape = ConstantLr{}; break;
    case 1: draft_.shape = StepLr{std::max<int64_t>(1, left / 3), 0.1}; break;
    case 2: draft_.shape = LinearLr{left, 0.0}; break;
    case 3: draft_.shape = InverseTimeLr{9.0 / double(left)}; break;  // a0 / 10 at the end
    case 4: draft_.shape = ExponentialLr{std::pow(0.01, 1.0 / double(left))}; break;
    case 5: draft_.shape = NaturalExpLr{std::log(100.0) / double(left)}; break;
    case 6: draft_.shape = CosineLr{left, 0.0}; break;
    case 7: draft_.shape = CyclicalLr{CyclicalLr::Mode::triangular, 6 * a0, std::max<int64_t>(1, left / 8), 1.0}; break;
    case 8: draft_.shape = SgdrLr{std::max<int64_t>(1, left / 7), 2.0, 0.0}; break;
    default: draft_.shape = OneCycleLr{left, std::max(a0, 1e-6), 0.3, 25.0, 1e4}; break;
  }
  shape_ = shape;
}

void SchedulePanel::edit_shape(const TrainerStatus& st, const Report& report) {
  ImGui::SetNextItemWidth(200);
  int chosen = shape_;
  if (ImGui::Combo("shape", &chosen, kShapes, int(std::size(kShapes)))) set_defaults(chosen, st);
  report("schedule-shape");
  input_value("base rate (a0)", draft_.base_lr);
  report("schedule-lr");
  std::visit(
      [&](auto& s) {
        using S = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<S, StepLr>) {
          input_steps("step size", s.step_size);
          input_value("gamma", s.gamma);
        } else if constexpr (std::is_same_v<S, LinearLr>) {
          input_steps("total steps", s.total_steps);
          input_value("end factor", s.end_factor);
        } else if constexpr (std::is_same_v<S, InverseTimeLr> || std::is_same_v<S, ExponentialLr> ||
                             std::is_same_v<S, NaturalExpLr>) {
          input_value("beta", s.beta);
        } else if constexpr (std::is_same_v<S, CosineLr>) {
          input_steps("total steps", s.total_steps);
          input_value("min rate", s.min_lr);
        } else if constexpr (std::is_same_v<S, CyclicalLr>) {
          int mode = int(s.mode);
          ImGui::SetNextItemWidth(120);
          if (ImGui::Combo("mode", &mode, "triangular\0triangular2\0exp_range\0")) s.mode = CyclicalLr::Mode(mode);
          input_value("max rate", s.max_lr);
          input_steps("half cycle", s.half_cycle);
          if (s.mode == CyclicalLr::Mode::exp_range) input_value("gamma", s.gamma);
        } else if constexpr (std::is_same_v<S, SgdrLr>) {
          input_steps("first period", s.first_period);
          input_value("period mult", s.period_mult);
          input_value("min rate", s.min_lr);
        } else if constexpr (std::is_same_v<S, OneCycleLr>) {
          input_steps("total steps", s.total_steps);
          input_value("max rate", s.max_lr);
          input_value("pct start", s.pct_start);
          input_value("div factor", s.div_factor);
          input_value("final div", s.final_div_factor);
        }
      },
      draft_.shape);
  input_steps("warm-up steps", draft_.warmup_steps);
  if (draft_.warmup_steps > 0) input_value("warm-up start factor", draft_.warmup_start_factor);
}

void SchedulePanel::draw(const Trainer& trainer, const TrainerStatus& st, plot::LiveCurve& used,
                         const std::string& export_dir, const Send& send, const Report& report, const Log& log) {
  if (!have_draft_) {
    draft_ = st.config.schedule;
    shape_ = int(draft_.shape.index());
    have_draft_ = true;
  }
  const auto m = trainer.metrics();

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float form_w = 330.f;
  ImGui::BeginChild("schedule-form", ImVec2(form_w, avail.y - 4), false);
  ImGui::TextWrapped("Now: %s from step %lld. A new schedule starts its clock at the step it is applied on.",
                     schedule_name(st.config.schedule), (long long)st.schedule_start);
  ImGui::Separator();
  edit_shape(st, report);
  std::string problem;
  try {
    validate(draft_, "schedule");
  } catch (const Error& e) {
    problem = e.what();
  }
  ImGui::Spacing();
  ImGui::BeginDisabled(!problem.empty());
  if (ImGui::Button("Apply from the next step")) {
    Command c = Command::simple(CommandKind::schedule);
    c.schedule = draft_;
    send(c, std::string("schedule ") + schedule_name(draft_));
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
  auto plan = [&](plot::PlannedCurve& curve, const Schedule& s, int64_t clock, bool anchored, const char* name,
                  const char* color, bool dashed) {
    SvgSeries p = curve.series(s, clock, st.step, st.planned, columns, anchored);
    p.name = name;
    p.color = color;
    p.dashed = dashed;
    chart.series.push_back(std::move(p));
  };
  plan(current_, st.config.schedule, st.step - st.schedule_start, true, "current plan", "#9a9a9a", true);
  if (problem.empty()) plan(draft_plan_, draft_, 0, false, "draft", "#ff7f0e", false);
  if (auto r = plot::xy_plot("schedule-plot", chart, ImVec2(plot_w, avail.y - 4), export_dir + "/schedule", report,
                             &view_))
    log("export " + *r);
  report("schedule-plot");
}

}  // namespace ts
