// The right-click menu of a plot that exports without options: "Save PNG / SVG / CSV
// <stem>.<ext>", each item calling its writer with the path. Opens on a right-button
// release over the hovered plot; call it inside the plot's ID scope (after
// begin_plot_frame). `report` gets the items as export-png, export-svg and export-csv.
// Returns the path written this frame, or "error: ..." when a writer threw. UI thread.
//
// No export overwrites a file: each goes to the first free name of <stem>.<ext>,
// <stem>-2.<ext>, <stem>-3.<ext>..., and the menu shows that name before the click.
#pragma once

#include "app/plot/export_source.h"

#include <functional>
#include <optional>
#include <string>

namespace ts::plot {

struct ExportWriters {
  std::function<void(const std::string&path)> png, svg, csv;
};

std::optional<std::string> export_menu(bool hovered, const std::string& stem,
                                       const ExportWriters& writers,
                                       const std::function<void(const char*)>& report);

// The first of <stem><ext>, <stem>-2<ext>, <stem>-3<ext>... that does not exist.
std::string free_export_path(const std::string& stem, const std::string& ext);

}  // namespace ts::plot
