// Averages of the weights over training, evaluated on request.
//   Polyak (running mean since `start_step`): avg_n = avg_{n-1} + (w_n - avg_{n-1}) / n
//   exponential moving average:               avg = decay * avg + (1 - decay) * w
//     (bias-corrected like Adam's moments, so early averages are not pulled to zero:
//      the reported value is avg / (1 - decay^n))
// Owned by the Run; updated on the training thread after each step.
#pragma once

#include "core/tensor.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ts {

class WeightAverage {
 public:
  enum class Kind { polyak, ema };
  WeightAverage(Kind kind, double decay = 0.999);

  Kind kind() const { return kind_; }
  double decay() const { return decay_; }
  int64_t count() const { return count_; }
  void update(std::span<const float> weights);
  // The current average (bias-corrected for the EMA); empty before the first update.
  const std::vector<float>& values();
  void reset();
  // Exact state, for checkpoints: the running sums (mean, or uncorrected EMA) and count.
  const std::vector<double>& sums() const { return sum_; }
  void restore(std::vector<double> sums, int64_t count);

 private:
  Kind kind_;
  double decay_;
  int64_t count_ = 0;
  std::vector<double> sum_;    // running mean, or the uncorrected EMA
  std::vector<float> values_;  // float copy handed out
  bool values_fresh_ = false;
};

// Snapshots taken at the end of each cycle of a cyclical or SGDR schedule (Huang et al.
// 2017); the ensemble predicts by averaging the members' softmax outputs.
struct SnapshotEnsemble {
  std::vector<std::vector<float>> members;
  std::vector<int64_t> steps;
};

}  // namespace ts
