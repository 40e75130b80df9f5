// An experiment's JSON: reading (presets in assets/presets/, run directories, checkpoint
// metadata) and writing back. Parsing is strict: an unknown key or an out-of-range value is a
// ts::Error naming the file and the key path ("lenet.json: training.batch_size: must be
// >= 1, got 0").
//
// JSON shape (every key but model.layers optional):
// {
//   "name": "...", "description": "...",
//   "data": {"dataset": "mnist" | "fashion-mnist" | "xord" | "teacher_student" | "spirals" |
//            "circles" | "blobs" | "xor", "validation_fraction": 0.0833,
//            "train_size": 5000 (image sets: the first N of the training split; 0: all),
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
//   "averaging": {"polyak": false, "polyak_start": 0, "ema_decay": 0.999,
//                 "snapshot_ensemble": false},
//   "monitor": {"stats_interval": 100, "probe_samples": 128, "keyframe_interval": 500,
//               "spike_factor": 10, "sharpness_interval": 0, "sharpness_samples": 2048},
//   "pruning": {"initial_sparsity": 0, "final_sparsity": 0.9, "begin_step": 1000,
//               "end_step": 6000, "frequency": 100, "power": 3, "layers": ["fc1", "fc2"],
//               "global": false}
//             (gradual magnitude pruning while training, Zhu & Gupta 2017; core/prune/
//             gradual_pruning.h)
//   "script": [{"at": 2000, "do": "prune", "layers": ["fc1"], "amount": 0.5}, ...]
//             (commands applied at a step, core/command/command.h)
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

#include "core/experiment/experiment_config.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace ts {

// `source` names the file (or "<string>") in error messages.
ExperimentConfig parse_experiment(const nlohmann::json& j, const std::string& source);
ExperimentConfig parse_experiment_text(const std::string& text, const std::string& source);
ExperimentConfig load_experiment(const std::filesystem::path& path);
// The JSON of a config text or file, before it is read as an experiment (errors name the source).
nlohmann::json parse_experiment_json(const std::string& text, const std::string& source);
nlohmann::json read_experiment_json(const std::filesystem::path& path);
nlohmann::json to_json(const ExperimentConfig&);

}  // namespace ts
