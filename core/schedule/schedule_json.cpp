#include "core/schedule/schedule_json.h"
#include "core/text_format.h"

#include "core/error.h"
#include "core/io/json_fields.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <vector>

namespace ts {

namespace {

void read_shape(ConstantLr&, JsonFields&) {}
void read_shape(MultiStepLr& s, JsonFields& f) {
  s.milestones = f.required_integers("milestones", "whole steps");
  s.gamma = f.number("gamma", s.gamma);
}
template <class S>
void read_momentum(S& s, JsonFields& f) {
  s.cycle_momentum = f.boolean("cycle_momentum", s.cycle_momentum);
  s.base_momentum = f.number("base_momentum", s.base_momentum);
  s.max_momentum = f.number("max_momentum", s.max_momentum);
}
void read_shape(StepLr& s, JsonFields& f) {
  s.step_size = f.required_integer("step_size");
  s.gamma = f.number("gamma", s.gamma);
}
void read_shape(LinearLr& s, JsonFields& f) {
  s.total_steps = f.required_integer("total_steps");
  s.end_factor = f.number("end_factor", s.end_factor);
}
void read_shape(InverseTimeLr& s, JsonFields& f) { s.beta = f.required_number("beta"); }
void read_shape(ExponentialLr& s, JsonFields& f) { s.beta = f.required_number("beta"); }
void read_shape(NaturalExpLr& s, JsonFields& f) { s.beta = f.required_number("beta"); }
void read_shape(CosineLr& s, JsonFields& f) {
  s.total_steps = f.required_integer("total_steps");
  s.min_lr = f.number("min_lr", s.min_lr);
}
void read_shape(CyclicalLr& s, JsonFields& f) {
  s.max_lr = f.required_number("max_lr");
  s.half_cycle = f.required_integer("half_cycle");
  const std::string mode = f.string("mode", to_string(s.mode));
  constexpr std::array kModes = {CyclicalLr::Mode::triangular, CyclicalLr::Mode::triangular2,
                                 CyclicalLr::Mode::exp_range};
  const auto it = std::find_if(kModes.begin(), kModes.end(),
                               [&](CyclicalLr::Mode m) { return mode == to_string(m); });
  if (it == kModes.end()) {
    f.fail("mode", "unknown mode \"" + mode + "\" (expected one of: triangular, triangular2, " +
                       "exp_range)");
  }
  s.mode = *it;
  s.gamma = f.number("gamma", s.gamma);
  read_momentum(s, f);
}
void read_shape(SgdrLr& s, JsonFields& f) {
  s.first_period = f.required_integer("first_period");
  s.period_mult = f.number("period_mult", s.period_mult);
  s.min_lr = f.number("min_lr", s.min_lr);
  s.peak_decay = f.number("peak_decay", s.peak_decay);
}
void read_shape(OneCycleLr& s, JsonFields& f) {
  s.total_steps = f.required_integer("total_steps");
  s.max_lr = f.required_number("max_lr");
  s.pct_start = f.number("pct_start", s.pct_start);
  s.div_factor = f.number("div_factor", s.div_factor);
  s.final_div_factor = f.number("final_div_factor", s.final_div_factor);
  read_momentum(s, f);
}

void write_shape(const ConstantLr&, nlohmann::json&) {}
void write_shape(const MultiStepLr& s, nlohmann::json& j) {
  j["milestones"] = s.milestones;
  j["gamma"] = s.gamma;
}
template <class S>
void write_momentum(const S& s, nlohmann::json& j) {
  j["cycle_momentum"] = s.cycle_momentum;
  j["base_momentum"] = s.base_momentum;
  j["max_momentum"] = s.max_momentum;
}
void write_shape(const StepLr& s, nlohmann::json& j) {
  j["step_size"] = s.step_size;
  j["gamma"] = s.gamma;
}
void write_shape(const LinearLr& s, nlohmann::json& j) {
  j["total_steps"] = s.total_steps;
  j["end_factor"] = s.end_factor;
}
void write_shape(const InverseTimeLr& s, nlohmann::json& j) { j["beta"] = s.beta; }
void write_shape(const ExponentialLr& s, nlohmann::json& j) { j["beta"] = s.beta; }
void write_shape(const NaturalExpLr& s, nlohmann::json& j) { j["beta"] = s.beta; }
void write_shape(const CosineLr& s, nlohmann::json& j) {
  j["total_steps"] = s.total_steps;
  j["min_lr"] = s.min_lr;
}
void write_shape(const CyclicalLr& s, nlohmann::json& j) {
  j["mode"] = to_string(s.mode);
  j["max_lr"] = s.max_lr;
  j["half_cycle"] = s.half_cycle;
  j["gamma"] = s.gamma;
  write_momentum(s, j);
}
void write_shape(const SgdrLr& s, nlohmann::json& j) {
  j["first_period"] = s.first_period;
  j["period_mult"] = s.period_mult;
  j["min_lr"] = s.min_lr;
  j["peak_decay"] = s.peak_decay;
}
void write_shape(const OneCycleLr& s, nlohmann::json& j) {
  j["total_steps"] = s.total_steps;
  j["max_lr"] = s.max_lr;
  j["pct_start"] = s.pct_start;
  j["div_factor"] = s.div_factor;
  j["final_div_factor"] = s.final_div_factor;
  write_momentum(s, j);
}

// One default-constructed value of every alternative, to find a shape by its name.
template <std::size_t... I>
std::array<ScheduleShape, sizeof...(I)> all_shapes(std::index_sequence<I...>) {
  return {ScheduleShape(std::in_place_index<I>)...};
}

}  // namespace

Schedule schedule_from_json(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object()) {
    throw Error((path.empty() ? std::string("schedule") : path) + ": must be an object, got " +
                j.dump());
  }
  JsonFields f(j, path);
  const std::string type = f.required_string("type");

  const auto shapes = all_shapes(std::make_index_sequence<std::variant_size_v<ScheduleShape>>());
  const auto it = std::find_if(shapes.begin(), shapes.end(),
                               [&](const ScheduleShape& s) { return type == schedule_name(s); });
  if (it == shapes.end()) {
    std::vector<std::string_view> names;
    for (const ScheduleShape& s : shapes) names.emplace_back(schedule_name(s));
    f.fail("type", "unknown schedule \"" + type + "\" (expected one of: " + join(names) + ")");
  }

  f.required_by("the \"" + type + "\" schedule");
  Schedule s;
  s.shape = *it;
  if (!std::holds_alternative<OneCycleLr>(s.shape)) s.base_lr = f.required_number("lr");
  s.warmup_steps = f.integer("warmup_steps", s.warmup_steps);
  s.warmup_start_factor = f.optional_number("warmup_start_factor");
  std::visit([&](auto& shape) { read_shape(shape, f); }, s.shape);
  f.finish(type);
  validate(s, path);
  return s;
}

nlohmann::json to_json(const Schedule& s) {
  nlohmann::json j = {{"type", schedule_name(s)}, {"warmup_steps", s.warmup_steps}};
  if (s.warmup_start_factor) j["warmup_start_factor"] = *s.warmup_start_factor;
  if (!std::holds_alternative<OneCycleLr>(s.shape)) j["lr"] = s.base_lr;
  std::visit([&](const auto& shape) { write_shape(shape, j); }, s.shape);
  return j;
}

}  // namespace ts
