#include "app/panels/pruning_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: Pruning draws its layer, criterion and the button for the curves") {
  LiveTrainer live;
  PruningPanel panel;
  PanelFrame frame;
  const DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    panel.draw(
        live.trainer, live.jobs, "", [](Command, const std::string&) {}, report,
        [](const std::string&) {});
  });
  INFO(d.text);
  CHECK(d.has_widget("pruning-layer"));
  CHECK(d.has_widget("compute-curves"));
  CHECK(d.shows("{ fc1 } layer [ Compute pruning curves ]"));
  CHECK(d.vertices > 100);
}
