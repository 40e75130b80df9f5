#include "app/panels/schedule_form.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace ts {

namespace {
constexpr const char* kShapes[] = {"constant",
                                   "step",
                                   "linear",
                                   "inverse time",
                                   "exponential",
                                   "natural exponential",
                                   "cosine",
                                   "cyclical",
                                   "SGDR warm restarts",
                                   "one-cycle",
                                   "piecewise at milestones"};
// For the reported widget names: prefix + "-shape-" + id.
constexpr const char* kShapeIds[] = {"constant",    "step",        "linear",   "inverse-time",
                                     "exponential", "natural-exp", "cosine",   "cyclical",
                                     "sgdr",        "one-cycle",   "multistep"};
static_assert(std::size(kShapes) == std::variant_size_v<ScheduleShape>);
static_assert(std::size(kShapeIds) == std::size(kShapes));

bool input_steps(const char* label, int64_t& v) {
  ImGui::SetNextItemWidth(120);
  return ImGui::InputScalar(label, ImGuiDataType_S64, &v);
}
bool input_value(const char* label, double& v) {
  ImGui::SetNextItemWidth(120);
  return ImGui::InputDouble(label, &v, 0.0, 0.0, "%.6g");
}

// Milestones as text, "4000, 6000". While the field is being edited ImGui shows its own copy
// of what is typed; the list changes only when the text reads as steps.
void input_milestones(std::vector<int64_t>& milestones) {
  std::string now;
  for (int64_t m : milestones) now += (now.empty() ? "" : ", ") + std::to_string(m);
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, "%s", now.c_str());
  ImGui::SetNextItemWidth(200);
  if (!ImGui::InputText("milestones", buffer, sizeof buffer)) return;
  std::vector<int64_t> parsed;
  const char* p = buffer;
  while (*p) {
    if (*p == ',' || *p == ' ') {
      ++p;
      continue;
    }
    char* end = nullptr;
    const long long v = std::strtoll(p, &end, 10);
    if (end == p) return;  // not a number (yet): keep the list
    parsed.push_back(v);
    p = end;
  }
  milestones = parsed;
}

// The momentum cycled inversely to the rate (cyclical and one-cycle, as PyTorch does).
template <class S>
void input_momentum_cycle(S& p) {
  ImGui::Checkbox("cycle momentum (or beta1)", &p.cycle_momentum);
  if (p.cycle_momentum) {
    input_value("base momentum", p.base_momentum);
    input_value("max momentum", p.max_momentum);
  }
}
}  // namespace

ScheduleShape default_shape(int shape, int64_t plan_steps, double a0) {
  const int64_t left = std::max<int64_t>(1, plan_steps);
  switch (shape) {
    case 0:
      return ConstantLr{};
    case 1:
      return StepLr{std::max<int64_t>(1, left / 3), 0.1};
    case 2:
      return LinearLr{left, 0.0};
    case 3:
      return InverseTimeLr{9.0 / double(left)};  // a0 / 10 at the end
    case 4:
      return ExponentialLr{std::pow(0.01, 1.0 / double(left))};
    case 5:
      return NaturalExpLr{std::log(100.0) / double(left)};
    case 6:
      return CosineLr{left, 0.0};
    case 7:
      return CyclicalLr{CyclicalLr::Mode::triangular, 6 * a0, std::max<int64_t>(1, left / 8), 1.0};
    case 8:
      return SgdrLr{std::max<int64_t>(1, left / 7), 2.0, 0.0};
    case 9:
      return OneCycleLr{left, std::max(a0, 1e-6), 0.3, 25.0, 1e4};
    default:
      return MultiStepLr{{std::max<int64_t>(1, left / 2), std::max<int64_t>(2, 3 * left / 4)}, 0.1};
  }
}

void edit_schedule(Schedule& s, int64_t plan_steps, const std::string& prefix,
                   const std::function<void(const char*)>& report) {
  ImGui::SetNextItemWidth(200);
  const int current = int(s.shape.index());
  if (ImGui::BeginCombo("shape", kShapes[current], ImGuiComboFlags_HeightLarge)) {
    for (int i = 0; i < int(std::size(kShapes)); ++i) {
      if (ImGui::Selectable(kShapes[i], i == current) && i != current)
        s.shape = default_shape(i, plan_steps, s.base_lr);
      report((prefix + "-shape-" + kShapeIds[i]).c_str());
    }
    ImGui::EndCombo();
  }
  report((prefix + "-shape").c_str());
  input_value("base rate (a0)", s.base_lr);
  report((prefix + "-lr").c_str());
  std::visit(
      [&](auto& p) {
        using S = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<S, StepLr>) {
          input_steps("step size", p.step_size);
          input_value("gamma", p.gamma);
        } else if constexpr (std::is_same_v<S, LinearLr>) {
          input_steps("total steps", p.total_steps);
          input_value("end factor", p.end_factor);
        } else if constexpr (std::is_same_v<S, InverseTimeLr> || std::is_same_v<S, ExponentialLr> ||
                             std::is_same_v<S, NaturalExpLr>) {
          input_value("beta", p.beta);
        } else if constexpr (std::is_same_v<S, CosineLr>) {
          input_steps("total steps", p.total_steps);
          input_value("min rate", p.min_lr);
        } else if constexpr (std::is_same_v<S, CyclicalLr>) {
          int mode = int(p.mode);
          ImGui::SetNextItemWidth(120);
          if (ImGui::Combo("mode", &mode, "triangular\0triangular2\0exp_range\0"))
            p.mode = CyclicalLr::Mode(mode);
          input_value("max rate", p.max_lr);
          input_steps("half cycle", p.half_cycle);
          if (p.mode == CyclicalLr::Mode::exp_range) input_value("gamma", p.gamma);
          input_momentum_cycle(p);
        } else if constexpr (std::is_same_v<S, SgdrLr>) {
          input_steps("first period", p.first_period);
          input_value("period mult", p.period_mult);
          input_value("min rate", p.min_lr);
          input_value("peak decay", p.peak_decay);
        } else if constexpr (std::is_same_v<S, OneCycleLr>) {
          input_steps("total steps", p.total_steps);
          input_value("max rate", p.max_lr);
          input_value("pct start", p.pct_start);
          input_value("div factor", p.div_factor);
          input_value("final div", p.final_div_factor);
          input_momentum_cycle(p);
        } else if constexpr (std::is_same_v<S, MultiStepLr>) {
          input_milestones(p.milestones);
          input_value("gamma", p.gamma);
        }
      },
      s.shape);
  input_steps("warm-up steps", s.warmup_steps);
  if (s.warmup_steps > 0) {
    // The lectures' ramp (step t of W at t / W of the rate) unless a start factor is set,
    // which then works as PyTorch's LinearLR.
    bool factor = s.warmup_start_factor.has_value();
    if (ImGui::Checkbox("start factor (PyTorch LinearLR)", &factor))
      s.warmup_start_factor = factor ? std::optional<double>(0.1) : std::nullopt;
    if (s.warmup_start_factor)
      input_value("warm-up start factor", *s.warmup_start_factor);
    else
      ImGui::TextDisabled("warm-up: step t of %lld at t/%lld of the rate",
                          (long long)s.warmup_steps, (long long)s.warmup_steps);
  }
}

}  // namespace ts
