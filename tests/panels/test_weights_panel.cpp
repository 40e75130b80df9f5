#include "app/panels/weights_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: Weights draws a layer's weights and the geometry analysis it starts") {
  LiveTrainer live;
  WeightsPanel panel;
  PanelFrame frame;
  const DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    panel.draw(live.trainer, live.jobs, live.data->train.sample_shape, "", report,
               [](const std::string&) {});
  });
  INFO(d.text);
  CHECK(d.has_widget("weights-layer"));
  CHECK(d.has_widget("analyse-weights"));
  CHECK(d.shows("{ fc1 } layer"));
  CHECK(d.vertices > 1000);
}
