// An outlier detector for the loss and the gradient norm: the trainer asks it for the limits
// of the next step (a StepGuard) and shows it every applied step.
//
// It keeps exponential moving averages (weight 0.05) of each quantity and of its squared
// deviation, and the largest value seen during the first `warmup` observations. After
// those, a value is an outlier when it exceeds all of: `factor` times its running mean, the
// mean plus 10 running standard deviations, and twice the warm-up peak; before that, and
// with factor 0, it lets everything through. The peak keeps a converged run, whose mean
// gradient norm is tiny, from calling ordinary noise a spike; a divergence (the loss or
// the gradient growing past anything the healthy run showed) crosses all three.
//
// Owned and used by the training thread.
#pragma once

#include "core/train/run.h"

namespace ts {

class SpikeDetector {
 public:
  explicit SpikeDetector(double factor = 10.0, int warmup = 50) : factor_(factor), warmup_(warmup) {}

  StepGuard guard() const;
  void observe(double loss, double grad_norm);
  // Forget the history (after a prune, a rewind or a new learning rate, a jump is expected).
  void reset() { seen_ = 0; loss_ = grad_ = Moments{}; }
  void set_factor(double f) { factor_ = f; }

 private:
  struct Moments {
    double mean = 0.0, var = 0.0, peak = 0.0;
  };
  static void fold(Moments& m, double x, int seen, int warmup);
  double limit(const Moments& m) const;

  double factor_;
  int warmup_;
  int seen_ = 0;
  Moments loss_, grad_;
};

}  // namespace ts
