#include "app/panels/experiment_editor.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: the experiment editor draws the experiment's fields and Apply") {
  LiveTrainer live;
  ExperimentEditor editor;
  editor.reset(live.config, live.data->train.size());
  PanelFrame frame;
  std::optional<ExperimentConfig> applied;
  const DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    applied = editor.draw(report, [](const std::string&) {});
  });
  INFO(d.text);
  CHECK(d.has_widget("editor-apply"));
  CHECK(d.has_widget("editor-add-layer"));
  CHECK(!applied);
  CHECK(d.shows("dense { 32 } units"));
  CHECK(d.shows("activation { relu }"));
  CHECK(d.shows("{ adam } optimizer"));
  CHECK(d.shows("{ 0.01 } base rate"));
  CHECK(d.vertices > 1000);
}
