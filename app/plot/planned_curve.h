// A schedule's planned learning rates (or, with `momentum`, its cycled momentum) from the
// next step to the end of the plan, as a chart
// series of at most two points per pixel column. Up to 200,000 rates are too many to compute
// every frame, so the series is kept and computed again only when the schedule, where its
// clock starts, the plan's end or the width changes, or when training has moved on by more
// than 1/200 of what is left; the steps done since are left out of what is returned.
// UI thread only.
#pragma once

#include "core/io/svg_chart.h"
#include "core/schedule/schedule.h"

#include <cstdint>
#include <vector>

namespace ts::plot {

class PlannedCurve {
 public:
  // Steps after `step` up to `end`; the next step is at the schedule's own clock `clock`.
  // `anchored`: the clock belongs to the run (the running schedule: its origin, step - clock,
  // stays put), else it starts at the next step whenever that is (a draft not yet applied).
  // The series has only x and y; its name and look are the caller's.
  SvgSeries series(const Schedule& schedule, int64_t clock, int64_t step, int64_t end, int columns, bool anchored,
                   bool momentum = false);

 private:
  Schedule schedule_;
  int64_t origin_ = 0, from_ = -1, end_ = 0;
  int columns_ = 0;
  bool momentum_ = false;
  std::vector<double> x_, y_;  // computed at from_
};

}  // namespace ts::plot
