#include "core/schedule/schedule_json.h"
#include "core/text_format.h"

#include "core/error.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

namespace ts {

namespace {

std::string key_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Reads typed fields of one JSON object and remembers which keys the type asked for, so that
// every other key can be reported as unknown.
class FieldReader {
 public:
  FieldReader(const nlohmann::json& j, const std::string& path) : j_(j), path_(path) {}

  // True when the key was present (and read into `out`).
  bool number(const char* key, double& out, bool required) {
    const nlohmann::json* v = find(key, required);
    if (v == nullptr) return false;
    if (!v->is_number()) fail(key, "must be a number, got " + v->dump());
    out = v->get<double>();
    return true;
  }

  void integer(const char* key, int64_t& out, bool required) {
    const nlohmann::json* v = find(key, required);
    if (v == nullptr) return;
    if (v->is_number_integer() && !v->is_number_unsigned()) {
      out = v->get<int64_t>();
      return;
    }
    if (v->is_number_unsigned()) {
      const auto u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        fail(key, "is too large, got " + v->dump());
      }
      out = static_cast<int64_t>(u);
      return;
    }
    // A float with an integral value, e.g. 1e4.
    constexpr double kLimit = 9.2e18;
    if (v->is_number_float()) {
      const auto d = v->get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < kLimit) {
        out = static_cast<int64_t>(d);
        return;
      }
    }
    fail(key, "must be an integer, got " + v->dump());
  }

  void boolean(const char* key, bool& out, bool required) {
    const nlohmann::json* v = find(key, required);
    if (v == nullptr) return;
    if (!v->is_boolean()) fail(key, "must be true or false, got " + v->dump());
    out = v->get<bool>();
  }

  // A list of integers (each read as `integer` reads one).
  void integers(const char* key, std::vector<int64_t>& out, bool required) {
    const nlohmann::json* v = find(key, required);
    if (v == nullptr) return;
    if (!v->is_array()) fail(key, "must be a list of steps, got " + v->dump());
    out.clear();
    for (const auto& item : *v) {
      if (item.is_number_integer() && !item.is_number_unsigned()) {
        out.push_back(item.get<int64_t>());
      } else if (item.is_number_unsigned() &&
                 item.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max())) {
        out.push_back(int64_t(item.get<uint64_t>()));
      } else if (item.is_number_float() && std::isfinite(item.get<double>()) &&
                 item.get<double>() == std::floor(item.get<double>()) &&
                 std::abs(item.get<double>()) < 9.2e18) {
        out.push_back(int64_t(item.get<double>()));
      } else {
        fail(key, "must be a list of whole steps, got " + item.dump() + " in " + v->dump());
      }
    }
  }

  void string(const char* key, std::string& out, bool required) {
    const nlohmann::json* v = find(key, required);
    if (v == nullptr) return;
    if (!v->is_string()) fail(key, "must be a string, got " + v->dump());
    out = v->get<std::string>();
  }

  // Throws for the first key of the object that no read asked for.
  void reject_unknown(std::string_view type) const {
    for (const auto& item : j_.items()) {
      if (std::find(known_.begin(), known_.end(), item.key()) == known_.end()) {
        fail(item.key(), "unknown key for type " + std::string(type) +
                             " (expected one of: " + join(known_) + ")");
      }
    }
  }

  [[noreturn]] void fail(std::string_view key, const std::string& what) const {
    throw Error(key_path(path_, key) + ": " + what);
  }

 private:
  const nlohmann::json* find(const char* key, bool required) {
    known_.emplace_back(key);
    const auto it = j_.find(key);
    if (it == j_.end()) {
      if (required)
        fail(key, "missing" + (owner_.empty() ? std::string() : ", required by " + owner_));
      return nullptr;
    }
    return &*it;
  }

  const nlohmann::json& j_;
  const std::string& path_;
  std::vector<std::string_view> known_;

 public:
  // Named in "missing" errors once the type is known: "the \"step\" schedule".
  std::string owner_;
};

constexpr bool kRequired = true;
constexpr bool kOptional = false;

