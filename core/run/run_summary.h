// What a finished (or running) run directory comes to, read from its metrics.csv: the steps
// trained, the last training loss, the best and the last validation accuracy and the last
// test accuracy. For study and sweep summaries and the window's comparison of runs. Reads
// files only; any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace ts {

struct RunSummary {
  int64_t steps = 0;  // the last row's step
  std::optional<double> train_loss;
  std::optional<double> best_validation_accuracy;
  int64_t best_validation_step = 0;
  std::optional<double> validation_accuracy;  // at the last evaluation
  std::optional<double> test_accuracy;        // at the last evaluation
};

// Throws ts::Error naming the file when metrics.csv is missing, lacks a column or holds a
// cell that is not a number. A torn last line (a run still writing) is left out.
RunSummary summarize_run(const std::filesystem::path& run_dir);

}  // namespace ts
