// What a network makes of a labelled dataset, and of the plane for 2-D sets.
//
// predict_dataset runs the network once over a dataset: every sample's predicted class and
// loss, the confusion matrix, and the misclassified samples in order of their loss (the
// window's "worst mistakes"). decision_grid evaluates a network with two inputs over a
// square grid, for drawing its decision regions behind the points.
//
// Pure functions of the network's current weights: call them from any thread on a network
// nobody else is changing (an analysis job's own Run, core/train/analysis_jobs.h).
#pragma once

#include "core/data/dataset.h"
#include "core/layers/loss.h"
#include "core/layers/network.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace ts {

struct Predictions {
  int classes = 0;
  std::vector<int32_t> predicted;  // per sample: the arg-max class
  std::vector<float> loss;         // per sample, as `LossKind` defines it (loss.h)
  std::vector<int64_t> confusion;  // classes x classes, row-major: [true * classes + predicted]
  std::vector<uint32_t> worst;     // misclassified samples, highest loss first
  double accuracy = 0.0;
  double mean_loss = 0.0;
};

// Throws ts::Error for an empty dataset or one whose sample size or classes do not match
// the network. `worst` caps the list of mistakes kept; `cancel` is polled between chunks of
// samples (a cancelled call returns what it has: the remaining samples predicted -1).
Predictions predict_dataset(const Network<float>& net, LossKind loss, const Dataset& data,
                            std::size_t worst, const std::atomic<bool>* cancel = nullptr,
                            const std::function<void(double)>& progress = {});

// The plane [lo, hi]^2 cut into n x n cells; cell (r, c) has its centre at
// x = lo + (c + 0.5) (hi - lo) / n and y = hi - (r + 0.5) (hi - lo) / n, so row 0 is the top.
struct DecisionGrid {
  int n = 0;
  float lo = 0.f, hi = 1.f;
  std::vector<int32_t> cls;       // n * n, row-major: the arg-max class of the cell's centre
  std::vector<float> confidence;  // n * n: that class's softmax probability
};

// Throws ts::Error unless the network takes exactly two inputs, n is in [2, 1024] and
// lo < hi.
DecisionGrid decision_grid(const Network<float>& net, float lo, float hi, int n);

}  // namespace ts
