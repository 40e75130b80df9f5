#include "core/command/settings.h"

#include "core/error.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>

namespace ts {

namespace {

using K = OptimizerKind;
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

const std::vector<SettingSpec>& setting_specs() {
  static const std::vector<SettingSpec> specs{
      {Setting::lr, "lr", {}, 0, kInf},
      {Setting::momentum, "momentum", {K::momentum, K::nesterov, K::rmsprop}},
      {Setting::beta1, "beta1", {K::adam, K::adamw}},
      {Setting::beta2, "beta2", {K::adam, K::adamw}},
      {Setting::rho, "rho", {K::rmsprop, K::adadelta}},
      {Setting::eps, "eps", {K::adagrad, K::rmsprop, K::adam, K::adamw, K::adadelta}},
      {Setting::weight_decay, "weight_decay", {}},
      {Setting::dropout, "dropout", {}, 0, 1, true},
      {Setting::batch_size, "batch_size", {}, 1, kInf, false, true},
      {Setting::clip_norm, "clip_norm", {}, 0, kInf, false, false, " (0 turns it off)"},
      {Setting::clip_value, "clip_value", {}, 0, kInf, false, false, " (0 turns it off)"},
      {Setting::threads, "threads", {}, 1, 256, false, true},
      {Setting::stats_interval, "stats_interval", {}, 0, 1e9, false, true, " steps (0: off)"},
      {Setting::sharpness_interval,
       "sharpness_interval",
       {},
       0,
       1e9,
       false,
       true,
       " steps (0: off)"},
      {Setting::spike_factor, "spike_factor", {}},
      {Setting::steps_per_s,
       "steps_per_s",
       {},
       0,
       1e6,
       false,
       false,
       " steps a second (0: full speed)"},
  };
  return specs;
}

const SettingSpec& spec_of(Setting id) {
  for (const SettingSpec& s : setting_specs())
    if (s.id == id) return s;
  throw Error("no setting has id " + std::to_string(int(id)));
}

const SettingSpec* find_setting(std::string_view name) {
  for (const SettingSpec& s : setting_specs())
    if (name == s.name) return &s;
  return nullptr;
}

std::vector<std::string> setting_names() {
  std::vector<std::string> names;
  for (const SettingSpec& s : setting_specs()) names.emplace_back(s.name);
  return names;
}

bool optimizer_has(const SettingSpec& s, OptimizerKind kind) {
  return s.optimizers.empty() ||
         std::find(s.optimizers.begin(), s.optimizers.end(), kind) != s.optimizers.end();
}

std::string setting_problem(const SettingSpec& s, double v, OptimizerKind kind) {
  if (!std::isfinite(v)) return "the value must be a finite number, got " + format_number(v);
  if (!optimizer_has(s, kind)) {
    std::vector<std::string_view> owners;
    for (OptimizerKind k : s.optimizers) owners.push_back(to_string(k));
    std::string list;
    for (std::size_t i = 0; i < owners.size(); ++i)
      list += (i == 0 ? "" : i + 1 == owners.size() ? " and " : ", ") + std::string(owners[i]);
    return std::string(to_string(kind)) + " has no " + s.name + "; it belongs to " + list;
  }
  const bool in_range = v >= s.lo && (s.hi_open ? v < s.hi : v <= s.hi);
  if (in_range && (!s.whole || v == std::floor(v))) return "";
  std::string range;
  if (std::isinf(s.hi))
    range = ">= " + format_number(s.lo);
  else
    range = "in [" + format_number(s.lo) + ", " + format_number(s.hi) + (s.hi_open ? ")" : "]");
  return std::string("must be ") + (s.whole ? "a whole number " : "") + range + s.note + ", got " +
         format_number(v);
}

}  // namespace ts
