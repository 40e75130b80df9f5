#include "core/procedures/lr_range_test.h"

#include "core/error.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>

namespace ts {

void validate_lr_range(const LrRangeSettings& s) {
  if (!(s.lr_min > 0.0 && std::isfinite(s.lr_min)))
    throw Error("lr_range.lr_min: must be positive, got " + format_number(s.lr_min));
  if (!(s.lr_max > s.lr_min && std::isfinite(s.lr_max)))
    throw Error("lr_range.lr_max: must be above lr_min (" + format_number(s.lr_min) + "), got " +
                format_number(s.lr_max));
  if (s.steps < 2)
    throw Error("lr_range.steps: must be at least 2, got " + std::to_string(s.steps));
  if (!(s.smoothing >= 0.0 && s.smoothing < 1.0))
    throw Error("lr_range.smoothing: must be in [0, 1), got " + format_number(s.smoothing));
  if (!(s.stop_factor > 1.0))
    throw Error("lr_range.stop_factor: must be above 1, got " + format_number(s.stop_factor));
}

void suggest_range(LrRangeResult& r, std::size_t settle) {
  r.lower = r.upper = r.steepest = r.minimum = 0.0;
  const auto& p = r.points;
  if (p.size() < 3) return;
  // A curve too short to skip its start is read whole.
  const std::size_t first = settle + 3 <= p.size() ? settle : 0;
  std::size_t best = first;
  for (std::size_t i = first + 1; i < p.size(); ++i)
    if (p[i].smoothed < p[best].smoothed) best = i;
  if (!(p[0].smoothed - p[best].smoothed > 0.0)) return;
  r.minimum = p[best].lr;
  // The steepest descent before the minimum: central differences against log(rate).
  double slope = 0.0;
  for (std::size_t i = std::max<std::size_t>(1, first); i + 1 <= best; ++i) {
    const double d =
        (p[i + 1].smoothed - p[i - 1].smoothed) / (std::log(p[i + 1].lr) - std::log(p[i - 1].lr));
    if (d < slope) {
      slope = d;
      r.steepest = p[i].lr;
    }
  }
  if (r.steepest <= 0.0)
    r.steepest = p[best].lr;  // the minimum right at the start: no slope to read
  const double tenth = r.minimum / 10;
  r.lower = std::min(r.steepest, tenth);
  r.upper = std::max(r.steepest, tenth);
  if (r.upper < 3 * r.lower) r.lower = r.upper / 3;
}

LrRangeResult lr_range_test(const ExperimentConfig& config, std::shared_ptr<const DataSplits> data,
                            const RunState& state, const LrRangeSettings& s,
                            const std::atomic<bool>* cancel,
                            const std::function<void(double)>& progress) {
  validate_lr_range(s);
  Run run(config, data);
  run.restore(state);
  Schedule schedule;
  schedule.base_lr = s.lr_min;
  schedule.shape = ExponentialLr{std::pow(s.lr_max / s.lr_min, 1.0 / double(s.steps - 1))};
  run.set_schedule(schedule);
  LrRangeResult r;
  double average = 0.0, lowest = 0.0;
  // The first steps' averages rest on a few batches: the lowest loss and the stop rule
  // count only after about one averaging window (a tenth of the test at most).
  const int64_t settle =
      std::min<int64_t>(s.steps / 10, int64_t(std::ceil(1.0 / (1.0 - s.smoothing))));
  for (int64_t i = 0; i < s.steps; ++i) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      r.stopped = "cancelled";
      break;
    }
    const double lr = run.next_learning_rate();
    const StepReport rep = run.train_step();
    if (!rep.finite) {
      r.stopped = "the loss or gradient was not finite at rate " + format_number(lr) + " (" +
                  rep.problem + ")";
      break;
    }
    average = s.smoothing * average + (1.0 - s.smoothing) * rep.loss;
    const double smoothed = average / (1.0 - std::pow(s.smoothing, double(i + 1)));
    r.points.push_back({lr, rep.loss, smoothed});
    if (i == settle || (i > settle && smoothed < lowest)) lowest = smoothed;
    if (progress) progress(double(i + 1) / double(s.steps));
    if (i > settle && smoothed > s.stop_factor * lowest) {
      r.stopped = "the smoothed loss passed " + format_number(s.stop_factor) +
                  " times its lowest at rate " + format_number(lr);
      break;
    }
  }
  suggest_range(r, std::size_t(settle));
  return r;
}

}  // namespace ts
