// How the events of a run are marked on its charts: one colour and glyph per kind of event
// (none of them a curve's colour), a legend entry, the full detail on hover and a short tag
// beside the glyph. The window's curves and the exported charts use the same marks.
#pragma once

#include "core/io/svg_chart.h"

#include <cstdint>
#include <optional>
#include <string>

namespace ts {

// The marker of an event (core/train/trainer.h's Event kinds: set, schedule, optimizer,
// prune, rewind, reset, load, freeze, unfreeze, divergence, error, early_stop); nothing for
// the events that change nothing drawn (start, pause, save...).
std::optional<SvgMarker> event_marker(int64_t step, const std::string& kind,
                                      const std::string& detail);

// The short tag of an event's detail: its first clause, and the test accuracy measured
// after it when the detail says one ("prune magnitude 50% of fc1 -> test 62.1%").
std::string event_tag(const std::string& detail);

}  // namespace ts
