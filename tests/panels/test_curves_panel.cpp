#include "app/panels/curves_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: Curves draws the loss of every step trained, with its choices") {
  LiveTrainer live;
  CurvesPanel panel;
  PanelFrame frame;
  const auto metrics = live.trainer.metrics();
  const auto status = live.trainer.status();
  panel.update(*metrics);
  const DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    panel.draw(*metrics, *status, {}, "", report, [](const std::string&) {});
  });
  INFO(d.text);
  CHECK(d.has_widget("curves-plot"));
  CHECK(d.has_widget("curve-loss"));
  CHECK(d.has_widget("curve-smoothing"));
  CHECK(d.shows("(x) loss"));
  CHECK(panel.last_loss() == doctest::Approx(metrics->loss.last()->value));
  CHECK(d.vertices > 1000);
}
