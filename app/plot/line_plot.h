// A line plot drawn on an ImGui draw list with min/max decimation: each pixel column shows
// the minimum and maximum of the points that fall into it, so a spike is never hidden and
// a million points cost what a thousand do. Immediate mode; owns no data.
#pragma once

#include <imgui.h>

#include <span>
#include <string>

namespace ts::plot {

// A vertical line at x (in the same units as the plot's x: the value index), labelled on
// hover: where a command changed the run.
struct PlotMarker {
  float x = 0;
  ImU32 color = IM_COL32(255, 200, 90, 200);
  std::string label;
};

struct LinePlotStyle {
  ImU32 color = IM_COL32(90, 170, 255, 255);
  bool log_y = false;
  std::span<const PlotMarker> markers;
};

// Draws `values` (x = index) into a `size` box at the cursor and advances the cursor.
void line_plot(const char* id, std::span<const float> values, ImVec2 size,
               const LinePlotStyle& style = {});

}  // namespace ts::plot
