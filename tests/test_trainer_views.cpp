// What the live trainer shows right after a command, before training moves on: the layer
// statistics at step 0 and at the end of a Step, and validation and test accuracy at once
// after a prune, a rewind or a load.
#include "core/data/synthetic.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/train/trainer.h"
#include "tests/temp_dir.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <thread>

using namespace ts;
using namespace std::chrono_literals;

namespace {

ExperimentConfig views_config() {
  return parse_experiment_text(R"({
    "name": "views test",
    "data": {"dataset": "blobs", "classes": 3, "dim": 8, "train_size": 600, "validation_size": 100, "test_size": 200},
    "model": {"layers": [{"type": "dense", "units": 32, "activation": "tanh"}, {"type": "dense", "units": 3}]},
    "init": {"weights": {"type": "gaussian", "sigma": 1.0}},
    "optimizer": {"type": "adam"},
    "schedule": {"type": "constant", "lr": 0.01},
    "training": {"batch_size": 32, "steps": 300, "seed": 5, "eval_interval": 100},
    "monitor": {"stats_interval": 50, "probe_samples": 64}})",
                               "views-test.json");
}

std::unique_ptr<Run> make_run(const ExperimentConfig& c) {
  auto data = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
  return std::make_unique<Run>(c, data);
}

std::string detail_of(const Trainer& t, uint64_t id) {
  std::vector<Event> events;
  t.events().copy_new(events);
  for (const auto& e : events)
    if (e.command == id) return e.detail;
  return "";
}

}  // namespace

TEST_CASE("layer statistics are taken at step 0 and at the end of every Step command") {
  const ExperimentConfig c = views_config();
  auto run = make_run(c);
  // The expectation, computed apart from the trainer: fc1's tanh outputs on the first 64
  // validation samples of the same initialization.
  Network<float>::Workspace ws;
  run->network().prepare(ws);
  std::vector<uint32_t> idx(64);
  std::iota(idx.begin(), idx.end(), 0u);
  std::vector<int32_t> labels(idx.size());
  fill_batch(run->data().validation, idx, ws.acts[0], labels);
  PassContext ctx;
  ctx.training = false;
  run->network().forward(ws, ctx);
  Trainer t(std::move(run));
  const StatLayer& fc1 = t.layers().front();
  const Matrix<float>& a = ws.acts[std::size_t(fc1.output)];
  double sum = 0, sq = 0;
  for (Index i = 0; i < a.size(); ++i) sum += a.data()[i], sq += double(a.data()[i]) * a.data()[i];
  const double mean = sum / double(a.size()), std = std::sqrt(sq / double(a.size()) - mean * mean);

  auto m = t.metrics();
  REQUIRE(m->layers.front()->histograms.size() == 1);  // before any step
  CHECK(m->layers.front()->histograms[0].step == 0);
  REQUIRE(m->layers.front()->act_std.last());
  CHECK(m->layers.front()->act_std.last()->step == 0);
  CHECK(m->layers.front()->act_std.last()->value == doctest::Approx(std).epsilon(1e-4));
  CHECK(m->layers.front()->distance_init.last()->value == 0.0f);

  // Seven steps: not a multiple of the interval of 50, yet their effect shows when they end.
  t.submit(cmd::Step{7});
  REQUIRE(t.wait_settled(60s));
  m = t.metrics();
  const auto& h = m->layers.front()->histograms;
  REQUIRE(h.size() == 2);
  CHECK(h[1].step == 7);
  CHECK(m->layers.front()->distance_init.last()->step == 7);
  CHECK(m->layers.front()->distance_init.last()->value > 0.0f);
  // Another Step command ending on a probed step (50) adds no second probe of it.
  t.submit(cmd::Step{43});
  REQUIRE(t.wait_settled(60s));
  CHECK(t.metrics()->layers.front()->histograms.size() == 3);
}

