#include "app/panels/layers_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

#include <cstdio>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: Layers draws a row of statistics for each layer of the run") {
  LiveTrainer live;
  LayersPanel panel;
  PanelFrame frame;
  const auto metrics = live.trainer.metrics();
  const DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    panel.draw(*metrics, "", report, [](const std::string&) {});
  });
  INFO(d.text);
  CHECK(d.vertices > 1000);
  // Each layer's heading, its activation spread as the trainer measured it, and its heatmap.
  for (const auto& layer : metrics->layers) {
    CHECK(d.shows(layer->name + " (" + to_string(layer->activation) + ")"));
    char std_text[32];
    std::snprintf(std_text, sizeof std_text, "std %.3g", double(layer->act_std.last()->value));
    CHECK(d.shows(std_text));
  }
  CHECK(d.shows("probe batch at step 120"));
  CHECK(d.shows("over training: steps 0-120"));
}
