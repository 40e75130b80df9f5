// Pruning with retraining: from a trained state, remove weights by magnitude down to each
// target sparsity, record the test accuracy, fine-tune for a number of steps and record it
// again. A curve of accuracy against sparsity, before and after fine-tuning (Zhu & Gupta
// 2017 found three quarters of a network's weights removable with little loss).
//
// Every target starts again from the same trained state, so the points are independent;
// each layer loses the same fraction (the output layer too unless `keep_output`). The
// fine-tuning uses the experiment's optimizer with a constant rate `lr` and its data
// order from the state's position. Runs on its own Run, never on the live one.
#pragma once

#include "core/data/dataset.h"
#include "core/experiment/experiment_config.h"
#include "core/run/run.h"

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace ts {

struct PruneRetrainSettings {
  std::vector<double> sparsities{0.5, 0.75, 0.9, 0.95, 0.98};  // each in [0, 1)
  int64_t steps = 1000;                                        // fine-tuning steps per target, >= 0
  double lr = 0.01;                                            // > 0
  bool keep_output = true;                                     // leave the output layer dense

  bool operator==(const PruneRetrainSettings&) const = default;
};

struct PruneRetrainPoint {
  double sparsity = 0.0;         // asked for
  double removed = 0.0;          // fraction of the pruned layers' weights actually zero
  double accuracy_pruned = 0.0;  // test accuracy right after pruning
  double accuracy_retrained = 0.0;
  double loss_pruned = 0.0, loss_retrained = 0.0;
};

// Throws ts::Error naming the field of a bad setting.
void validate_prune_retrain(const PruneRetrainSettings& s);

// `state` is a trained state of a run of `config` (Run::capture, or a checkpoint). The dense
// point (sparsity 0, no fine-tuning) comes first. Cancelling returns the points done.
std::vector<PruneRetrainPoint> prune_retrain_curve(
    const ExperimentConfig& config, std::shared_ptr<const DataSplits> data, const RunState& state,
    const PruneRetrainSettings& s, const std::atomic<bool>* cancel = nullptr,
    const std::function<void(double)>& progress = {});

}  // namespace ts
