#include "core/prune/gradual_pruning.h"

#include "core/error.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>

namespace ts {

namespace {

std::string key(const std::string& path, const char* k) {
  return path.empty() ? std::string(k) : path + "." + k;
}

// s_t of an already validated schedule at a step in [begin_step, end_step].
double sparsity_unchecked(const GradualPruning& g, int64_t step) {
  const double span = double(g.end_step - g.begin_step);
  const double done = std::clamp(double(step - g.begin_step) / span, 0.0, 1.0);
  return g.final_sparsity + (g.initial_sparsity - g.final_sparsity) * std::pow(1.0 - done, g.power);
}

std::optional<double> planned_unchecked(const GradualPruning& g, int64_t step) {
  if (step < g.begin_step) return std::nullopt;
  if (step >= g.end_step) return g.final_sparsity;
  // The last pruning step at or before `step`.
  const int64_t last = g.begin_step + (step - g.begin_step) / g.frequency * g.frequency;
  return sparsity_unchecked(g, last);
}

}  // namespace

void validate(const GradualPruning& g, const std::string& path) {
  const auto fail = [&](const char* k, const std::string& what) {
    throw Error(key(path, k) + ": " + what);
  };
  if (!(std::isfinite(g.initial_sparsity) && g.initial_sparsity >= 0 && g.initial_sparsity < 1))
    fail("initial_sparsity", "must be in [0, 1), got " + format_number(g.initial_sparsity));
  if (!(std::isfinite(g.final_sparsity) && g.final_sparsity >= g.initial_sparsity &&
        g.final_sparsity < 1))
    fail("final_sparsity", "must be in [initial_sparsity " + format_number(g.initial_sparsity) +
                               ", 1), got " + format_number(g.final_sparsity));
  if (g.begin_step < 0) fail("begin_step", "must be >= 0, got " + std::to_string(g.begin_step));
  if (g.end_step <= g.begin_step)
    fail("end_step", "must be after begin_step " + std::to_string(g.begin_step) + ", got " +
                         std::to_string(g.end_step));
  if (g.frequency < 1) fail("frequency", "must be >= 1 step, got " + std::to_string(g.frequency));
  if ((g.end_step - g.begin_step) % g.frequency != 0)
    fail("end_step", "end_step - begin_step (" + std::to_string(g.end_step - g.begin_step) +
                         ") must be a whole number of frequency (" + std::to_string(g.frequency) +
                         ") steps, so the last pruning reaches final_sparsity");
  if (!(std::isfinite(g.power) && g.power > 0))
    fail("power", "must be > 0, got " + format_number(g.power));
  for (std::size_t i = 0; i < g.layers.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (g.layers[i] == g.layers[j]) fail("layers", "\"" + g.layers[i] + "\" is listed twice");
}

bool is_pruning_step(const GradualPruning& g, int64_t step) {
  return step >= g.begin_step && step <= g.end_step && g.frequency > 0 &&
         (step - g.begin_step) % g.frequency == 0;
}

std::optional<double> planned_sparsity(const GradualPruning& g, int64_t step) {
  validate(g, "pruning");
  if (step < 0) throw Error("planned_sparsity: step must be >= 0, got " + std::to_string(step));
  return planned_unchecked(g, step);
}

void planned_sparsities(const GradualPruning& g, int64_t from_step, std::span<double> out) {
  validate(g, "pruning");
  if (from_step < 0)
    throw Error("planned_sparsities: step must be >= 0, got " + std::to_string(from_step));
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = planned_unchecked(g, from_step + int64_t(i)).value_or(std::nan(""));
}

}  // namespace ts
