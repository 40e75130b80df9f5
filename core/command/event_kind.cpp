#include "core/command/event_kind.h"

#include <array>
#include <utility>

namespace ts {

namespace {

// The trainer's own kinds; the commands' take their CommandKind names.
constexpr std::array<std::pair<EventKind, const char*>, 8> kOwnNames{{
    {EventKind::rejected, "rejected"},
    {EventKind::divergence, "divergence"},
    {EventKind::error, "error"},
    {EventKind::checkpoint, "checkpoint"},
    {EventKind::early_stop, "early_stop"},
    {EventKind::end, "end"},
    {EventKind::final, "final"},
    {EventKind::fork, "fork"},
}};

// The commands' kinds come first, in CommandKind's order: a command's event kind is its own.
constexpr int kCommandKinds = int(CommandKind::load) + 1;
static_assert(int(EventKind::start) == int(CommandKind::start) &&
              int(EventKind::set) == int(CommandKind::set) &&
              int(EventKind::prune) == int(CommandKind::prune) &&
              int(EventKind::load) == int(CommandKind::load) &&
              int(EventKind::rejected) == kCommandKinds);

}  // namespace

const char* to_string(EventKind k) {
  if (int(k) < kCommandKinds) return to_string(CommandKind(int(k)));
  for (const auto& [kind, name] : kOwnNames)
    if (kind == k) return name;
  return "unknown";
}

std::optional<EventKind> event_kind_from_string(std::string_view name) {
  for (int k = 0; k < kCommandKinds; ++k)
    if (name == to_string(CommandKind(k))) return EventKind(k);
  for (const auto& [kind, n] : kOwnNames)
    if (name == n) return kind;
  return std::nullopt;
}

EventKind event_kind_of(CommandKind k) { return EventKind(int(k)); }

}  // namespace ts
