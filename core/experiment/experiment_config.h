// An experiment: data, model, initialization, loss, optimizer, schedule, regularization
// and training settings. A plain value; copy it freely. Its JSON (presets in assets/presets/,
// run directories, checkpoint metadata) is read and written by core/experiment/experiment_json.h,
// which documents every key.
#pragma once

#include "core/command/command.h"
#include "core/data/synthetic.h"
#include "core/layers/init.h"
#include "core/layers/layer_spec.h"
#include "core/layers/loss.h"
#include "core/optim/optimizer.h"
#include "core/prune/gradual_pruning.h"
#include "core/schedule/schedule.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ts {

struct DataConfig {
  std::string dataset = "mnist";
  double validation_fraction = 5000.0 / 60000.0;  // of the training set, for image sets
  // Image sets: train on the first `train_size` images of the training split (after the
  // validation split; the pixel normalization stays the whole split's); 0: all of them.
  Index train_size = 0;
  std::optional<SyntheticParams> synthetic;       // set for synthetic datasets
  nlohmann::json raw = nlohmann::json::object();  // as written, for saving back
};

// Early stopping (Prechelt 1998; Keras' EarlyStopping with restore_best_weights): at each
// evaluation the validation metric either improves on the best so far by more than
// min_delta, or one more evaluation goes by without; after `patience` such evaluations the
// run goes back to the state of its best evaluation and stops.
struct EarlyStopping {
  enum class Metric { validation_loss, validation_accuracy };
  Metric metric = Metric::validation_loss;
  int patience = 5;        // evaluations without improvement, >= 1
  double min_delta = 0.0;  // >= 0, in the metric's units

  bool operator==(const EarlyStopping&) const = default;
};
const char* to_string(EarlyStopping::Metric);

struct TrainingConfig {
  Index batch_size = 64;
  int64_t epochs = 10;
  int64_t steps = 0;  // when > 0, overrides epochs
  uint64_t seed = 1;
  int threads = 1;
  int shards = 2;
  int64_t eval_interval = 0;        // steps between evaluations; 0: once an epoch
  double clip_norm = 0.0;           // 0: off
  double clip_value = 0.0;          // 0: off
  int64_t checkpoint_interval = 0;  // steps; 0: at the end only
  std::vector<std::string> frozen;  // layer names
  std::optional<EarlyStopping> early_stopping;
};

// Weight averaging, evaluated on request (and at the end of a headless run).
struct AveragingConfig {
  bool polyak = false;
  int64_t polyak_start = 0;        // step from which the running mean starts
  double ema_decay = 0.0;          // 0: off; else in (0, 1)
  bool snapshot_ensemble = false;  // a snapshot at each cycle's end (cyclical or SGDR)
};

// What the trainer measures and keeps while it trains.
struct MonitorConfig {
  int64_t stats_interval = 100;     // steps between per-layer statistics; 0: off
  Index probe_samples = 128;        // size of the fixed probe batch (from the validation set)
  int64_t keyframe_interval = 500;  // steps between kept states for rewinding; 0: off
  double spike_factor = 10.0;       // a loss or gradient norm above this many times its
                                    // running mean (and 10 running deviations) pauses; 0: off
  // Steps between measurements of the sharpness (the training loss's top Hessian eigenvalue,
  // core/analysis/sharpness.h) on the first `sharpness_samples` training images; 0: off.
  int64_t sharpness_interval = 0;
  Index sharpness_samples = 2048;
};

struct ExperimentConfig {
  std::string name = "experiment";
  std::string description;
  DataConfig data;
  ModelSpec model;  // model.input is filled from the dataset when the run starts
  InitSpec weight_init;
  InitSpec bias_init{InitKind::constant, 0.0};
  std::map<std::string, InitSpec> layer_init;
  bool output_bias_log_prior = false;  // the output layer's biases: log class prior
  LossKind loss = LossKind::cross_entropy;
  OptimizerSettings optimizer;
  Schedule schedule;
  TrainingConfig training;
  AveragingConfig averaging;
  MonitorConfig monitor;
  std::vector<ScriptedCommand> script;    // sorted by step
  std::optional<GradualPruning> pruning;  // gradual magnitude pruning while training
};

}  // namespace ts
