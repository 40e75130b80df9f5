// An outlier detector for the loss and the gradient norm: the trainer asks it for the limits
// of the next step (a StepGuard) and shows it every applied step.
//
// It keeps exponential moving averages (weight 0.05) of each quantity and of its squared
// deviation (clipped at 3 running deviations after the warm-up), and the largest value seen during
// the first `warmup` observations since the last reset. After those, a value is an outlier when it
// exceeds all of: `factor` times its running mean, the mean plus 10 running standard deviations,
// twice the warm-up peak, and a floor at half the quantity's level when the line of training began
// (the peak of its first `warmup` observations; for the loss at least the loss of a chance
// prediction, ln K for cross-entropy over K classes). Before that, and with factor 0, it lets
// everything through.
//
// The floor is what keeps a converged run quiet: its mean loss is tiny, so an ordinary hard
// batch is many running deviations above it (a batch loss of 0.1 in a run at 0.005), but far
// below where training started. A divergence climbs back past half of that and crosses all.
// A live change (a new rate, a prune) calls reset(): a jump is expected, the warm-up starts
// again, and the line's level stays. A new line (reset, rewind, load) calls restart().
//
// Owned and used by the training thread.
#pragma once

#include "core/run/run.h"

#include <nlohmann/json.hpp>

namespace ts {

class SpikeDetector {
 public:
  // `chance_loss`: the loss of an uninformed prediction, or 0 when there is none to give.
  explicit SpikeDetector(double factor = 10.0, int warmup = 50, double chance_loss = 0.0)
      : factor_(factor), warmup_(warmup), chance_loss_(chance_loss) {}

  StepGuard guard() const;
  void observe(double loss, double grad_norm);
  // Forget the recent history (after a prune or a new learning rate, a jump is expected).
  void reset() {
    seen_ = 0;
    loss_ = grad_ = Moments{};
  }
  // Forget the line's starting level too (a reset of the run, a rewind, a loaded checkpoint).
  void restart() {
    reset();
    line_seen_ = 0;
    line_loss_ = line_grad_ = 0.0;
  }
  void set_factor(double f) { factor_ = f; }
  // What it has seen, as JSON a checkpoint keeps (Run::monitor_state): a resumed run guards its
  // steps as the run trained in one go would have. restore() takes what state() gave and
  // ignores anything else (the detector then starts afresh, as before a first step).
  nlohmann::json state() const;
  void restore(const nlohmann::json& j);

 private:
  struct Moments {
    double mean = 0.0, var = 0.0, peak = 0.0;
  };
  static void fold(Moments& m, double x, int seen, int warmup);
  double limit(const Moments& m, double floor) const;

  double factor_;
  int warmup_;
  double chance_loss_;
  int seen_ = 0;
  Moments loss_, grad_;
  int line_seen_ = 0;                         // observations since restart()
  double line_loss_ = 0.0, line_grad_ = 0.0;  // their peaks over the first `warmup`
};

}  // namespace ts
