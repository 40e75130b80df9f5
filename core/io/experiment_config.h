// An experiment: data, model, initialization, loss, optimizer, schedule, regularization
// and training settings, read from JSON (presets in assets/presets/, run directories,
// checkpoint metadata). Parsing is strict: an unknown key or an out-of-range value is a
// ts::Error naming the file and the key path ("lenet.json: training.batch_size: must be
// >= 1, got 0"). A plain value; copy it freely.
//
// JSON shape (every key but model.layers optional):
// {
//   "name": "...", "description": "...",
//   "data": {"dataset": "mnist" | "fashion-mnist" | "xord" | "teacher_student" | "spirals" |
//            "circles" | "blobs" | "xor", "validation_fraction": 0.0833,
//            generator parameters for synthetic sets ("train_size", "noise", "pairs", ...)},
//   "model": {"layers": [{"type": "dense", "units": 300, "activation": "relu"}, ...]},
//   "init": {"weights": "he_normal" | {"type": "gaussian", "sigma": 0.01}, "bias": 0.0 | {...},
//            "layers": {"fc1": {...}}, "output_bias": "log_prior" | "bias"},
//            (an initializer object may carry "gain": a number that scales its spread, or
//            "auto", the following activation's gain, for xavier_* and lecun_*; core/layers/
//            init.h. output_bias "log_prior" sets the last layer's biases to the log of each
//            class's share of the training set, so the first predictions are the prior)
//   "loss": "cross_entropy" | "mse",
//   "optimizer": {"type": "sgd", ...}, "schedule": {"type": "constant", "lr": 0.1, ...},
//            (without a schedule: a constant rate at the optimizer's usual one,
//            default_learning_rate in core/optim/optimizer.h, e.g. AdaDelta 1.0)
//   "regularization": {"weight_decay": 0.0, "dropout": 0.5, "decay_biases": false},
//            (weight decay reaches weight matrices and conv filters; with decay_biases also
//            biases and PReLU slopes, as PyTorch does by default)
//   "averaging": {"polyak": false, "polyak_start": 0, "ema_decay": 0.999, "snapshot_ensemble":
//   false}, "monitor": {"stats_interval": 100, "probe_samples": 128, "keyframe_interval": 500,
//               "spike_factor": 10},
//   "pruning": {"initial_sparsity": 0, "final_sparsity": 0.9, "begin_step": 1000,
//               "end_step": 6000, "frequency": 100, "power": 3, "layers": ["fc1", "fc2"],
//               "global": false}
//             (gradual magnitude pruning while training, Zhu & Gupta 2017; core/prune/
//             gradual_pruning.h)
//   "script": [{"at": 2000, "do": "prune", "layers": ["fc1"], "amount": 0.5}, ...]
//             (commands applied at a step, core/train/command.h)
//   "training": {"batch_size": 64, "epochs": 10, "steps": 0, "seed": 1, "threads": 1,
//                "shards": 2, "eval_interval": 0, "clip_norm": 0, "clip_value": 0,
//                "checkpoint_interval": 0, "frozen": ["fc1"],
//                "early_stopping": {"metric": "validation_loss" | "validation_accuracy",
//                                   "patience": 5, "min_delta": 0}}
// }
// A dense or conv2d layer may carry "activation" (and "alpha"): it expands into the layer
// followed by an activation layer. "alpha" (leaky ReLU's slope, ELU's alpha) defaults per
// activation: leaky_relu 0.01, elu 1.0 (core/layers/layer_spec.h, default_alpha).
#pragma once

#include "core/data/synthetic.h"
#include "core/layers/init.h"
#include "core/layers/layer_spec.h"
#include "core/layers/loss.h"
#include "core/optim/optimizer.h"
#include "core/prune/gradual_pruning.h"
#include "core/schedule/schedule.h"
#include "core/train/command.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ts {

struct DataConfig {
  std::string dataset = "mnist";
  double validation_fraction = 5000.0 / 60000.0;  // of the training set, for image sets
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

// `source` names the file (or "<string>") in error messages.
ExperimentConfig parse_experiment(const nlohmann::json& j, const std::string& source);
ExperimentConfig parse_experiment_text(const std::string& text, const std::string& source);
ExperimentConfig load_experiment(const std::filesystem::path& path);
// The JSON of a config text or file, before it is read as an experiment (errors name the source).
nlohmann::json parse_experiment_json(const std::string& text, const std::string& source);
nlohmann::json read_experiment_json(const std::filesystem::path& path);
nlohmann::json to_json(const ExperimentConfig&);

// Names of the presets in a presets directory (file stems), sorted.
std::vector<std::string> list_presets(const std::filesystem::path& dir);
// The directory holding the presets (TRAINSCOPE_ASSETS env, else the build's default).
std::filesystem::path presets_dir();

}  // namespace ts
