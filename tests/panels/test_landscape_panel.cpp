#include "app/panels/landscape_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

#include <string>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: Landscape says what a slice costs before Run where every point runs the net") {
  // A 1x1 convolution first, over XORD's pairs: no shortcut, so the cost shows before Run.
  LiveTrainer conv(parse_experiment_text(R"({
    "data": {"dataset": "xord", "pairs": 4, "train_size": 600, "validation_size": 100, "test_size": 200},
    "model": {"layers": [{"type": "conv2d", "filters": 4, "kernel": 1, "activation": "relu"},
                         {"type": "flatten"}, {"type": "dense", "units": 2}]},
    "training": {"batch_size": 32, "seed": 5}})",
                                         "conv.json"),
                   10);
  const auto log = [](const std::string&) {};
  LandscapePanel panel;
  PanelFrame frame;
  DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    panel.draw(conv.trainer, *conv.data, conv.jobs, "", report, log);
  });
  INFO(d.text);
  CHECK(d.has_widget("run-landscape"));
  // 41 x 41 points of the 200 test images there are (10,000 asked): 336,200 passes, the work
  // of 112,067 training samples, 187 epochs of 600.
  CHECK(d.shows("Every point runs the whole network here"));
  CHECK(d.shows("336 thousand forward passes"));
  CHECK(d.shows("about 187 epochs"));
  CHECK(d.shows("Press Run"));
  // A dense first layer takes the shortcut: no cost to warn of.
  LiveTrainer dense(10);
  LandscapePanel quick;
  d = frame.draw([&](const PanelFrame::Report& report) {
    quick.draw(dense.trainer, *dense.data, dense.jobs, "", report, log);
  });
  CHECK_FALSE(d.shows("Every point runs"));
  CHECK(d.shows("Press Run"));
}
