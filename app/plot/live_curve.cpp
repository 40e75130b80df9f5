#include "app/plot/live_curve.h"

#include <algorithm>
#include <cmath>

namespace ts::plot {

void LiveCurve::update(const ScalarSeries& series) { series.copy_new(points_); }

void LiveCurve::clear() {
  points_.clear();
  ema_.clear();
  ema_weight_ = -1;
}

void LiveCurve::extend_ema(float smoothing) {
  if (smoothing != ema_weight_) {
    ema_.clear();
    ema_sum_ = ema_norm_ = 0;
    ema_weight_ = smoothing;
  }
  // s_t = w s_(t-1) + (1 - w) x_t over the finite values, divided by 1 - w^t (what the
  // weights sum to), so the start is not pulled toward zero.
  const double w = smoothing;
  for (std::size_t i = ema_.size(); i < points_.size(); ++i) {
    const double v = points_[i].value;
    if (std::isfinite(v)) {
      ema_sum_ = w * ema_sum_ + (1 - w) * v;
      ema_norm_ = w * ema_norm_ + (1 - w);
    }
    ema_.push_back(ema_norm_ > 0 ? float(ema_sum_ / ema_norm_) : NAN);
  }
}

void LiveCurve::decimate(const ScalarSeries& series, double x0, double x1, bool all, int columns,
                         float smoothing, SvgSeries& raw, SvgSeries& smooth) {
  raw.x.clear(), raw.y.clear(), raw.lo.clear(), raw.hi.clear();
  smooth.x.clear(), smooth.y.clear(), smooth.lo.clear(), smooth.hi.clear();
  const std::size_t n = std::min(points_.size(), series.size());
  std::size_t begin = 0, end = n;
  if (!all) {
    const auto by_step = [](const SeriesPoint& p, double s) { return double(p.step) < s; };
    begin = std::size_t(
        std::lower_bound(points_.begin(), points_.begin() + std::ptrdiff_t(n), x0, by_step) -
        points_.begin());
    end = std::size_t(
        std::lower_bound(points_.begin(), points_.begin() + std::ptrdiff_t(n), x1, by_step) -
        points_.begin());
    begin = begin > 0 ? begin - 1 : 0;
    end = std::min(n, end + 1);
  }
  if (begin >= end) return;
  const std::size_t count = end - begin;
  const std::size_t b = std::min(count, std::size_t(std::max(1, columns)));
  series.view(begin, end, b, buckets_);
  if (smoothing > 0) extend_ema(smoothing);
  for (std::size_t k = 0; k < buckets_.size(); ++k) {
    const SeriesBucket& bk = buckets_[k];
    const std::size_t last =
        begin + count * (k + 1) / b - 1;  // the bucket's last point, as view() cuts them
    const double x = 0.5 * (double(bk.first_step) + double(bk.last_step));
    if (bk.min <= bk.max) {
      raw.x.push_back(x);
      raw.y.push_back(0.5 * (double(bk.min) + double(bk.max)));
      raw.lo.push_back(bk.min);
      raw.hi.push_back(bk.max);
    }
    if (smoothing > 0 && last < ema_.size() && std::isfinite(ema_[last])) {
      smooth.x.push_back(double(points_[last].step));
      smooth.y.push_back(ema_[last]);
    }
  }
}

}  // namespace ts::plot
