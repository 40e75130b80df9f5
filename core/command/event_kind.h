// What an event of a trainer records (core/train/trainer.h, Event): the kind of the command it
// applied, or one of the trainer's own happenings. Written to events.csv by name
// (to_string), read back by name (event_kind_from_string); the charts choose an event's marker
// by it (core/chart/event_markers.h).
#pragma once

#include "core/command/command.h"

#include <optional>
#include <string_view>

namespace ts {

enum class EventKind {
  // The commands' kinds: CommandKind's, in its order and under its names.
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
  load,
  // The trainer's own.
  rejected,    // a command that could not be applied, with the reason
  divergence,  // NaN, Inf or a spike of the loss or gradient norm paused training
  error,       // training could not go on (a file could not be written, ...)
  checkpoint,  // a checkpoint was written
  early_stop,  // early stopping went back to the best evaluation and stopped
  end,         // the planned steps are done
  final,       // a final evaluation (the network, its averages)
  fork,        // the run began as a copy of another's state (TrainerOptions::fork_of)
};

const char* to_string(EventKind k);
std::optional<EventKind> event_kind_from_string(std::string_view name);
EventKind event_kind_of(CommandKind k);

}  // namespace ts
