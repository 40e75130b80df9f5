// A result of an analysis run in the window, saved into the run directory the way
// `trainscope-cli analyze` saves its own: <run>/analysis/step-<N>/<name>.svg (the figure) and
// <name>.csv (the same table the command line writes, core/chart/analysis_tables.h). Nothing
// is written for a run that records nothing. UI thread; the files are small.
#pragma once

#include "core/chart/analysis_tables.h"
#include "core/chart/svg_chart.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ts {

struct AnalysisFile {
  std::string name;  // without extension
  // Written as <name>.svg, one chart under another; none, or a first with no series: no SVG.
  std::vector<SvgChart> charts;
  Table table;  // written as <name>.csv; empty: no CSV
};

// Writes each of `files`. Returns the line for the window's log: "analysis saved <the file's
// path>" for one file, "... <the directory>" for several, "analysis not saved: <why>" when a
// file could not be written, "" when `run_dir` is empty (nothing recorded). Never throws.
std::string save_analysis(const std::filesystem::path& run_dir, int64_t step,
                          const std::vector<AnalysisFile>& files);
// The same for files `write` puts into the step's directory (a heatmap's PNG, SVG and CSV):
// "analysis saved <the directory>", "analysis not saved: <why>" when it throws, "" without a
// run directory.
std::string save_analysis_into(const std::filesystem::path& run_dir, int64_t step,
                               const std::function<void(const std::filesystem::path&)>& write);

}  // namespace ts