TEST_CASE("a prune, a rewind and a load evaluate validation and test at once") {
  const ExperimentConfig c = views_config();
  ts::testing::TempDir tmp;
  Trainer t(make_run(c));
  t.submit(cmd::Step{120});  // past the evaluation at step 100
  REQUIRE(t.wait_settled(60s));
  cmd::Save save;
  save.path = (tmp / "at-120.safetensors").string();
  t.submit(save);
  REQUIRE(t.wait_settled(60s));
  const auto before = t.status()->last_evaluation;
  REQUIRE(before);
  CHECK(t.status()->last_evaluation_step == 100);

  // Remove every weight of fc1: the network then predicts one class for every input, so
  // accuracy falls to that class's share of the split.
  cmd::Prune p;
  p.request.layers = {"fc1"};
  p.request.amount = 1.0;
  const uint64_t pruned = t.submit(p);
  REQUIRE(t.wait_settled(60s));
  auto st = t.status();
  CHECK(st->step == 120);
  CHECK(st->last_evaluation_step == 120);
  REQUIRE(st->last_evaluation);
  CHECK(st->last_evaluation->test.accuracy < 0.5);
  CHECK(st->last_evaluation->test.accuracy < before->test.accuracy - 0.3);
  const auto m = t.metrics();
  REQUIRE(m->test_accuracy.last());
  CHECK(m->test_accuracy.last()->step == 120);
  CHECK(double(m->test_accuracy.last()->value) ==
        doctest::Approx(st->last_evaluation->test.accuracy));
  char said[64];
  std::snprintf(said, sizeof said, "now: validation %.2f%%; test %.2f%%",
                100 * st->last_evaluation->validation.accuracy,
                100 * st->last_evaluation->test.accuracy);
  CHECK(detail_of(t, pruned).find(said) != std::string::npos);

  // A load of the checkpoint of step 120 evaluates the dense network again: the accuracy
  // is back where it was.
  cmd::Load load;
  load.path = save.path;
  const uint64_t loaded = t.submit(load);
  REQUIRE(t.wait_settled(60s));
  st = t.status();
  CHECK(st->last_evaluation_step == 120);
  CHECK(st->last_evaluation->test.accuracy > before->test.accuracy - 0.05);
  CHECK(detail_of(t, loaded).find("now: validation") != std::string::npos);

  // A rewind to the initialization evaluates it: the step 0 point of the curve.
  cmd::Rewind r;
  r.target = RewindTarget::initialization;
  const uint64_t rewound = t.submit(r);
  REQUIRE(t.wait_settled(60s));
  st = t.status();
  CHECK(st->step == 0);
  CHECK(st->last_evaluation_step == 0);
  CHECK(t.metrics()->test_accuracy.last()->step == 0);
  CHECK(detail_of(t, rewound).find("now: validation") != std::string::npos);
}

TEST_CASE(
    "slow motion trains no faster than the steps a second asked for, and a pause still applies at "
    "once") {
  ExperimentConfig c = views_config();
  c.training.steps = 1000000;
  Trainer t(make_run(c));
  t.submit(cmd::Set{Setting::steps_per_s, 20.0});
  const auto start = std::chrono::steady_clock::now();
  t.submit(cmd::Start{});
  std::this_thread::sleep_for(600ms);
  const uint64_t paused = t.submit(cmd::Pause{});
  REQUIRE(t.wait_applied(paused, 5s));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t steps = t.step();
  // At most one step per 50 ms since the start (and the first at once); full speed would be
  // thousands in this time.
  CHECK(steps >= 1);
  CHECK(double(steps) <= 20.0 * elapsed + 2.0);
  CHECK(t.status()->steps_per_s_limit == 20.0);
  // Back to full speed: the same wall time trains far more.
  t.submit(cmd::Set{Setting::steps_per_s, 0.0});
  t.submit(cmd::Step{500});
  REQUIRE(t.wait_settled(60s));
  CHECK(t.step() == steps + 500);
  // A negative speed is refused, naming the setting.
  const uint64_t bad = t.submit(cmd::Set{Setting::steps_per_s, -1.0});
  REQUIRE(t.wait_applied(bad, 5s));
  CHECK(detail_of(t, bad).find("steps_per_s: must be in [0, 1e+06]") != std::string::npos);
}
