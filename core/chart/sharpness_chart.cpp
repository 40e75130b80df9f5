#include "core/chart/sharpness_chart.h"

#include "core/error.h"

#include <cmath>
#include <utility>

namespace ts {

void add_sharpness_against_rate(SvgChart& chart, std::size_t rate, SvgSeries sharpness) {
  if (rate >= chart.series.size())
    throw Error("add_sharpness_against_rate: the chart has no series " + std::to_string(rate));
  chart.title = "Learning rate and sharpness";
  chart.y_label = "learning rate; sharpness and 2 / lr";
  chart.log_y = true;
  SvgSeries edge = chart.series[rate];
  const auto two_over = [](double y) { return y > 0 ? 2.0 / y : NAN; };
  for (double& y : edge.y) y = two_over(y);
  std::swap(edge.lo, edge.hi);  // a column's highest rate is its lowest 2 / lr
  for (auto* band : {&edge.lo, &edge.hi})
    for (double& y : *band) y = two_over(y);
  edge.name = "2 / lr";
  edge.color = "#7f7f7f";
  edge.dashed = true;
  sharpness.name = "sharpness (top Hessian eigenvalue)";
  sharpness.color = "#d62728";
  chart.series.push_back(std::move(edge));
  chart.series.push_back(std::move(sharpness));
}

}  // namespace ts
