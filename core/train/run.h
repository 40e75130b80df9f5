// One training run: the network, its optimizer, schedule, data and batcher, advanced one
// step at a time. The headless command line drives it in a loop; the background trainer
// (live training) owns one and applies commands between its steps.
//
// Not thread-safe: one thread (the training thread) calls everything. Data splits are
// shared read-only.
//
// Invariants: the network's masked weights are exactly zero; a step whose loss or gradient
// is not finite changes nothing (the report says what was wrong) so a diverging run can be
// paused with its last finite weights intact.
#pragma once

#include "core/data/batcher.h"
#include "core/data/dataset.h"
#include "core/io/experiment_config.h"
#include "core/network.h"
#include "core/optim/optimizer.h"
#include "core/schedule/schedule.h"
#include "core/train/step_runner.h"
#include "core/train/weight_average.h"

#include <oneapi/tbb/task_arena.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ts {

struct StepReport {
  int64_t step = 0;      // the step just taken (0 for the first)
  double epoch = 0.0;    // fractional epoch after it
  double lr = 0.0;
  double loss = 0.0;     // mean over the batch, before the update
  double accuracy = 0.0;
  double grad_norm = 0.0;  // global norm before clipping
  bool finite = true;
  std::string problem;   // set when !finite: what was not finite, nothing was updated
};

class Run {
 public:
  // Builds the network for the data's sample shape and initializes it from config.seed.
  Run(ExperimentConfig config, std::shared_ptr<const DataSplits> data);

  const ExperimentConfig& config() const { return config_; }
  const DataSplits& data() const { return *data_; }
  std::shared_ptr<const DataSplits> data_ptr() const { return data_; }
  Network<float>& network() { return net_; }
  const Network<float>& network() const { return net_; }
  Optimizer& optimizer() { return *optimizer_; }
  const Optimizer& optimizer() const { return *optimizer_; }
  const Schedule& schedule() const { return config_.schedule; }
  Batcher& batcher() { return batcher_; }
  const Batcher& batcher() const { return batcher_; }
  // Weights right after initialization (W0), laid out like the parameters.
  const std::vector<float>& initial_values() const { return initial_; }
  std::vector<float>& initial_values() { return initial_; }

  int64_t steps_done() const { return step_; }
  void set_steps_done(int64_t s) { step_ = s; }
  double epoch_progress() const;
  int64_t steps_per_epoch() const { return batcher_.batches_per_epoch(); }
  // Total steps the config asks for (training.steps, else epochs * steps per epoch).
  int64_t planned_steps() const;
  // True after a step that ends an evaluation interval (training.eval_interval steps, or an
  // epoch when it is 0) or the planned run.
  bool evaluation_due() const;

  StepReport train_step();
  BatchStats evaluate(const Dataset& d, std::vector<int32_t>* predictions = nullptr);
  // The network's loss and accuracy with other weights (an average, a snapshot) in place
  // of its own, which are restored afterwards.
  BatchStats evaluate_weights(std::span<const float> weights, const Dataset& d);
  // Averages and the snapshot ensemble, as configured (null / empty when off).
  WeightAverage* polyak() { return polyak_ ? &*polyak_ : nullptr; }
  WeightAverage* ema() { return ema_ ? &*ema_ : nullptr; }
  const WeightAverage* polyak() const { return polyak_ ? &*polyak_ : nullptr; }
  const WeightAverage* ema() const { return ema_ ? &*ema_ : nullptr; }
  const SnapshotEnsemble& ensemble() const { return ensemble_; }
  SnapshotEnsemble& ensemble() { return ensemble_; }
  // Accuracy of the ensemble's averaged softmax prediction on d (0 members: 0 samples).
  BatchStats evaluate_ensemble(const Dataset& d);

  // Settings that may change between steps.
  void set_threads(int threads);
  int threads() const { return threads_; }
  void set_batch_size(Index b);
  void set_schedule(const Schedule& s);
  void set_optimizer(const OptimizerSettings& s);  // another kind resets the state
  void set_frozen(const std::string& layer, bool frozen);
  void set_dropout(double rate);
  // Re-initializes weights from the seed, clears masks and optimizer state, step 0.
  void reinitialize();

  double flops_per_sample() const { return net_.flops_per_sample(); }

 private:
  Index eval_chunk() const;
  // Runs `f` with `weights` in place of the network's own, which are restored afterwards
  // even when `f` throws.
  template <class F>
  void with_weights(std::span<const float> weights, F&& f);

  ExperimentConfig config_;
  std::shared_ptr<const DataSplits> data_;
  Network<float> net_;
  std::unique_ptr<Optimizer> optimizer_;
  Batcher batcher_;
  StepRunner runner_;
  std::unique_ptr<tbb::task_arena> arena_;
  int threads_ = 1;
  int64_t step_ = 0;
  AlignedVector<float> grad_;
  std::optional<WeightAverage> polyak_;
  std::optional<WeightAverage> ema_;
  SnapshotEnsemble ensemble_;
  std::vector<float> initial_;
};

// The network's input shape for a dataset.
ModelSpec model_for(const ExperimentConfig& c, const Dataset& train);

}  // namespace ts
