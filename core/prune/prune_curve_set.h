// The full set of pruning curves for one dense layer, as figure 2 of "Sources of Redundancy
// in Neural Networks" draws them: magnitude, frame potential and Fisher (and Taylor, Molchanov
// et al. 2017, beside them), each removing the smallest first and the largest first, and random
// orders averaged over several seeds with their standard deviation. Computed on one PruneCurve
// cache (core/prune/prune_curve.h), the curves in parallel in the caller's oneTBB arena. What
// `trainscope-cli analyze --what curves` writes and the window's Pruning panel draws.
#pragma once

#include "core/data/dataset.h"
#include "core/layers/loss.h"
#include "core/layers/network.h"
#include "core/prune/prune_curve.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace ts {

struct CriterionCurve {
  UnitCriterion criterion = UnitCriterion::magnitude;
  bool largest_first = false;
  std::vector<Index> order;      // the units in the order they are removed
  std::vector<double> accuracy;  // after removing 0, 1, ... units
  std::string name() const;      // "magnitude_smallest_first"
  std::string label() const;     // "magnitude, smallest first"
};

struct PruneCurveSet {
  std::string layer;
  Index units = 0;
  bool complete = true;  // false when cancelled: the curves are shorter than units + 1
  std::vector<CriterionCurve>
      curves;  // magnitude, frame potential, fisher, taylor x {smallest, largest}
  std::vector<std::vector<double>> random;      // one per seed 1..random_seeds
  std::vector<double> random_mean, random_std;  // over the seeds (sample std), per point; empty
                                                // without random orders
};

// Fisher and Taylor scores come from up to 10,000 samples of data.train; accuracies are on
// data.test.
// Throws ts::Error naming the layer when PruneCurve cannot take it.
PruneCurveSet prune_curve_set(const Network<float>& net, const std::string& layer,
                              const DataSplits& data, LossKind loss, int random_seeds = 5,
                              const std::atomic<bool>* cancel = nullptr,
                              const std::function<void(double)>& progress = {});

// How many units can go before the accuracy falls more than `drop` below the dense value.
std::size_t units_removable(const std::vector<double>& accuracy, double drop);

}  // namespace ts