void read_shape(ConstantLr&, FieldReader&) {}
void read_shape(MultiStepLr& s, FieldReader& r) {
  r.integers("milestones", s.milestones, kRequired);
  r.number("gamma", s.gamma, kOptional);
}
template <class S>
void read_momentum(S& s, FieldReader& r) {
  r.boolean("cycle_momentum", s.cycle_momentum, kOptional);
  r.number("base_momentum", s.base_momentum, kOptional);
  r.number("max_momentum", s.max_momentum, kOptional);
}
void read_shape(StepLr& s, FieldReader& r) {
  r.integer("step_size", s.step_size, kRequired);
  r.number("gamma", s.gamma, kOptional);
}
void read_shape(LinearLr& s, FieldReader& r) {
  r.integer("total_steps", s.total_steps, kRequired);
  r.number("end_factor", s.end_factor, kOptional);
}
void read_shape(InverseTimeLr& s, FieldReader& r) { r.number("beta", s.beta, kRequired); }
void read_shape(ExponentialLr& s, FieldReader& r) { r.number("beta", s.beta, kRequired); }
void read_shape(NaturalExpLr& s, FieldReader& r) { r.number("beta", s.beta, kRequired); }
void read_shape(CosineLr& s, FieldReader& r) {
  r.integer("total_steps", s.total_steps, kRequired);
  r.number("min_lr", s.min_lr, kOptional);
}
void read_shape(CyclicalLr& s, FieldReader& r) {
  r.number("max_lr", s.max_lr, kRequired);
  r.integer("half_cycle", s.half_cycle, kRequired);
  std::string mode = to_string(s.mode);
  r.string("mode", mode, kOptional);
  constexpr std::array kModes = {CyclicalLr::Mode::triangular, CyclicalLr::Mode::triangular2,
                                 CyclicalLr::Mode::exp_range};
  const auto it = std::find_if(kModes.begin(), kModes.end(),
                               [&](CyclicalLr::Mode m) { return mode == to_string(m); });
  if (it == kModes.end()) {
    r.fail("mode", "unknown mode \"" + mode + "\" (expected one of: triangular, triangular2, " +
                       "exp_range)");
  }
  s.mode = *it;
  r.number("gamma", s.gamma, kOptional);
  read_momentum(s, r);
}
void read_shape(SgdrLr& s, FieldReader& r) {
  r.integer("first_period", s.first_period, kRequired);
  r.number("period_mult", s.period_mult, kOptional);
  r.number("min_lr", s.min_lr, kOptional);
  r.number("peak_decay", s.peak_decay, kOptional);
}
void read_shape(OneCycleLr& s, FieldReader& r) {
  r.integer("total_steps", s.total_steps, kRequired);
  r.number("max_lr", s.max_lr, kRequired);
  r.number("pct_start", s.pct_start, kOptional);
  r.number("div_factor", s.div_factor, kOptional);
  r.number("final_div_factor", s.final_div_factor, kOptional);
  read_momentum(s, r);
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
  FieldReader r(j, path);
  std::string type;
  r.string("type", type, kRequired);

  const auto shapes = all_shapes(std::make_index_sequence<std::variant_size_v<ScheduleShape>>());
  const auto it = std::find_if(shapes.begin(), shapes.end(),
                               [&](const ScheduleShape& s) { return type == schedule_name(s); });
  if (it == shapes.end()) {
    std::vector<std::string_view> names;
    for (const ScheduleShape& s : shapes) names.emplace_back(schedule_name(s));
    r.fail("type", "unknown schedule \"" + type + "\" (expected one of: " + join(names) + ")");
  }

  r.owner_ = "the \"" + type + "\" schedule";
  Schedule s;
  s.shape = *it;
  if (!std::holds_alternative<OneCycleLr>(s.shape)) r.number("lr", s.base_lr, kRequired);
  r.integer("warmup_steps", s.warmup_steps, kOptional);
  double start_factor = 0.0;
  if (r.number("warmup_start_factor", start_factor, kOptional))
    s.warmup_start_factor = start_factor;
  std::visit([&](auto& shape) { read_shape(shape, r); }, s.shape);
  r.reject_unknown(type);
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
