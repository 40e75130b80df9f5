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
#include "core/experiment/experiment_config.h"
#include "core/layers/network.h"
#include "core/optim/optimizer.h"
#include "core/prune/prune.h"
#include "core/run/step_runner.h"
#include "core/run/weight_average.h"
#include "core/schedule/schedule.h"

#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ts {

struct StepReport {
  int64_t step = 0;    // steps done after this one (1 for the first); for a refused step,
                       // the number it would have had
  double epoch = 0.0;  // fractional epoch after it
  double lr = 0.0;
  double loss = 0.0;  // mean over the batch, before the update
  double accuracy = 0.0;
  double grad_norm = 0.0;  // global norm before clipping
  double sparsity = 0.0;   // after it: the fraction of weights pruned (Run::sparsity)
  bool finite = true;      // false: refused, nothing was updated (see `problem`)
  std::string problem;     // set when refused: what was wrong
};

// Limits a step must respect to be applied; the trainer's outlier detector sets them. A
// step whose loss or gradient norm is above its limit is refused like a non-finite one.
struct StepGuard {
  double max_loss = std::numeric_limits<double>::infinity();
  double max_grad_norm = std::numeric_limits<double>::infinity();
};

// Everything a run changes as it trains, copied between steps: for in-memory snapshots,
// rewinding and the trainer's keyframes. The config carries the live settings (schedule,
// optimizer, batch size, dropout, clipping).
struct RunState {
  int64_t step = 0;
  int64_t schedule_start = 0;
  std::size_t scripts_applied = 0;
  ExperimentConfig config;
  std::vector<float> values, masks, initial;
  std::vector<char> frozen;                         // per tensor
  std::vector<std::vector<float>> optimizer_state;  // in state_buffers() order
  int64_t optimizer_steps = 0;
  BatcherState batcher;
  std::optional<WeightAverage> polyak, ema;
  SnapshotEnsemble ensemble;

  std::size_t bytes() const;
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
  // The step the current schedule started at: the learning rate of step s is the schedule
  // at s - schedule_start(), so a schedule set mid-run begins from its own start.
  int64_t schedule_start() const { return schedule_start_; }
  void set_schedule_start(int64_t s) { schedule_start_ = s; }
  // How many of config().script's commands have been applied (the trainer applies them in
  // order); kept in states and checkpoints so a restored run neither repeats nor skips any.
  std::size_t scripts_applied() const { return scripts_applied_; }
  void set_scripts_applied(std::size_t n) { scripts_applied_ = n; }
  // What the trainer watching this run keeps in its checkpoints besides the run (its outlier
  // detector's history), as JSON text it alone reads; empty when none. Saved and loaded with
  // the checkpoint, so a resumed run is watched as the run trained in one go was.
  const std::string& monitor_state() const { return monitor_state_; }
  void set_monitor_state(std::string s) { monitor_state_ = std::move(s); }
  // The learning rate the next step will use.
  double next_learning_rate() const;
  double epoch_progress() const;
  int64_t steps_per_epoch() const { return batcher_.batches_per_epoch(); }
  // Total steps the config asks for (training.steps, else epochs * steps per epoch).
  int64_t planned_steps() const;
  // True after a step that ends an evaluation interval (training.eval_interval steps, or an
  // epoch when it is 0) or the planned run.
  bool evaluation_due() const;

  // The config's gradual pruning (config().pruning), when `steps_done()` is one of its
  // pruning steps: magnitude pruning of its layers up to the planned sparsity. Returns what it
  // removed, or nothing when it is not a pruning step or nothing had to go. train_step calls
  // it first; a caller that reports it (the trainer) may call it before. Throws ts::Error
  // when a layer cannot be pruned.
  std::optional<PruneResult> apply_scheduled_pruning();
  // The fraction of the weights pruned: over the gradual-pruning schedule's layers when it
  // names them, else over every weight tensor. From the masks' counts, so cheap every step.
  double sparsity() const;

  StepReport train_step(const StepGuard& guard = {});
  // After each applied step: the squared gradient norm of every tensor (before clipping),
  // and while monitor.stats_interval > 0, the squared norms of every tensor's update and
  // new values.
  std::span<const double> tensor_grad_sq() const { return tensor_grad_sq_; }
  std::span<const UpdateNorm> tensor_updates() const { return tensor_updates_; }

