// One of the trainer's per-step series mirrored on the UI thread, ready to plot: the new
// points are copied each frame, an exponential moving average is kept as they arrive, and
// the visible part is decimated to at most one bucket per pixel column with the series'
// own min/max summaries (core/train/series.h), so a spike is never hidden and a million
// points cost what a thousand do. UI thread only.
#pragma once

#include "core/chart/svg_chart.h"
#include "core/train/series.h"

#include <vector>

namespace ts::plot {

class LiveCurve {
 public:
  // Copies the points `series` published since the last call.
  void update(const ScalarSeries& series);
  void clear();
  const std::vector<SeriesPoint>& points() const { return points_; }

  // The points with steps in [x0, x1] (with one more on each side, so lines reach the edges;
  // all points when `all`), in at most `columns` buckets: `raw` gets each bucket's midpoint
  // with its min..max as the band; when `smoothing` > 0, `smooth` gets the debiased EMA
  // (weight `smoothing` on the past) at each bucket's last point. `series` is the one
  // mirrored (its summaries make wide buckets cheap).
  void decimate(const ScalarSeries& series, double x0, double x1, bool all, int columns,
                float smoothing, SvgSeries& raw, SvgSeries& smooth);

 private:
  void extend_ema(float smoothing);

  std::vector<SeriesPoint> points_;
  std::vector<float> ema_;  // debiased EMA of points_[0..i]
  float ema_weight_ = -1;   // the smoothing ema_ was computed with
  double ema_sum_ = 0, ema_norm_ = 0;
  std::vector<SeriesBucket> buckets_;
};

}  // namespace ts::plot
