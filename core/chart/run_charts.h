// Charts of a run directory's tables, for `trainscope-cli export`: the loss, accuracy and
// learning-rate curves from metrics.csv, per-layer statistics from metrics.csv and
// layers.csv, and the latest singular values from spectra.csv; the per-step charts mark the
// run's events from events.csv as the window does. The same SvgChart the window draws, so one
// renderer writes it as SVG, CSV or PNG. Reads files only; any thread.
#pragma once

#include "core/chart/svg_chart.h"

#include <filesystem>
#include <string>
#include <vector>

namespace ts {

// The names run_chart accepts, each with what it shows.
struct RunChartKind {
  const char* name;
  const char* description;
};
const std::vector<RunChartKind>& run_chart_kinds();

// Builds the chart `name` (one of run_chart_kinds()) from the run directory `run`; `layers`
// limits the per-layer charts to those layers (empty: every layer). With `smoothing` in
// (0, 1), the loss and accuracy charts draw the per-step training series as the window does:
// faint and unlisted, under its exponential moving average (bias-corrected, weight
// `smoothing` on the past). Throws ts::Error naming the file and what is wrong: a missing
// table or column, a non-numeric cell, an unknown chart or layer, no rows to draw, or a
// smoothing outside [0, 1).
SvgChart run_chart(const std::filesystem::path& run, const std::string& name,
                   const std::vector<std::string>& layers = {}, double smoothing = 0.0);

}  // namespace ts
