// The loss landscape (core/analysis/landscape.h) as a picture: the log10 test loss on a
// heatmap, b rising up the picture as on a chart, with contour lines of the log loss and the
// path the optimizer took across the plane (the trajectory's directions only); the test
// accuracy on the same plane with the same path. What the window draws and what the window
// and `analyze --what landscape` write (landscape.png/.svg/.csv, landscape-accuracy.*,
// landscape-path.csv). No GL; any thread.
#pragma once

#include "app/plot/heatmap_export.h"
#include "core/analysis/landscape.h"

#include <filesystem>
#include <string>
#include <vector>

namespace ts::plot {

struct LandscapeFigure {
  int n = 0;
  std::vector<float> log_loss, accuracy;  // n x n, row 0 at the top (b = span)
  float lo = 0, hi = 1;                   // of log_loss
  std::vector<HeatmapLine> loss_lines;    // contours, then the path
  std::vector<HeatmapLine> accuracy_lines;
  HeatmapLabels loss_labels, accuracy_labels;

  HeatmapGrid loss_grid() const;
  HeatmapGrid accuracy_grid() const;
};

constexpr int kLandscapeContours = 12;

LandscapeFigure landscape_figure(const Landscape& l);

// The figure's files into `dir`; throws ts::Error naming a file that cannot be written.
void write_landscape_files(const std::filesystem::path& dir, const Landscape& l);

}  // namespace ts::plot
