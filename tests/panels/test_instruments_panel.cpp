#include "app/panels/instruments_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: Instruments draws the choice of instrument and its Run button") {
  LiveTrainer live;
  InstrumentsPanel panel;
  PanelFrame frame;
  const DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    panel.draw(live.trainer, live.jobs, "", report, [](const std::string&) {});
  });
  INFO(d.text);
  CHECK(d.has_widget("instrument"));
  CHECK(d.has_widget("run-instrument"));
  CHECK(d.shows("{ LR range test from the initialization } [ Run ]"));
  CHECK(d.vertices > 100);
}
