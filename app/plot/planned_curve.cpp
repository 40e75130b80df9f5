#include "app/plot/planned_curve.h"

#include <algorithm>

namespace ts::plot {

namespace {
constexpr int64_t kPlannedMax = 200000;  // planned steps drawn at most
}

SvgSeries PlannedCurve::series(const Schedule& schedule, int64_t clock, int64_t step, int64_t end, int columns,
                               bool anchored, bool momentum) {
  const int64_t left = std::clamp<int64_t>(end - step, 0, kPlannedMax);
  const int64_t moved = step - from_;
  const bool same = from_ >= 0 && schedule == schedule_ && end == end_ && columns == columns_ && momentum == momentum_ &&
                    (!anchored || step - clock == origin_) && moved >= 0 && moved * 200 < std::max<int64_t>(left, 1);
  if (!same) {
    schedule_ = schedule;
    origin_ = step - clock;
    from_ = step;
    end_ = end;
    columns_ = columns;
    momentum_ = momentum;
    x_.clear();
    y_.clear();
    std::vector<double> rates(static_cast<std::size_t>(left));
    if (momentum)
      planned_momentum(schedule, clock, rates);
    else
      planned_rates(schedule, clock, rates);
    // rates[i] is the rate of the step after step + i, recorded at step + 1 + i.
    const std::size_t n = rates.size();
    const std::size_t stride = std::max<std::size_t>(1, n / std::size_t(std::max(1, 2 * columns)));
    for (std::size_t i = 0; i < n; i += stride) {
      x_.push_back(double(step + 1) + double(i));
      y_.push_back(rates[i]);
    }
    if (n > 0 && (n - 1) % stride != 0) {
      x_.push_back(double(step) + double(n));
      y_.push_back(rates.back());
    }
  }
  SvgSeries s;
  for (std::size_t i = 0; i < x_.size(); ++i)
    if (x_[i] > double(step)) {
      s.x.push_back(x_[i]);
      s.y.push_back(y_[i]);
    }
  return s;
}

}  // namespace ts::plot
