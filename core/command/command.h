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
// sharpness_interval (steps between measurements of the top Hessian eigenvalue; 0: off),
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
#include <variant>
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

// One small struct per kind, each with only its own fields; `kind` names it.
namespace cmd {
struct Start {
  static constexpr CommandKind kind = CommandKind::start;
};
struct Pause {
  static constexpr CommandKind kind = CommandKind::pause;
};
struct Resume {
  static constexpr CommandKind kind = CommandKind::resume;
};
struct Step {  // train `count` steps, then pause
  static constexpr CommandKind kind = CommandKind::step;
  int64_t count = 1;
};
struct Stop {
  static constexpr CommandKind kind = CommandKind::stop;
};
struct Reset {
  static constexpr CommandKind kind = CommandKind::reset;
};
struct Set {  // one live setting (core/command/settings.h)
  static constexpr CommandKind kind = CommandKind::set;
  Setting setting = Setting::lr;
  double value = 0.0;
};
struct SetSchedule {  // from the step it is applied at
  static constexpr CommandKind kind = CommandKind::schedule;
  Schedule schedule;
};
struct SetOptimizer {
  static constexpr CommandKind kind = CommandKind::optimizer;
  OptimizerSettings optimizer;
};
struct Freeze {
  static constexpr CommandKind kind = CommandKind::freeze;
  std::string layer;
};
struct Unfreeze {
  static constexpr CommandKind kind = CommandKind::unfreeze;
  std::string layer;
};
struct Prune {
  static constexpr CommandKind kind = CommandKind::prune;
  PruneRequest request;
};
struct Snapshot {  // keep the whole state under a label
  static constexpr CommandKind kind = CommandKind::snapshot;
  std::string label;
};
struct Rewind {
  static constexpr CommandKind kind = CommandKind::rewind;
  RewindTarget target = RewindTarget::initialization;
  std::string label;        // to a snapshot
  int64_t step = 0;         // to a step
  bool keep_masks = false;  // keep the current masks on the restored weights
};
struct Save {  // a live save with no path goes to the run directory
  static constexpr CommandKind kind = CommandKind::save;
  std::string path;
};
struct Load {
  static constexpr CommandKind kind = CommandKind::load;
  std::string path;
};
}  // namespace cmd

// The alternatives in CommandKind's order: a command's index is its kind.
using Command =
    std::variant<cmd::Start, cmd::Pause, cmd::Resume, cmd::Step, cmd::Stop, cmd::Reset, cmd::Set,
                 cmd::SetSchedule, cmd::SetOptimizer, cmd::Freeze, cmd::Unfreeze, cmd::Prune,
                 cmd::Snapshot, cmd::Rewind, cmd::Save, cmd::Load>;

inline CommandKind kind_of(const Command& c) { return CommandKind(c.index()); }

// A default command of a kind (a count of 1, empty names): what a parser fills in.
Command command_of_kind(CommandKind k);

// A visitor from lambdas: std::visit(Overloaded{[](const cmd::Step&) {...}, ...}, c).
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

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
