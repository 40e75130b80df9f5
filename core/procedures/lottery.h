// The lottery ticket experiment (Frankle & Carbin 2019): iterative magnitude pruning with
// rewinding, and its control.
//
//   round 0   train the dense network for `steps` steps from W0 (the run's initialization)
//   round r   remove `rate` of each layer's remaining weights by magnitude (the output layer
//             `output_rate`, half as fast in the study), put the survivors back to their
//             values at `rewind_step` (0: W0; k: the step-k state, optimizer included, as in
//             Frankle et al.'s later "rewinding"), and train again to step `steps`
//   control   the same masks at every round, the survivors' initial values re-sampled
//             (a fresh draw of the same initialization), trained the same way
//
// Each round is trained with the experiment's own optimizer, schedule and data order, so
// the ticket, the dense network and the control differ only in their masks and starting
// values. Runs on its own Run built from the config, never on the live one: the trainer and
// the command line run it as a task while training goes on.
#pragma once

#include "core/data/dataset.h"
#include "core/experiment/experiment_config.h"
#include "core/prune/survivor_spread.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ts {

struct LotterySettings {
  int rounds = 10;                  // pruning rounds after the dense one, >= 1
  double rate = 0.2;                // of the remaining weights per round, in (0, 1)
  double output_rate = 0.1;         // the same for the output layer, in [0, 1)
  int64_t steps = 0;                // training steps per round; 0: the experiment's planned steps
  int64_t rewind_step = 0;          // in [0, steps)
  bool control = true;              // train the re-sampled control too
  uint64_t control_seed = 99;       // round r draws from control_seed + r
  std::vector<std::string> layers;  // layers to prune; empty: every prunable layer

  bool operator==(const LotterySettings&) const = default;
};

struct LotteryLayer {
  std::string layer;
  double remaining = 1.0;  // fraction of its weights left
  // Where the survivors live (core/prune/survivor_spread.h): over the layer's units (rows of
  // its weight matrix, or filters) and over its inputs (columns).
  SurvivorSpread units, inputs;
};

struct LotteryRound {
  int round = 0;
  double remaining = 1.0;  // fraction of the pruned layers' weights left
  std::vector<LotteryLayer> layers;
  double ticket_accuracy = 0.0;  // test accuracy after training
  double ticket_loss = 0.0;
  std::optional<double> control_accuracy;  // round 0 has no control (nothing is pruned)
  std::optional<double> control_loss;
};

// Checks the settings against the experiment (rates, rewind step, no layer listed twice);
// throws ts::Error naming the field. Layer names are checked against the model when
// lottery_ticket builds it.
void validate_lottery(const LotterySettings& s, const ExperimentConfig& config);

// Runs rounds 0..s.rounds. `initial` (when not empty) replaces the initialization drawn from
// the config's seed, e.g. the live run's W0. After each round `on_round` receives it (for
// progress and tables); `progress` receives the fraction of all training done. `cancel` is
// polled between steps: the rounds completed so far are returned.
std::vector<LotteryRound> lottery_ticket(
    const ExperimentConfig& config, std::shared_ptr<const DataSplits> data,
    const LotterySettings& s, std::span<const float> initial = {},
    const std::atomic<bool>* cancel = nullptr,
    const std::function<void(const LotteryRound&)>& on_round = {},
    const std::function<void(double)>& progress = {});

}  // namespace ts
