#include "core/procedures/prune_retrain.h"

#include "core/error.h"
#include "core/prune/prune.h"
#include "core/text_format.h"

namespace ts {

void validate_prune_retrain(const PruneRetrainSettings& s) {
  if (s.sparsities.empty()) throw Error("prune_retrain.sparsities: give at least one target");
  for (double v : s.sparsities)
    if (!(v >= 0.0 && v < 1.0))
      throw Error("prune_retrain.sparsities: each must be in [0, 1), got " + format_number(v));
  if (s.steps < 0)
    throw Error("prune_retrain.steps: must not be negative, got " + std::to_string(s.steps));
  if (!(s.lr > 0.0 && s.lr < 1e6))
    throw Error("prune_retrain.lr: must be positive, got " + format_number(s.lr));
}

std::vector<PruneRetrainPoint> prune_retrain_curve(const ExperimentConfig& config,
                                                   std::shared_ptr<const DataSplits> data,
                                                   const RunState& state,
                                                   const PruneRetrainSettings& s,
                                                   const std::atomic<bool>* cancel,
                                                   const std::function<void(double)>& progress) {
  validate_prune_retrain(s);
  Run run(config, data);
  run.restore(state);
  std::vector<std::string> layers = prunable_layers(run.network());
  if (s.keep_output && layers.size() > 1) layers.pop_back();
  auto removed = [&] {
    long present = 0, size = 0;
    for (const auto& l : layers) {
      const WeightCount c = weights_present(run.network(), l);
      present += c.present;
      size += c.total;
    }
    return size > 0 ? double(size - present) / double(size) : 0.0;
  };

  std::vector<PruneRetrainPoint> out;
  const BatchStats dense = run.evaluate(data->test);
  out.push_back({0.0, removed(), dense.accuracy, dense.accuracy, dense.loss, dense.loss});
  const double already = removed();
  const int64_t total = s.steps * int64_t(s.sparsities.size());
  int64_t done = 0;
  Schedule constant;
  constant.base_lr = s.lr;
  for (double target : s.sparsities) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    run.restore(state);
    // Each layer down to the target: the fraction of what is left that has to go.
    if (target > already) {
      PruneRequest req;
      req.layers = layers;
      req.amount = (target - already) / (1.0 - already);
      prune(run.network(), run.optimizer(), req);
    }
    PruneRetrainPoint p;
    p.sparsity = target;
    p.removed = removed();
    const BatchStats pruned = run.evaluate(data->test);
    p.accuracy_pruned = pruned.accuracy;
    p.loss_pruned = pruned.loss;
    run.set_schedule(constant);
    const std::string what =
        "pruning with retraining: fine-tuning at sparsity " + format_number(target);
    if (!train_until(run, run.steps_done() + s.steps, what, cancel, [&] {
          ++done;
          if (progress && (done % 64 == 0 || done == total)) progress(double(done) / double(total));
        }))
      return out;
    const BatchStats tuned = run.evaluate(data->test);
    p.accuracy_retrained = tuned.accuracy;
    p.loss_retrained = tuned.loss;
    out.push_back(p);
  }
  return out;
}

}  // namespace ts
