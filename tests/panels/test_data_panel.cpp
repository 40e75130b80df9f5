#include "app/panels/data_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: Data draws the training set's samples and its views") {
  LiveTrainer live;
  DataPanel panel;
  PanelFrame frame;
  const DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    panel.draw(live.data.get(), &live.trainer, live.jobs, report, [](const std::string&) {});
  });
  INFO(d.text);
  CHECK(d.has_widget("data-samples"));
  CHECK(d.shows("blobs/train: 600 training points of 8 features"));
  CHECK(d.vertices > 1000);
}
