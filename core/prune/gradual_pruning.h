// Gradual magnitude pruning during training (Zhu & Gupta 2017, "To prune, or not to prune"):
// a planned sparsity schedule beside the learning-rate one. From step t0 = begin_step,
// every dt = frequency steps until end_step = t0 + n dt, the chosen layers are pruned by
// magnitude to the sparsity
//
//   s_t = s_f + (s_i - s_f) * (1 - (t - t0) / (n dt))^power      t in {t0, t0 + dt, ..., t0 + n dt}
//
// with s_i = initial_sparsity, s_f = final_sparsity and power 3 (the paper's cubic), so that
// most weights go early, while the network is still redundant, and few near the end. Each
// layer reaches s_t on its own, or with `global` one magnitude threshold over all of them
// reaches it for their union. Between pruning steps and after the last the masks stay as
// they are, and training goes on around them.
//
// Steps count steps done: the pruning of step t happens when t steps are done, before the
// (t + 1)-th. Pure values and functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ts {

struct GradualPruning {
  double initial_sparsity = 0.0;    // s_i in [0, 1)
  double final_sparsity = 0.9;      // s_f in [s_i, 1)
  int64_t begin_step = 0;           // t0 >= 0
  int64_t end_step = 0;             // t0 + n dt, > begin_step; required
  int64_t frequency = 100;          // dt >= 1, dividing end_step - begin_step
  double power = 3.0;               // > 0
  std::vector<std::string> layers;  // layers with weights; empty: every one
  bool global = false;

  bool operator==(const GradualPruning&) const = default;
};

// Throws ts::Error naming the field as `path` + "." + key ("pruning.frequency: ...").
void validate(const GradualPruning& g, const std::string& path);

// True when `step` (steps done) is one of t0, t0 + dt, ..., end_step.
bool is_pruning_step(const GradualPruning& g, int64_t step);

// The schedule's sparsity s_t at a pruning step; between pruning steps, that of the last one
// before, and s_f after the end. Nothing before begin_step, where the schedule has not
// pruned yet. Throws ts::Error on an invalid schedule or a negative step.
std::optional<double> planned_sparsity(const GradualPruning& g, int64_t step);

// out[i] = planned_sparsity(g, from_step + i), NaN where there is none, validating once.
void planned_sparsities(const GradualPruning& g, int64_t from_step, std::span<double> out);

}  // namespace ts
