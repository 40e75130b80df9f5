// The right-click menu of a plot that exports without options: "Save PNG / SVG / CSV
// <stem>.<ext>", each item calling its writer with the path. Opens on a right-button
// release over the hovered plot; call it inside the plot's ID scope (after
// begin_plot_frame). `report` gets the items as export-png, export-svg and export-csv.
// Returns the path written this frame, or "error: ..." when a writer threw. UI thread.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace ts::plot {

struct ExportWriters {
  std::function<void(const std::string& path)> png, svg, csv;
};

std::optional<std::string> export_menu(bool hovered, const std::string& stem, const ExportWriters& writers,
                                       const std::function<void(const char*)>& report);

}  // namespace ts::plot
