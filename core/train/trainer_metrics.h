// Everything the trainer publishes as series, for one line of history.
//
// The training thread appends; any thread reads (core/train/series.h: lock-free, append
// only). A rewind, a reset or a loaded checkpoint starts a new TrainerMetrics (a new
// `generation`) holding the points up to the step the run went back to, so every series
// here has non-decreasing steps; readers notice the new generation and copy it afresh.
//
// Steps are counted as steps done: the point of step s is the s-th step's result.
#pragma once

#include "core/analysis/layer_stats.h"
#include "core/train/series.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ts {

// A weight matrix's singular values at one step, largest first.
struct SingularValues {
  int64_t step = 0;
  std::vector<float> values;
};

struct LayerSeries {
  std::string name;
  ActivationKind activation = ActivationKind::identity;
  // every step
  ScalarSeries grad_norm;     // of the layer's tensors, before clipping
  ScalarSeries update_ratio;  // ||W_new - W_old|| / ||W_new|| of the weight tensor
  // every stats interval, on the probe batch
  ScalarSeries act_mean, act_std, saturated, dead;
  ScalarSeries weight_norm, distance_init, frame_potential;
  Series<Histogram> histograms;
  // every evaluation, for layers with a weight matrix
  Series<SingularValues> singular_values;
};

struct TrainerMetrics {
  uint64_t generation = 0;
  // every step
  ScalarSeries loss, accuracy, lr, grad_norm;
  ScalarSeries sparsity;  // the fraction of weights pruned (Run::sparsity)
  ScalarSeries seconds;   // the time spent training up to the step (pauses left out)
  // every evaluation
  ScalarSeries validation_loss, validation_accuracy, test_loss, test_accuracy;
  // every monitor.sharpness_interval steps: the training loss's top Hessian eigenvalue
  ScalarSeries sharpness;
  // one entry per stat layer (core/analysis/layer_stats.h), fixed at construction
  std::vector<std::unique_ptr<LayerSeries>> layers;

  TrainerMetrics(uint64_t generation, const std::vector<StatLayer>& stat_layers);
  // A new generation with the points of `from` whose step is <= `last_step`. Called by the
  // writer (it must not append to `from` meanwhile).
  static std::unique_ptr<TrainerMetrics> continued(const TrainerMetrics& from, int64_t last_step,
                                                   uint64_t generation);
};

}  // namespace ts
