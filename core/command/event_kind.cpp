#include "core/command/event_kind.h"

#include <array>
#include <utility>

namespace ts {

namespace {

constexpr std::array<std::pair<EventKind, const char*>, 23> kNames{{
    {EventKind::start, "start"},
    {EventKind::pause, "pause"},
    {EventKind::resume, "resume"},
    {EventKind::step, "step"},
    {EventKind::stop, "stop"},
    {EventKind::reset, "reset"},
    {EventKind::set, "set"},
    {EventKind::schedule, "schedule"},
    {EventKind::optimizer, "optimizer"},
    {EventKind::freeze, "freeze"},
    {EventKind::unfreeze, "unfreeze"},
    {EventKind::prune, "prune"},
    {EventKind::snapshot, "snapshot"},
    {EventKind::rewind, "rewind"},
    {EventKind::save, "save"},
    {EventKind::load, "load"},
    {EventKind::rejected, "rejected"},
    {EventKind::divergence, "divergence"},
    {EventKind::error, "error"},
    {EventKind::checkpoint, "checkpoint"},
    {EventKind::early_stop, "early_stop"},
    {EventKind::end, "end"},
    {EventKind::final, "final"},
}};

}  // namespace

const char* to_string(EventKind k) {
  for (const auto& [kind, name] : kNames)
    if (kind == k) return name;
  return "unknown";
}

std::optional<EventKind> event_kind_from_string(std::string_view name) {
  for (const auto& [kind, n] : kNames)
    if (name == n) return kind;
  return std::nullopt;
}

EventKind event_kind_of(CommandKind k) {
  switch (k) {
    case CommandKind::start:
      return EventKind::start;
    case CommandKind::pause:
      return EventKind::pause;
    case CommandKind::resume:
      return EventKind::resume;
    case CommandKind::step:
      return EventKind::step;
    case CommandKind::stop:
      return EventKind::stop;
    case CommandKind::reset:
      return EventKind::reset;
    case CommandKind::set:
      return EventKind::set;
    case CommandKind::schedule:
      return EventKind::schedule;
    case CommandKind::optimizer:
      return EventKind::optimizer;
    case CommandKind::freeze:
      return EventKind::freeze;
    case CommandKind::unfreeze:
      return EventKind::unfreeze;
    case CommandKind::prune:
      return EventKind::prune;
    case CommandKind::snapshot:
      return EventKind::snapshot;
    case CommandKind::rewind:
      return EventKind::rewind;
    case CommandKind::save:
      return EventKind::save;
    case CommandKind::load:
      return EventKind::load;
  }
  return EventKind::error;
}

}  // namespace ts
