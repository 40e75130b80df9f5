// The settings a live run takes through `set` (a command, a script entry, a slider of the
// Controls panel): one table of their names, the optimizers that have them, and the range of
// the others. The command parser takes its names from it, the trainer checks a value
// against it before it applies one (core/train/trainer.cpp, apply_set, by `Setting`), and the
// Controls panel shows a slider only for a setting the run's optimizer has. An optimizer's own
// fields are range-checked by the optimizer (core/optim/optimizer.h, validate).
#pragma once

#include "core/optim/optimizer.h"

#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace ts {

enum class Setting {
  lr,
  momentum,
  beta1,
  beta2,
  rho,
  eps,
  weight_decay,
  dropout,
  batch_size,
  clip_norm,
  clip_value,
  threads,
  stats_interval,
  sharpness_interval,
  spike_factor,
  steps_per_s,
};

struct SettingSpec {
  Setting id;
  const char* name;  // in commands, scripts and events
  // The optimizers that have it; empty: not an optimizer's field, every run has it.
  std::vector<OptimizerKind> optimizers;
  // The values it takes (not for an optimizer's fields): [lo, hi], or [lo, hi) when
  // `hi_open`; whole numbers only when `whole`. `note` follows the range in errors.
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool hi_open = false;
  bool whole = false;
  const char* note = "";
};

// Every setting, in the order `set` lists them.
const std::vector<SettingSpec>& setting_specs();
const SettingSpec& spec_of(Setting id);
// nullptr for a name no setting has.
const SettingSpec* find_setting(std::string_view name);
std::vector<std::string> setting_names();

// True when a run with this optimizer has the setting.
bool optimizer_has(const SettingSpec& s, OptimizerKind kind);
// Why `v` cannot be set on a run with optimizer `kind` ("must be in [0, 1), got 2"; "adam has
// no rho; it belongs to rmsprop and adadelta"), or "" when it can.
std::string setting_problem(const SettingSpec& s, double v, OptimizerKind kind);

}  // namespace ts
