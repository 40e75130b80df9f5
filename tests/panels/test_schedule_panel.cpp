#include "app/panels/schedule_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: Schedule draws the planned rate against the rate used") {
  LiveTrainer live;
  SchedulePanel panel;
  PanelFrame frame;
  plot::LiveCurve used, sparsity;
  const auto status = live.trainer.status();
  const DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    panel.draw(
        live.trainer, *status, used, sparsity, "", [](Command, const std::string&) {}, report,
        [](const std::string&) {});
  });
  INFO(d.text);
  CHECK(d.has_widget("schedule-plot"));
  CHECK(d.has_widget("schedule-apply"));
  CHECK(d.shows("Now: constant from step 0"));
  CHECK(d.shows("{ 0.01 } base rate"));
  CHECK(d.vertices > 1000);
}
