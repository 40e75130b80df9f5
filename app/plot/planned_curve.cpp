#include "app/plot/planned_curve.h"

#include "core/schedule/schedule_json.h"

#include <algorithm>
#include <cmath>

namespace ts::plot {

namespace {
constexpr int64_t kPlannedMax = 200000;  // planned steps drawn at most
}

SvgSeries PlannedCurve::series(const std::string& key, const Fill& fill, int64_t clock,
                               int64_t step, int64_t end, int columns, bool anchored) {
  const int64_t left = std::clamp<int64_t>(end - step, 0, kPlannedMax);
  const int64_t moved = step - from_;
  const bool same = from_ >= 0 && key == key_ && end == end_ && columns == columns_ &&
                    (!anchored || step - clock == origin_) && moved >= 0 &&
                    moved * 200 < std::max<int64_t>(left, 1);
  if (!same) {
    key_ = key;
    origin_ = step - clock;
    from_ = step;
    end_ = end;
    columns_ = columns;
    x_.clear();
    y_.clear();
    std::vector<double> values(static_cast<std::size_t>(left));
    fill(clock, values);
    // values[i] belongs to the step after step + i, recorded at step + 1 + i.
    const std::size_t n = values.size();
    const std::size_t stride = std::max<std::size_t>(1, n / std::size_t(std::max(1, 2 * columns)));
    for (std::size_t i = 0; i < n; i += stride) {
      x_.push_back(double(step + 1) + double(i));
      y_.push_back(values[i]);
    }
    if (n > 0 && (n - 1) % stride != 0) {
      x_.push_back(double(step) + double(n));
      y_.push_back(values.back());
    }
  }
  SvgSeries s;
  for (std::size_t i = 0; i < x_.size(); ++i)
    if (x_[i] > double(step) && std::isfinite(y_[i])) {
      s.x.push_back(x_[i]);
      s.y.push_back(y_[i]);
    }
  return s;
}

SvgSeries PlannedCurve::series(const Schedule& schedule, int64_t clock, int64_t step, int64_t end,
                               int columns, bool anchored, bool momentum) {
  return series((momentum ? "momentum " : "rate ") + to_json(schedule).dump(),
                [&](int64_t from, std::span<double> out) {
                  if (momentum)
                    planned_momentum(schedule, from, out);
                  else
                    planned_rates(schedule, from, out);
                },
                clock, step, end, columns, anchored);
}

}  // namespace ts::plot
