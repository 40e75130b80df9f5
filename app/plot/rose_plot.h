// A rose (polar histogram) of angle distributions, drawn with ImGui: the layout of
// core/chart/rose_svg.h (wedges spanning their bins' angles, area proportional to count, the
// first series outlined and later ones filled) inside a `size` box at the cursor, with a
// legend, and the bin under the pointer read out on hover. A right-click offers the rose as
// PNG (this widget rendered offscreen, app/plot/chart_png.h), SVG (core/chart/rose_svg.h) and
// CSV (the bins, as chart_csv writes them). Immediate mode, UI thread.
#pragma once

#include "core/chart/svg_chart.h"

#include <imgui.h>

#include <functional>
#include <optional>
#include <string>

namespace ts::plot {

// Returns the path written this frame, or "error: ..."; `report` gets the menu's items as
// export-png, export-svg and export-csv.
std::optional<std::string> rose_plot(const char* id, const SvgChart& chart, ImVec2 size,
                                     const std::string& export_stem = {},
                                     const std::function<void(const char*)>& report = {});

}  // namespace ts::plot
