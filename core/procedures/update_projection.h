// The test accuracy of a network whose every update W - W0 is cut down to its top-k
// singular directions (Nagarajan & Kolter 2019: how few directions training really used),
// for a range of k from 0 (the initialization) to the largest rank.
#pragma once

#include "core/run/run.h"

#include <atomic>
#include <functional>
#include <vector>

namespace ts {

struct UpdateProjectionPoint {
  Index k = 0;
  double accuracy = 0.0, loss = 0.0;
};

struct UpdateProjection {
  std::vector<UpdateProjectionPoint> points;  // k ascending; the last keeps every direction
  double trained_accuracy = 0.0;              // the network as it is
};

// The k of the curve for a network whose largest weight matrix has rank up to `largest`.
std::vector<Index> update_projection_ranks(Index largest);

// Evaluates on run.data().test with run's weights and initial values; the run is left as it
// was. `cancel` is polled between points.
UpdateProjection update_projection(Run& run, const std::atomic<bool>* cancel = nullptr,
                                   const std::function<void(double)>& progress = {});

}  // namespace ts
