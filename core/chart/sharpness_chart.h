// The learning-rate chart with the tracked sharpness, as the edge of stability reads (Cohen
// et al. 2021): gradient descent at rate lr is stable along a direction of curvature below
// 2 / lr, so the sharpness (the top Hessian eigenvalue) is drawn against 2 / lr, on a log
// scale that holds both and the rate. The window's curves and the exported charts use it.
#pragma once

#include "core/chart/svg_chart.h"

#include <cstddef>

namespace ts {

// Makes `chart`, whose series `rate` is the learning rate, the chart of the rate and the
// sharpness: adds 2 / lr from that series (its band too, each end turned over), dashed in
// grey (at full opacity: a faint series is a raw one, which overlays of many runs leave out),
// then `sharpness` in red, and sets the title, the y label and the log scale.
void add_sharpness_against_rate(SvgChart& chart, std::size_t rate, SvgSeries sharpness);

}  // namespace ts
