// The loss along a straight line between two weight vectors (Goodfellow et al. 2015): from the
// initialization (alpha = 0) to the trained weights (alpha = 1), optionally past both ends, or
// between two runs of one architecture (a barrier between two minima, or none). Each point is
// the training and test loss and accuracy at (1 - alpha) from + alpha to, evaluated on the two
// LossSurfaces given (fixed samples, no dropout). Pure function over the caller's surfaces.
#pragma once

#include "core/analysis/loss_surface.h"

#include <atomic>
#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace ts {

struct InterpolationPoint {
  double alpha = 0;
  double train_loss = 0, train_accuracy = 0;
  double test_loss = 0, test_accuracy = 0;
};

// The line between alpha 0 and 1 (the points within): its first and last point, its highest
// training loss, whether the training loss only falls, and the barrier, the highest point above
// the higher of the two ends (0 when none). Indices into the line; `valid` is false with fewer
// than two points in [0, 1], or when one of them has a training loss that is not finite
// (`non_finite`, the first such point): the shape is then not judged.
struct InterpolationShape {
  bool valid = false;
  std::size_t start = 0, end = 0, peak = 0;
  bool monotonic = true;
  double barrier = 0;
  std::optional<std::size_t> non_finite;
};
InterpolationShape interpolation_shape(const std::vector<InterpolationPoint>& line);

// `points` (>= 2) values of alpha evenly from `lo` to `hi`; throws ts::Error on sizes that
// differ or fewer than two points. Once `cancel` turns true, the points so far are returned;
// `progress` gets the fraction done after each point.
std::vector<InterpolationPoint> interpolate(LossSurface<float>& train, LossSurface<float>& test,
                                            std::span<const float> from, std::span<const float> to,
                                            double lo, double hi, int points,
                                            const std::atomic<bool>* cancel = nullptr,
                                            const std::function<void(double)>& progress = {});

}  // namespace ts
