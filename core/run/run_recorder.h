// Writes a run directory as training goes:
//   config.json     once
//   metrics.csv     one row per step: step, epoch, lr, train loss and accuracy, gradient
//                   norm, sparsity (the fraction of weights pruned, Run::sparsity),
//                   validation and test loss and accuracy (filled on evaluation steps,
//                   empty otherwise), then grad_norm.<layer> and update_ratio.<layer> for
//                   each layer (empty when per-layer statistics are off), and seconds (the
//                   time spent training up to the step, pauses left out)
//   layers.csv      one row per layer per statistics interval (core/analysis/layer_stats.h)
//   histograms.csv  the activation histogram of each of those rows: lo, hi, 64 counts
//   spectra.csv     at each evaluation, every singular value of each layer's weight matrix:
//                   step, layer, index (0: the largest), singular_value
//   events.csv      step, kind, detail, before, after
// After a rewind, steps start again from the step the run went back to; the "rewind" event
// marks where. Rows are buffered and flushed every 256 steps or half a second (whichever comes
// first: a window following the directory sees new rows within a second), on an evaluation,
// on an event and on flush(), so recording costs little per step.
// Used by whoever drives a Run (the trainer, tests), on that thread.
#pragma once

#include "core/analysis/layer_stats.h"
#include "core/experiment/experiment_config.h"
#include "core/io/csv_writer.h"
#include "core/io/run_dir.h"
#include "core/io/run_lock.h"
#include "core/run/run.h"

#include <chrono>
#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ts {

struct EvalPoint {
  BatchStats validation;
  BatchStats test;
};

class RunRecorder {
 public:
  // A new run refuses a directory that already holds metrics; a resumed run (`append`)
  // continues that directory's files, whose columns must match. Either way the directory
  // is locked (core/io/run_lock.h): a second writer is refused while this one lives.
  //
  // Resuming from a checkpoint at `resume_step` drops the rows a crashed run wrote after
  // that step (the trailing rows whose step is greater) from every table, since the resumed
  // run writes them again; the cut files are replaced atomically.
  RunRecorder(const std::filesystem::path& root, const ExperimentConfig& config, bool append,
              std::vector<std::string> layers = {}, int64_t resume_step = 0);

  // Rows dropped when resuming (see above), over all tables.
  std::size_t dropped_rows() const { return dropped_rows_; }

  const RunDir& dir() const { return dir_; }
  // `layer_grad_norms` and `layer_update_ratios`: one per layer, or empty; `seconds`: the time
  // spent training up to this step (NaN: not measured, an empty cell).
  void record_step(const StepReport& r, const std::optional<EvalPoint>& eval,
                   std::span<const double> layer_grad_norms = {},
                   std::span<const double> layer_update_ratios = {}, double seconds = NAN);
  // One probe per layer, in the order given at construction.
  void record_layers(int64_t step, std::span<const LayerProbe> probes);
  // The singular values (largest first) of `layer`'s weight matrix at `step`.
  void record_spectrum(int64_t step, const std::string& layer,
                       std::span<const float> singular_values);
  // The sharpness measured at `step` (monitor.sharpness_interval): the top Hessian
  // eigenvalue, the products power iteration took, the loss over its samples, the rate.
  void record_sharpness(int64_t step, double top_eigenvalue, int iterations, double loss,
                        double lr);
  void record_event(int64_t step, const std::string& kind, const std::string& detail,
                    const std::string& before = {}, const std::string& after = {});
  void flush();

 private:
  RunDir dir_;
  std::size_t dropped_rows_ = 0;  // set while lock_ is taken
  RunLock lock_;                  // taken before any file of the directory is opened
  std::vector<std::string> layers_;
  CsvWriter metrics_;
  CsvWriter layer_stats_;
  CsvWriter histograms_;
  CsvWriter spectra_;
  CsvWriter sharpness_;
  CsvWriter events_;
  std::vector<CsvWriter::Cell> row_;  // reused
  int pending_ = 0;
  std::chrono::steady_clock::time_point flushed_at_ = std::chrono::steady_clock::now();
};

}  // namespace ts
