// The experiment, editable: dataset, the model's layers (kind, width, kernel, activation,
// dropout rate; add, remove, move), weight initialization, loss, optimizer with its
// momentum and L2 weight decay, the learning-rate schedule (shape, rate, warm-up, with a
// preview of its curve over the planned steps), batch size, epochs, seed and worker threads. The
// draft starts as the open experiment; Apply checks it as the config parser would (a bad value is
// refused with the field it names) and hands it back to open as a new run. UI thread only.
#pragma once

#include "core/experiment/experiment_config.h"

#include <functional>
#include <optional>
#include <string>

namespace ts {

class ExperimentEditor {
 public:
  using Report = std::function<void(const char*)>;
  using Log = std::function<void(const std::string&)>;

  // Starts the draft from `config` (the experiment just opened), whose training set has
  // `train_examples` samples (what the planned steps of an edited draft are estimated from).
  void reset(const ExperimentConfig& config, int64_t train_examples);
  // Draws the draft's fields; returns the checked config when Apply was pressed and it
  // passed, for the caller to open.
  std::optional<ExperimentConfig> draw(const Report& report, const Log& log);

 private:
  void draw_layers(const Report& report);
  // The sections below the model, each under a header.
  void draw_init(const Report& report);
  void draw_optimizer(const Report& report);
  void draw_schedule(const Report& report);
  void draw_training(const Report& report);
  void draw_pruning(const Report& report);
  // The draft's planned steps: training.steps, else epochs times the batches in the open
  // experiment's training set (an estimate when the draft changes the dataset).
  int64_t plan_steps() const;
  ExperimentConfig draft_;
  ExperimentConfig original_;
  std::string error_;
  int64_t train_examples_ = 0;
};

}  // namespace ts
