#include "app/panels/curves_panel.h"
#include "tests/panels/live_trainer.h"
#include "tests/panels/panel_frame.h"

#include <doctest/doctest.h>

using namespace ts;
using namespace ts::testing;

namespace {

CurvesPanel::Shown shown(int id, const std::string& label, const std::string& color,
                         const TrainerMetrics& m, const TrainerStatus& st,
                         const std::vector<SvgMarker>& markers, int64_t fork_step = 0) {
  return {id, label, color, &m, &st, &markers, fork_step};
}

const SvgSeries* find(const SvgChart& c, const std::string& name) {
  for (const auto& s : c.series)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("panel: Curves draws the loss of every step trained, with its choices") {
  LiveTrainer live;
  CurvesPanel panel;
  PanelFrame frame;
  const auto metrics = live.trainer.metrics();
  const auto status = live.trainer.status();
  const std::vector<SvgMarker> markers;
  panel.update(1, *metrics);
  const std::vector<CurvesPanel::Shown> runs = {
      shown(1, "run 1", "#1f77b4", *metrics, *status, markers)};
  const DrawnPanel d = frame.draw([&](const PanelFrame::Report& report) {
    panel.draw(runs, "", report, [](const std::string&) {});
  });
  INFO(d.text);
  CHECK(d.has_widget("curves-plot"));
  CHECK(d.has_widget("curve-loss"));
  CHECK(d.has_widget("curve-smoothing"));
  CHECK(d.has_widget("curve-x-axis"));
  CHECK(d.shows("(x) loss"));
  CHECK(panel.last_loss(1) == doctest::Approx(metrics->loss.last()->value));
  CHECK(d.vertices > 1000);
  // One run: the series by their own names and colours, no run groups.
  const SvgChart c = panel.chart(runs, 400);
  REQUIRE(find(c, "validation"));
  CHECK(find(c, "validation")->group.empty());
}

TEST_CASE("panel: Curves overlays several runs, one colour each, on a chosen x-axis") {
  LiveTrainer a(120), b(60);
  CurvesPanel panel;
  const auto ma = a.trainer.metrics(), mb = b.trainer.metrics();
  const auto sa = a.trainer.status(), sb = b.trainer.status();
  const std::vector<SvgMarker> none;
  panel.update(1, *ma);
  panel.update(2, *mb);
  const std::vector<CurvesPanel::Shown> runs = {shown(1, "sgd", "#111111", *ma, *sa, none),
                                                shown(2, "fork", "#222222", *mb, *sb, none, 40)};
  const SvgChart c = panel.chart(runs, 1 << 20);
  // Each run's train (its moving average), validation and test, named for it, in its colour.
  const SvgSeries* ta = find(c, "sgd train");
  const SvgSeries* vb = find(c, "fork validation");
  REQUIRE(ta);
  REQUIRE(vb);
  CHECK(ta->group == "sgd");
  CHECK(ta->color == "#111111");
  CHECK(vb->color == "#222222");
  CHECK(vb->dashed);
  CHECK(find(c, "fork test"));
  CHECK_FALSE(find(c, "sgd train (raw)"));  // the raw steps are faint and unlisted
  CHECK(ta->x.back() == doctest::Approx(120));
  // Steps since the fork: run 2's x starts 40 steps earlier; epochs: steps / steps per epoch.
  panel.set_x_axis(3);
  const SvgChart since = panel.chart(runs, 1 << 20);
  CHECK(find(since, "fork train")->x.back() == doctest::Approx(60 - 40));
  CHECK(find(since, "sgd train")->x.back() == doctest::Approx(120));
  panel.set_x_axis(1);
  const SvgChart epochs = panel.chart(runs, 1 << 20);
  REQUIRE(sa->steps_per_epoch > 0);
  CHECK(find(epochs, "sgd train")->x.back() ==
        doctest::Approx(120.0 / double(sa->steps_per_epoch)));
  CHECK(epochs.x_label == "epoch");
  // Time: the seconds each run spent training up to the step, increasing.
  panel.set_x_axis(4);
  const SvgChart timed = panel.chart(runs, 1 << 20);
  CHECK(timed.x_label == "seconds training");
  const SvgSeries* t = find(timed, "sgd train");
  REQUIRE(t);
  CHECK(t->x.back() == doctest::Approx(ma->seconds.last()->value));
  CHECK(t->x.back() > 0);
  CHECK(std::is_sorted(t->x.begin(), t->x.end()));
  // Many runs: one legend entry each (its training curve), no raw steps.
  std::vector<CurvesPanel::Shown> many;
  for (int i = 0; i < 4; ++i)
    many.push_back(shown(1, "r" + std::to_string(i), "#333333", *ma, *sa, none));
  panel.set_x_axis(0);
  const SvgChart crowd = panel.chart(many, 400);
  int listed = 0;
  for (const auto& s : crowd.series) {
    listed += !s.name.empty();
    CHECK(s.opacity == 1.0);
  }
  CHECK(listed == 4);
  CHECK(find(crowd, "r2"));
  CHECK(crowd.series.size() == 12);
  // The gradient norm per step, a line a run, on a log scale.
  panel.set_view({"grad", true, 0.f});
  const SvgChart grad = panel.chart(runs, 1 << 20);
  CHECK(grad.log_y);
  REQUIRE(find(grad, "fork"));
  CHECK(find(grad, "fork")->y.back() == doctest::Approx(mb->grad_norm.last()->value));
  CHECK(panel.view().curve == "grad");
  // A run forgotten has no mirrors left.
  panel.forget(2);
  CHECK(std::isnan(panel.last_loss(2)));
}

TEST_CASE("panel: Curves draws the tracked sharpness on the learning-rate chart against 2 / lr") {
  TrainerMetrics m(0, {});
  for (int64_t s = 1; s <= 100; ++s) m.lr.push(s, s <= 50 ? 0.1f : 0.04f);
  for (int64_t s = 25; s <= 100; s += 25) m.sharpness.push(s, float(s) / 5);
  TrainerStatus st;
  st.step = 100;
  const std::vector<SvgMarker> none;
  CurvesPanel panel;
  panel.set_view({"lr", false, 0.f});
  panel.update(1, m);
  const std::vector<CurvesPanel::Shown> runs = {shown(1, "run", "#111111", m, st, none)};
  const SvgChart c = panel.chart(runs, 1 << 20);
  CHECK(c.title == "Learning rate and sharpness");
  CHECK(c.log_y);
  const SvgSeries* edge = find(c, "2 / lr");
  const SvgSeries* sharp = find(c, "sharpness (top Hessian eigenvalue)");
  REQUIRE(edge);
  REQUIRE(sharp);
  REQUIRE(edge->x.size() == 100);
  CHECK(edge->y.front() == doctest::Approx(20.0));  // 2 / 0.1
  CHECK(edge->y.back() == doctest::Approx(50.0));   // 2 / 0.04
  CHECK(sharp->x == std::vector<double>{25, 50, 75, 100});
  CHECK(sharp->y == std::vector<double>{5, 10, 15, 20});
  // Without sharpness points, the plain learning-rate chart.
  TrainerMetrics plain(0, {});
  plain.lr.push(1, 0.1f);
  panel.update(2, plain);
  const SvgChart p = panel.chart({shown(2, "run", "#111111", plain, st, none)}, 400);
  CHECK(p.title == "Learning rate");
  CHECK_FALSE(find(p, "2 / lr"));
}
