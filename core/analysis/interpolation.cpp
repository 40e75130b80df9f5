#include "core/analysis/interpolation.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>

namespace ts {

InterpolationShape interpolation_shape(const std::vector<InterpolationPoint>& line) {
  InterpolationShape s;
  bool any = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto& p = line[i];
    if (p.alpha < -1e-9 || p.alpha > 1 + 1e-9) continue;
    if (!std::isfinite(p.train_loss) && !s.non_finite) s.non_finite = i;
    if (!any) s.start = s.peak = i;
    if (any && p.train_loss > line[s.end].train_loss) s.monotonic = false;
    if (p.train_loss > line[s.peak].train_loss) s.peak = i;
    s.end = i;
    any = true;
  }
  s.valid = any && s.end != s.start && !s.non_finite;
  if (s.valid)
    s.barrier = std::max(
        0.0, line[s.peak].train_loss - std::max(line[s.start].train_loss, line[s.end].train_loss));
  return s;
}

std::vector<InterpolationPoint> interpolate(LossSurface<float>& train, LossSurface<float>& test,
                                            std::span<const float> from, std::span<const float> to,
                                            double lo, double hi, int points,
                                            const std::atomic<bool>* cancel,
                                            const std::function<void(double)>& progress) {
  if (points < 2) throw Error("interpolation: at least 2 points, got " + std::to_string(points));
  if (from.size() != to.size() || from.size() != train.size() || test.size() != train.size())
    throw Error("interpolation: the two weight vectors are not of this network");
  std::vector<float> w(from.size());
  std::vector<InterpolationPoint> out;
  for (int p = 0; p < points; ++p) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    const double alpha = lo + (hi - lo) * double(p) / double(points - 1);
    for (std::size_t i = 0; i < w.size(); ++i)
      w[i] = float((1.0 - alpha) * double(from[i]) + alpha * double(to[i]));
    InterpolationPoint q;
    q.alpha = alpha;
    const auto tr = train.evaluate(w);
    const auto te = test.evaluate(w);
    q.train_loss = tr.loss;
    q.train_accuracy = tr.accuracy;
    q.test_loss = te.loss;
    q.test_accuracy = te.accuracy;
    out.push_back(q);
    if (progress) progress(double(p + 1) / double(points));
  }
  return out;
}

}  // namespace ts
