// How the events of a run are marked on its charts: one colour and glyph per kind of event
// (none of them a curve's colour), a legend entry, the full detail on hover and a short tag
// beside the glyph. The window's curves and the exported charts use the same marks.
#pragma once

#include "core/chart/svg_chart.h"
#include "core/command/event_kind.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ts {

// The marker of an event (core/command/event_kind.h: set, schedule, optimizer, prune, rewind,
// reset, load, freeze, unfreeze, divergence, error, early_stop); nothing for the events that
// change nothing drawn (start, pause, save...).
std::optional<SvgMarker> event_marker(int64_t step, EventKind kind, const std::string& detail);

// Where the markers of a chart go, in pixels, for every renderer of it (the window, the
// SVG): each glyph sits at the top of its line, a row lower than the glyphs of markers just
// placed close to it (events at one step stack); its tag goes right of it (left near the
// plot's right edge), in the first of four rows from there where it covers no tag placed
// before and stays inside the plot; with no such row the tag is left out (hover shows it).
struct MarkerLayout {
  double top = 0, left = 0, right = 0, bottom = 0;  // the plot area
  double glyph_r = 4.5;                             // a glyph's half width
  double pad = 2;                                   // above the first row; between glyph columns
  double gap = 3;                                   // between a glyph and its tag
  double row_h = 13;                                // one row down
};
struct MarkerPlace {
  double cy = 0;  // the glyph's centre
  bool tagged = false;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // the tag's box, when tagged
};
class MarkerPlacer {
 public:
  explicit MarkerPlacer(MarkerLayout layout) : l_(layout) {}
  // The next marker, on the line at `x`, with a tag `tag_w` by `tag_h` (0 wide: none).
  MarkerPlace place(double x, double tag_w, double tag_h);

 private:
  struct Box {
    double x0, y0, x1, y1;
  };
  MarkerLayout l_;
  std::vector<Box> tags_;
  std::vector<std::pair<double, int>> columns_;  // each glyph's x, and the rows taken there
};

// The short tag of an event's detail: its first clause, and the test accuracy measured
// after it when the detail says one ("prune magnitude 50% of fc1 -> test 62.1%").
std::string event_tag(const std::string& detail);

}  // namespace ts
