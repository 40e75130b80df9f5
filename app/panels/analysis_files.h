// A figure of an analysis run in the window, saved into the run directory the way
// `trainscope-cli analyze` saves its own: <run>/analysis/step-<N>/<name>.svg and .csv (the
// chart's data, one row per point). Nothing is written for a run that records nothing.
// UI thread; the files are small.
#pragma once

#include "core/io/svg_chart.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace ts {

// Returns the SVG's path, "" when `run_dir` is empty; throws ts::Error naming the file.
std::string save_analysis(const std::filesystem::path& run_dir, int64_t step,
                          const std::string& name, const SvgChart& chart);

}  // namespace ts
