// Charts of several runs as one (core/chart/overlay_chart.h): a colour per run, the run in
// each series' name and group, and a `run` column in the CSV.
#include "core/chart/overlay_chart.h"
#include "core/chart/sharpness_chart.h"
#include "core/error.h"

#include <doctest/doctest.h>

using namespace ts;

namespace {

SvgChart loss_chart(double scale) {
  SvgChart c;
  c.title = "loss";
  SvgSeries raw, train, val;
  raw.x = {1, 2};
  raw.y = {2 * scale, 1 * scale};
  raw.opacity = 0.35;
  train.name = "train";
  train.x = {1, 2};
  train.y = {1.5 * scale, 1 * scale};
  val.name = "validation";
  val.x = {2};
  val.y = {1.2 * scale};
  c.series = {raw, train, val};
  SvgMarker m;
  m.x = 2;
  m.label = "prune fc1";
  c.markers = {m};
  return c;
}

}  // namespace

TEST_CASE("overlay: one colour per run, its first series solid, its run in names and the CSV") {
  const SvgChart o = overlay_charts({{"sgd", loss_chart(1)}, {"adam", loss_chart(0.5)}});
  CHECK(o.title == "loss");
  REQUIRE(o.series.size() == 6);
  CHECK(o.series[1].name == "sgd train");
  CHECK(o.series[2].name == "sgd validation");
  CHECK(o.series[4].name == "adam train");
  CHECK(o.series[0].name.empty());  // the raw series stays out of the legend
  for (int i = 0; i < 3; ++i) {
    CHECK(o.series[i].color == palette_color(0));
    CHECK(o.series[3 + i].color == palette_color(1));
  }
  CHECK_FALSE(o.series[0].dashed);
  CHECK_FALSE(o.series[1].dashed);
  CHECK(o.series[2].dashed);
  CHECK(o.series[3].opacity == 0.35);
  CHECK(o.markers.size() == 2);
  CHECK(o.markers[1].label == "adam: prune fc1");
  CHECK(chart_csv(o) ==
        "run,series,x,y,label\n"
        "sgd,,1,2,\n"
        "sgd,,2,1,\n"
        "sgd,sgd train,1,1.5,\n"
        "sgd,sgd train,2,1,\n"
        "sgd,sgd validation,2,1.2,\n"
        "adam,,1,1,\n"
        "adam,,2,0.5,\n"
        "adam,adam train,1,0.75,\n"
        "adam,adam train,2,0.5,\n"
        "adam,adam validation,2,0.6,\n"
        "sgd,marker,2,,sgd: prune fc1\n"
        "adam,marker,2,,adam: prune fc1\n");
  // One listed series a run: the run's name alone.
  SvgChart one;
  SvgSeries lr;
  lr.name = "lr";
  lr.x = {1};
  lr.y = {0.1};
  one.series = {lr};
  const SvgChart lrs = overlay_charts({{"a", one}, {"b", one}});
  CHECK(lrs.series[0].name == "a");
  CHECK(lrs.series[1].name == "b");
  const std::string svg = to_svg(lrs);
  CHECK(svg.find(">a<") != std::string::npos);
  CHECK(svg.find(">b<") != std::string::npos);
  CHECK_THROWS_AS(overlay_charts({}), Error);
  // A run with the sharpness on its rate chart gives the overlay its title and log scale, even
  // after a run without.
  SvgChart edge = one;
  SvgSeries sharpness = lr;
  sharpness.y = {12};
  add_sharpness_against_rate(edge, 0, sharpness);
  const SvgChart both = overlay_charts({{"a", one}, {"b", edge}});
  CHECK(both.title == "Learning rate and sharpness");
  CHECK(both.log_y);
  REQUIRE(both.series.size() == 4);
  CHECK(both.series[0].name == "a");
  CHECK(both.series[2].name == "b 2 / lr");
  CHECK(both.series[2].y == std::vector<double>{20});
  CHECK(both.series[3].name == "b sharpness (top Hessian eigenvalue)");
  // Within a run: the rate solid, 2 / lr dashed, the sharpness dotted.
  CHECK_FALSE(both.series[1].dashed);
  CHECK(both.series[2].dashed);
  CHECK_FALSE(both.series[2].dotted);
  CHECK(both.series[3].dotted);
  CHECK_FALSE(both.series[0].dotted);
  const std::string dots = to_svg(both);
  CHECK(dots.find("stroke-dasharray=\"0.1,3.2\"") != std::string::npos);
  CHECK(dots.find("stroke-linecap=\"round\"") != std::string::npos);
}
