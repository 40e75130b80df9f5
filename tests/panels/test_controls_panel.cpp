#include "app/panels/controls_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: Controls draws the run's buttons, its step and its numbers") {
  LiveTrainer live;
  ControlsPanel panel;
  PanelFrame frame;
  std::vector<std::string> sent;
  const auto status = live.trainer.status();
  const DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    panel.draw(
        live.trainer, *status, "", false,
        [&](Command, const std::string& what) { sent.push_back(what); }, report);
  });
  INFO(d.text);
  CHECK(d.has_widget("resume"));
  CHECK(d.has_widget("step1"));
  CHECK(d.has_widget("speed"));
  // Adam has beta1 and no momentum: the sliders follow the table of settings.
  CHECK(d.has_widget("beta1"));
  CHECK_FALSE(d.has_widget("momentum"));
  CHECK(d.vertices > 100);
  CHECK(sent.empty());
  CHECK(d.shows("paused"));
  CHECK(d.shows("{ 0.01 } learning rate"));  // the config's rate
  CHECK(d.shows("{ adam } optimizer"));
  CHECK(d.shows("[x] fc1 [x] fc2 [x] fc3"));  // every layer trains
}
