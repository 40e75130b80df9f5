// A line plot drawn on an ImGui draw list with min/max decimation: each pixel column shows
// the minimum and maximum of the points that fall into it, so a spike is never hidden and
// a million points cost what a thousand do. Immediate mode; owns no data.
#pragma once

#include <imgui.h>

#include <span>
#include <string>

namespace ts::plot {

struct LinePlotStyle {
  ImU32 color = IM_COL32(90, 170, 255, 255);
  bool log_y = false;
};

// Draws `values` (x = index) into a `size` box at the cursor and advances the cursor.
void line_plot(const char* id, std::span<const float> values, ImVec2 size,
               const LinePlotStyle& style = {});

}  // namespace ts::plot
