// Commands to the trainer: what the window, the command line and experiment scripts ask of a
// running training. A plain value; the trainer applies each one between two steps, never
// inside one, and records it as an event with the step, the old and the new value.
//
// JSON form (experiment scripts, `"script": [...]` in a config, and the CLI):
//   {"at": 2000, "do": "prune", "layers": ["fc1"], "amount": 0.5, "criterion": "magnitude",
//    "global": false}                           ("sparsity": 0.8 instead of "amount": prune by
//                                               magnitude until 80% of the weights are gone)
//   {"at": 4000, "do": "set", "lr": 0.01}      one of the settings below
//   {"do": "schedule", "schedule": {...}}       a schedule (core/schedule/schedule_json.h),
//                                               starting at the step it is applied
//   {"do": "optimizer", "optimizer": {...}}     (core/optim/optimizer_json.h)
//   {"do": "freeze" | "unfreeze", "layer": "fc1"}
//   {"do": "snapshot", "label": "k"}            keep the whole state under a label
//   {"do": "rewind", "to": "init" | "snapshot" | "step", "label": "k", "step": 500,
//    "keep_masks": false}
//   {"do": "save" | "load", "path": "ckpt.safetensors"}
//   {"do": "pause" | "resume" | "stop" | "reset"}, {"do": "step", "count": 10}
// Settings for "set": lr (a constant schedule from now on), momentum, beta1, beta2, rho, eps,
// weight_decay, dropout, batch_size, clip_norm, clip_value, threads, stats_interval (steps
// between per-layer statistics; 0 turns them and the per-layer step series off),
// spike_factor (the divergence test's outlier factor, monitor.spike_factor; 0 turns the
// outlier test off, NaN and Inf still pause), steps_per_s (slow motion: at most this many
// steps a second; 0 is full speed).
//
// Pure values and functions; any thread.
#pragma once

#include "core/command/settings.h"
#include "core/optim/optimizer.h"
#include "core/prune/prune.h"
#include "core/schedule/schedule.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

enum class CommandKind {
  start,
  pause,
  resume,
  step,
  stop,
  reset,
  set,
  schedule,
  optimizer,
  freeze,
  unfreeze,
  prune,
  snapshot,
  rewind,
  save,
  load
};
const char* to_string(CommandKind);

enum class RewindTarget { initialization, snapshot, step };

struct Command {
  CommandKind kind = CommandKind::pause;
  int64_t count = 0;                                   // step: how many steps to take, then pause
  Setting setting = Setting::lr;                       // set: which setting
  double value = 0.0;                                  // set: its new value
  Schedule schedule;                                   // schedule
  OptimizerSettings optimizer;                         // optimizer
  std::string layer;                                   // freeze, unfreeze
  PruneRequest prune;                                  // prune
  std::string label;                                   // snapshot, rewind to a snapshot
  RewindTarget target = RewindTarget::initialization;  // rewind
  int64_t step = 0;                                    // rewind to a step
  bool keep_masks = false;  // rewind: keep the current masks on the restored weights
  std::string path;         // save, load (a live save with no path goes to the run directory)

  static Command simple(CommandKind k) {
    Command c;
    c.kind = k;
    return c;
  }
  static Command set(Setting setting, double value) {
    Command c;
    c.kind = CommandKind::set;
    c.setting = setting;
    c.value = value;
    return c;
  }
};

// One line for event logs: "set lr 0.01", "prune magnitude 50% of fc1".
std::string describe(const Command& c);

struct ScriptedCommand {
  int64_t at = 0;  // applied when this many steps are done, before the next one
  Command command;
};

// Throws ts::Error naming the key path on an unknown command, a missing or unknown field
// or a value out of range.
Command command_from_json(const nlohmann::json& j, const std::string& path);
ScriptedCommand scripted_command_from_json(const nlohmann::json& j, const std::string& path);
// A script: a list of scripted commands ("script" in an experiment config), returned sorted
// by step (commands at the same step keep their order). `path` prefixes every error.
std::vector<ScriptedCommand> parse_script(const nlohmann::json& j, const std::string& path);
nlohmann::json to_json(const Command& c);
nlohmann::json to_json(const ScriptedCommand& c);

}  // namespace ts
