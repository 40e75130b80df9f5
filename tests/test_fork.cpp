// Forking a live run (core/run/run.h restored_run, core/experiment/config_changes.h): a copy
// of the exact state between two steps that trains on beside its parent.
#include "core/experiment/config_changes.h"
#include "core/experiment/config_overrides.h"
#include "trainer_fixtures.h"

#include <doctest/doctest.h>

#include <cstring>

using namespace ts;
using namespace ts::testing;

namespace {

std::unique_ptr<Trainer> fork_of(Trainer& parent) {
  const auto capture = parent.capture().get();
  return std::make_unique<Trainer>(restored_run(capture->state, capture->data));
}

std::vector<SeriesPoint> after(const ScalarSeries& s, int64_t step) {
  std::vector<SeriesPoint> out;
  for (const auto& p : points(s))
    if (p.step > step) out.push_back(p);
  return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("a fork without a change ends bit-identical to its parent, on 1 and 2 threads") {
  for (unsigned threads = 1; threads <= kMaxTestThreads; ++threads) {
    CAPTURE(threads);
    // Dropout and a snapshot average: the random masks and the averages must carry over too.
    ExperimentConfig c = small_config(R"(, "averaging": {"ema_decay": 0.9})");
    c.model.layers.insert(c.model.layers.begin() + 2, LayerSpec{});
    c.model.layers[2].kind = LayerKind::dropout;
    c.model.layers[2].rate = 0.2;
    c.model.layers[2].name = "drop";
    c.training.threads = int(threads);
    Trainer parent(make_run(c));
    parent.submit(cmd::Step{120});
    run_to_settled(parent);
    auto fork = fork_of(parent);
    CHECK(fork->step() == 120);
    parent.submit(cmd::Start{});
    fork->submit(cmd::Start{});
    run_to_settled(parent);
    run_to_settled(*fork);
    REQUIRE(parent.step() == 300);
    REQUIRE(fork->step() == 300);
    CHECK(same_bits(parent.weights()->values, fork->weights()->values));
    const auto pm = parent.metrics(), fm = fork->metrics();
    CHECK(same_points(after(pm->loss, 120), points(fm->loss)));
    CHECK(same_points(after(pm->validation_accuracy, 120), points(fm->validation_accuracy)));
    CHECK(points(fm->loss).front().step == 121);
  }
}

TEST_CASE("a fork with another rate trains apart, its parent goes on as if alone") {
  const ExperimentConfig c = small_config();
  Trainer alone(make_run(c));
  alone.submit(cmd::Start{});
  Trainer parent(make_run(c));
  parent.submit(cmd::Step{100});
  run_to_settled(parent);
  auto fork = fork_of(parent);
  const ExperimentConfig slower =
      experiment_with_overrides(to_json(c), {"schedule.lr=0.001"}, "trainer-test.json");
  for (const Command& change : fork_commands(c, slower)) fork->submit(change);
  fork->submit(cmd::Start{});
  parent.submit(cmd::Start{});
  run_to_settled(alone);
  run_to_settled(parent);
  run_to_settled(*fork);
  // The parent is untouched by its fork: the same as a run that was never forked.
  CHECK(same_bits(parent.weights()->values, alone.weights()->values));
  CHECK(same_points(parent.metrics()->loss, alone.metrics()->loss));
  // The fork's first step is the parent's step 101 at the new rate.
  const auto fl = points(fork->metrics()->lr);
  REQUIRE(!fl.empty());
  CHECK(fl.front().step == 101);
  CHECK(fl.front().value == doctest::Approx(0.001));
  CHECK(after(parent.metrics()->lr, 100).front().value == doctest::Approx(0.01));
  CHECK_FALSE(same_bits(parent.weights()->values, fork->weights()->values));
  CHECK(fork->step() == 300);
}

TEST_CASE("a fork from the initialization or a snapshot starts from that kept state") {
  const ExperimentConfig c = small_config();
  Trainer parent(make_run(c));
  parent.submit(cmd::Step{20});
  run_to_settled(parent);  // commands in one batch all apply before the next step
  parent.submit(cmd::Snapshot{"twenty"});
  parent.submit(cmd::Step{30});
  run_to_settled(parent);
  REQUIRE(parent.step() == 50);
  // The initialization: step 0 and the weights a fresh run of the experiment starts from.
  const auto init = parent.capture({CaptureOf::Kind::initialization, ""}).get();
  CHECK(init->state.step == 0);
  const auto fresh = make_run(c);
  const auto& p = fresh->network().params();
  CHECK(same_bits(init->state.values, std::vector<float>(p.values().begin(), p.values().end())));
  // Same start, another optimizer: trains like a run of that optimizer from the start.
  const ExperimentConfig sgd =
      experiment_with_overrides(to_json(c), {"optimizer={\"type\": \"sgd\"}"}, "t.json");
  Trainer from_start(restored_run(init->state, init->data));
  for (const Command& change : fork_commands(c, sgd)) from_start.submit(change);
  from_start.submit(cmd::Step{40});
  Trainer alone(make_run(sgd));
  alone.submit(cmd::Step{40});
  run_to_settled(from_start);
  run_to_settled(alone);
  CHECK(same_bits(from_start.weights()->values, alone.weights()->values));
  // A snapshot: its step and its weights, whatever the run did since.
  const auto snap = parent.capture({CaptureOf::Kind::snapshot, "twenty"}).get();
  CHECK(snap->state.step == 20);
  CHECK_FALSE(same_bits(snap->state.values, parent.weights()->values));
  // The error is read once the trainer has let go of its promise (a command applied after the
  // future became ready, so in a later turn of its loop): the exception then dies on this
  // thread. Were the trainer's thread the last to hold it, the thread sanitizer would report
  // its deletion as a race with reading it, since it cannot see the reference count inside
  // Debian's uninstrumented libstdc++.
  auto missing = parent.capture({CaptureOf::Kind::snapshot, "nope"});
  missing.wait();
  REQUIRE(parent.wait_applied(parent.submit(cmd::Pause{}), std::chrono::seconds(60)));
  CHECK_THROWS_WITH_AS(missing.get(), "no snapshot is labelled \"nope\" to capture", Error);
}

TEST_CASE("a fork given its parent's history starts its series with the parent's points") {
  const ExperimentConfig c = small_config();
  Trainer parent(make_run(c));
  parent.submit(cmd::Step{60});
  run_to_settled(parent);
  const auto capture = parent.capture().get();
  TrainerOptions o;
  o.history = parent.metrics();
  Trainer fork(restored_run(capture->state, capture->data), o);
  parent.submit(cmd::Step{20});  // the parent's later points are not the fork's
  fork.submit(cmd::Step{10});
  run_to_settled(parent);
  run_to_settled(fork);
  const auto pl = points(parent.metrics()->loss), fl = points(fork.metrics()->loss);
  REQUIRE(pl.size() == 80);
  REQUIRE(fl.size() == 70);
  CHECK(same_points(std::vector<SeriesPoint>(pl.begin(), pl.begin() + 60),
                    std::vector<SeriesPoint>(fl.begin(), fl.begin() + 60)));
  CHECK(fl[60].step == 61);
  // Per-layer series too, matched by layer.
  REQUIRE(fork.metrics()->layers.size() == parent.metrics()->layers.size());
  CHECK(fork.metrics()->layers[0]->grad_norm.size() == 70);
  // A history of other layers is not taken.
  TrainerOptions o2;
  o2.history = std::make_shared<TrainerMetrics>(0, std::vector<StatLayer>{});
  Trainer apart(restored_run(capture->state, capture->data), o2);
  CHECK(apart.metrics()->loss.size() == 0);
  CHECK(apart.metrics()->layers.size() == parent.metrics()->layers.size());
}
