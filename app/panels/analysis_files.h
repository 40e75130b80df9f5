// A figure of an analysis run in the window, saved into the run directory the way
// `trainscope-cli analyze` saves its own: <run>/analysis/step-<N>/<name>.svg and .csv (the
// chart's data, one row per point). Nothing is written for a run that records nothing.
// UI thread; the files are small.
#pragma once

#include "core/chart/svg_chart.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace ts {

// Writes each (name, chart) of `figures`. Returns the line for the window's log: "analysis
// saved <the SVG's path>" for one figure, "... <the directory>" for several, "analysis not
// saved: <why>" when a file could not be written, "" when `run_dir` is empty (nothing
// recorded). Never throws.
std::string save_analysis(const std::filesystem::path& run_dir, int64_t step,
                          const std::vector<std::pair<std::string, SvgChart>>& figures);

}  // namespace ts
