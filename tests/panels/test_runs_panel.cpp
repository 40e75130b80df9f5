#include "app/panels/runs_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

using namespace ts;
using namespace ts::testing;

TEST_CASE("panel: Runs lists each run with its numbers, and only a live run can be forked") {
  LiveTrainer live;
  const auto st = live.trainer.status();
  std::string a = "sgd", b = "read";
  bool show_a = true, show_b = false;
  std::vector<RunsPanel::Row> rows(2);
  rows[0].label = &a;
  rows[0].visible = &show_a;
  rows[0].color = "#1f77b4";
  rows[0].state = "paused";
  rows[0].step = 120;
  rows[0].best_validation_accuracy = 0.9375;
  rows[0].last_loss = 0.25;
  rows[0].status = st.get();
  rows[1].label = &b;
  rows[1].visible = &show_b;
  rows[1].color = "#d62728";
  rows[1].state = "read-only";
  rows[1].differs = "schedule.lr 0.01 -> 0.001";
  RunsPanel panel;
  PanelFrame frame;
  RunsPanel::Action act;
  DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    act = panel.draw(rows, 0, {"schedule.lr"}, report);
  });
  INFO(d.text);
  CHECK(act.kind == RunsPanel::Action::Kind::none);
  for (const char* w : {"run-fork", "run-colour-by", "run-remove", "run-open", "run-open-path",
                        "run-show-1", "run-select-1", "run-select-2"})
    CHECK(d.has_widget(w));
  CHECK(d.shows("93.75%"));
  CHECK(d.shows("0.2500"));
  CHECK(d.shows("read-only"));
  CHECK(d.shows("schedule.lr 0.01 -> 0.001"));
  CHECK(d.shows("(the first run)"));
  // One run: the buttons, no table.
  rows.pop_back();
  d = frame.draw([&](const PanelFrame::Report& report) {
    act = panel.draw(rows, 0, {"schedule.lr"}, report);
  });
  CHECK(d.has_widget("run-fork"));
  CHECK_FALSE(d.has_widget("run-select-1"));
}
