// A plan's values (a schedule's learning rates or momentum, a pruning schedule's sparsity)
// from the next step to the end of the plan, as a chart series of at most two points per
// pixel column. Up to 200,000 values are too many to compute every frame, so the series is
// kept and computed again only when the plan (its `key`), where its clock starts, the plan's
// end or the width changes, or when training has moved on by more than 1/200 of what is
// left; the steps done since are left out of what is returned. UI thread only.
#pragma once

#include "core/chart/svg_chart.h"
#include "core/schedule/schedule.h"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace ts::plot {

class PlannedCurve {
 public:
  // out[i] = the plan's value at its own clock from + i (NaN where it has none).
  using Fill = std::function<void(int64_t from, std::span<double> out)>;

  // Steps after `step` up to `end`; the next step is at the plan's own clock `clock`.
  // `key` identifies the plan (equal keys, equal values). `anchored`: the clock belongs to the
  // run (a running plan: its origin, step - clock, stays put), else it starts at the next
  // step whenever that is (a draft not yet applied). The series has only x and y; its name
  // and look are the caller's.
  SvgSeries series(const std::string& key, const Fill& fill, int64_t clock, int64_t step,
                   int64_t end, int columns, bool anchored);
  // A schedule's learning rates, or with `momentum` its cycled momentum.
  SvgSeries series(const Schedule& schedule, int64_t clock, int64_t step, int64_t end, int columns,
                   bool anchored, bool momentum = false);

 private:
  std::string key_;
  int64_t origin_ = 0, from_ = -1, end_ = 0;
  int columns_ = 0;
  std::vector<double> x_, y_;  // computed at from_
};

}  // namespace ts::plot
