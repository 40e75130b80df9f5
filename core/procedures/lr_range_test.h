// The learning-rate range test (Smith 2017): from a copy of the model, a short run whose
// rate grows exponentially from `lr_min` at the first step to `lr_max` at the last,
// recording the training loss against the rate. The live model and optimizer are never
// touched: the test restores a captured state into a Run of its own.
//
// The loss is smoothed with an exponential moving average (bias-corrected, as in Adam) of
// weight `smoothing`. The test stops early when the smoothed loss passes `stop_factor`
// times its lowest value (both counted once about one averaging window of steps has
// passed, so a few lucky first batches do not set the bar), or a step's loss is not finite.
//
// The suggestion reads the curve with the two points Smith and fastai's lr_find use: the
// rate of the steepest descent of the smoothed loss against log(rate) (where training gains
// the most), and the rate of its lowest value (where it stops gaining; fastai trains a decade
// below it, since the loss blows up soon after). The suggested range runs between the
// steepest rate and a tenth of the minimum's, and is at least a factor 3 wide (Smith's ratio
// of a one-cycle schedule's low and peak rates): both ends are rates where the loss moves.
#pragma once

#include "core/data/dataset.h"
#include "core/experiment/experiment_config.h"
#include "core/run/run.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ts {

struct LrRangeSettings {
  double lr_min = 1e-5;
  double lr_max = 10.0;
  int64_t steps = 300;       // >= 2
  double smoothing = 0.98;   // in [0, 1)
  double stop_factor = 4.0;  // > 1

  bool operator==(const LrRangeSettings&) const = default;
};

struct LrRangePoint {
  double lr = 0.0, loss = 0.0, smoothed = 0.0;
};

struct LrRangeResult {
  std::vector<LrRangePoint> points;
  double lower = 0.0, upper = 0.0;  // the suggested range (0 when the curve never fell)
  double steepest = 0.0;            // the rate of the steepest descent
  double minimum = 0.0;             // the rate of the lowest smoothed loss
  std::string stopped;              // why it ended before lr_max, or empty
};

// Throws ts::Error naming the field of a bad setting.
void validate_lr_range(const LrRangeSettings& s);

LrRangeResult lr_range_test(const ExperimentConfig& config, std::shared_ptr<const DataSplits> data,
                            const RunState& state, const LrRangeSettings& s,
                            const std::atomic<bool>* cancel = nullptr,
                            const std::function<void(double)>& progress = {});

// The suggested range and steepest rate of a finished curve (exposed for tests). The first
// `settle` points, whose smoothed loss still rests on a few batches, are not read for the
// steepest descent or the lowest value (fastai's lr_find skips the start of its curve alike).
void suggest_range(LrRangeResult& r, std::size_t settle = 0);

}  // namespace ts
