// Bar charts on an ImGui draw list: a histogram over a value range, and one bar per named
// category (per-layer statistics). Immediate mode; owns no data.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <span>
#include <string>

namespace ts::plot {

// Bins of equal width over [lo, hi) drawn as bars, with lo and hi under the axis and the
// largest count on the left. Hovering a bar shows its range and count.
void histogram_plot(const char* id, std::span<const uint32_t> counts, float lo, float hi,
                    ImVec2 size, ImU32 color);

// One bar per value, labelled underneath; `log_y` for values spanning decades (a collapsing
// activation std). Values that are not finite or (with log_y) not positive draw no bar.
void category_bars(const char* id, std::span<const std::string> labels,
                   std::span<const float> values, ImVec2 size, ImU32 color, bool log_y);

}  // namespace ts::plot
