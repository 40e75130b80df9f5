// A chart of x-y series drawn with ImGui: the same SvgChart (core/io/svg_chart.h) the
// command line writes as SVG, so what the window shows is what it exports. Lines (with an
// optional band, dashed or solid), markers (scatter plots) and histograms; axes with nice
// or log ticks and their labels; a legend whose entries hide and show their series on a
// click; the nearest point's values on hover. Right-click offers export of exactly what is
// drawn (hidden series left out) as SVG and CSV. Immediate mode, UI thread.
#pragma once

#include "core/io/svg_chart.h"

#include <imgui.h>

#include <functional>
#include <optional>
#include <string>

namespace ts::plot {

// Draws `chart` (its title above the axes when not empty) into a `size` box at the cursor.
// `export_stem` (a path without extension; empty: no export menu) is where the right-click
// menu writes <stem>.svg and <stem>.csv. Returns the path written this frame, if any, or an
// error message starting with "error:". `report`, when given, is called after each export
// menu item with "export-svg" or "export-csv" (test hooks print the item's position).
std::optional<std::string> xy_plot(const char* id, const SvgChart& chart, ImVec2 size,
                                   const std::string& export_stem = {},
                                   const std::function<void(const char*)>& report = {});

}  // namespace ts::plot
