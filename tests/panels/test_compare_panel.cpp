#include "app/panels/compare_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: Compare tabulates the runs and shows a layer's histograms side by side") {
  LiveTrainer a(120), b(60);
  const auto ma = a.trainer.metrics(), mb = b.trainer.metrics();
  std::vector<ComparePanel::Run> runs(2);
  runs[0] = {"sgd", "#1f77b4", "paused", "", ma.get(), 120, 3.5, true};
  runs[1] = {"adam", "#d62728", "paused", "optimizer sgd -> adam", mb.get(), 60, 0, true};
  ComparePanel panel;
  PanelFrame frame;
  const DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    panel.draw(runs, "", report, [](const std::string&) {});
  });
  INFO(d.text);
  for (const char* w : {"compare-table", "compare-layer", "compare-histograms", "compare-stat",
                        "compare-over-training"})
    CHECK(d.has_widget(w));
  // The best validation accuracy of run "sgd", with its step, as the series hold it.
  double best = -1;
  int64_t at = 0;
  for (std::size_t i = 0; i < ma->validation_accuracy.size(); ++i)
    if (ma->validation_accuracy[i].value > best)
      best = ma->validation_accuracy[i].value, at = ma->validation_accuracy[i].step;
  char want[64];
  std::snprintf(want, sizeof want, "%.2f%% @%lld", 100 * best, (long long)at);
  CHECK(d.shows(want));
  CHECK(d.shows("3.5 s"));
  CHECK(d.shows("optimizer sgd -> adam"));
  // Each layer's latest std, a column a run.
  char sd[32];
  std::snprintf(sd, sizeof sd, "%.3g", double(ma->layers[0]->act_std.last()->value));
  CHECK(d.shows(sd));
  CHECK(d.shows(ma->layers[0]->name));
}
