#include "core/train/spike_detector.h"

#include <algorithm>
#include <cmath>

namespace ts {

void SpikeDetector::fold(Moments& m, double x, int seen, int warmup) {
  if (seen < warmup) m.peak = seen == 0 ? x : std::max(m.peak, x);
  if (seen == 0) {
    m.mean = x;
    m.var = 0.0;
    return;
  }
  constexpr double a = 0.05;
  const double d = x - m.mean;
  m.mean += a * d;
  m.var = (1.0 - a) * (m.var + a * d * d);
}

double SpikeDetector::limit(const Moments& m) const {
  return std::max({factor_ * m.mean, m.mean + 10.0 * std::sqrt(m.var), 2.0 * m.peak});
}

StepGuard SpikeDetector::guard() const {
  StepGuard g;
  if (factor_ <= 0.0 || seen_ < warmup_) return g;
  g.max_loss = limit(loss_);
  g.max_grad_norm = limit(grad_);
  return g;
}

void SpikeDetector::observe(double loss, double grad_norm) {
  if (!std::isfinite(loss) || !std::isfinite(grad_norm)) return;
  fold(loss_, loss, seen_, warmup_);
  fold(grad_, grad_norm, seen_, warmup_);
  ++seen_;
}

}  // namespace ts