  RunState capture() const;
  // Puts the run in a captured state (of this same model). Throws ts::Error on a mismatch,
  // before changing anything.
  void restore(const RunState& s);
  BatchStats evaluate(const Dataset& d, std::vector<int32_t>* predictions = nullptr);
  // Runs `f` in the run's own oneTBB arena (its threads), as its steps run.
  void in_arena(const std::function<void()>& f);
  // The network's loss and accuracy with other weights (an average, a snapshot) in place
  // of its own, which are restored afterwards. The current masks apply to them: after a
  // prune, an average or an ensemble member evaluates the pruned network.
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
  // How the first dense layer's rows are shared between the threads (core/run/row_balance.h):
  // bench --row-balance turns it off in one of two runs to compare.
  RowBalance& row_balance() { return runner_.row_balance(); }
  void set_batch_size(Index b);
  void set_schedule(const Schedule& s);
  void set_optimizer(const OptimizerSettings& s);  // another kind resets the state
  void set_frozen(const std::string& layer, bool frozen);
  void set_dropout(double rate);
  // 0 turns either off. Throws ts::Error on a negative or non-finite value.
  void set_clipping(double clip_norm, double clip_value);
  // monitor.stats_interval; 0 turns per-layer statistics off (and the update measurement).
  void set_stats_interval(int64_t steps);
  // monitor.sharpness_interval; 0 turns the tracked sharpness off.
  void set_sharpness_interval(int64_t steps);
  // monitor.spike_factor, as the trainer's divergence test reads it: 0 (off) or > 1.
  void set_spike_factor(double factor);
  // Puts `masks` (laid out like the parameters) in place: the masked weights and their
  // optimizer state become zero. Throws ts::Error on a size mismatch.
  void set_masks(std::span<const float> masks);
  // Draws new weights and biases as the initialization would from `seed` (the masks stay
  // and apply); the optimizer state starts from zero. Step, schedule and data order stay.
  // The lottery ticket's control: the ticket's structure with re-sampled initial values.
  void resample_weights(uint64_t seed);
  // Re-initializes weights from the seed, clears masks and optimizer state, step 0. The
  // live settings (schedule, optimizer, batch size...) are kept.
  void reinitialize();

  double flops_per_sample() const { return net_.flops_per_sample(); }

 private:
  Index eval_chunk() const;
  // Draws weights and biases (config's initializers) and, with init.output_bias log_prior,
  // sets the output layer's biases to the log class prior of the training set.
  void initialize_network(Rng& rng);
  // Sets the dropout layers' rates to those of c's model (in order).
  void set_dropout_layers(const ExperimentConfig& c);
  // Runs `f` with `weights`, masked by the current masks, in place of the network's own,
  // which are restored afterwards even when `f` throws.
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
  int64_t schedule_start_ = 0;
  std::size_t scripts_applied_ = 0;
  std::string monitor_state_;
  AlignedVector<float> grad_;
  std::vector<double> tensor_grad_sq_;
  std::vector<UpdateNorm> tensor_updates_;
  std::optional<WeightAverage> polyak_;
  std::optional<WeightAverage> ema_;
  SnapshotEnsemble ensemble_;
  std::vector<float> initial_;
};

// Trains `run` up to step `target`, calling `after_step` after each step. Returns false
// when `cancel` is set first. A refused step (loss or gradient not finite, see StepReport)
// throws ts::Error "<what> diverged at step N: <problem>".
bool train_until(Run& run, int64_t target, const std::string& what, const std::atomic<bool>* cancel,
                 const std::function<void()>& after_step = {});

// A new run in a captured state: the same model and data, every tensor, the optimizer's
// state, masks, averages, step, data order and live settings of `s` (a fork, a run from a
// snapshot). Throws ts::Error when `s` does not fit its own config's model.
std::unique_ptr<Run> restored_run(const RunState& s, std::shared_ptr<const DataSplits> data);

// The network's input shape for a dataset.
ModelSpec model_for(const ExperimentConfig& c, const Dataset& train);

}  // namespace ts
