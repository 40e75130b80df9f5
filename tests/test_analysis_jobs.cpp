// Analyses beside live training: the trainer's between-step capture, and jobs that run on it
// while training goes on, report progress, can be cancelled, and fail with a message.
#include "core/analysis/layer_geometry.h"
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/procedures/lr_range_test.h"
#include "core/train/analysis_jobs.h"
#include "core/train/trainer.h"

#include <doctest/doctest.h>
#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <cmath>
#include <thread>
#include <utility>

using namespace ts;
using namespace std::chrono_literals;

namespace {

ExperimentConfig jobs_config(int64_t steps) {
  return parse_experiment_text(R"({
    "name": "jobs test",
    "data": {"dataset": "blobs", "classes": 3, "dim": 8, "train_size": 600, "validation_size": 100, "test_size": 200},
    "model": {"layers": [
      {"type": "dense", "units": 24, "activation": "tanh"},
      {"type": "dense", "units": 12, "activation": "relu"},
      {"type": "dense", "units": 3}]},
    "optimizer": {"type": "adam"},
    "schedule": {"type": "constant", "lr": 0.01},
    "training": {"batch_size": 32, "steps": )" +
                                   std::to_string(steps) + R"(, "seed": 5, "eval_interval": 100},
    "monitor": {"stats_interval": 10, "probe_samples": 64, "keyframe_interval": 100}})",
                               "jobs-test.json");
}

std::unique_ptr<Trainer> make_trainer(int64_t steps) {
  const ExperimentConfig c = jobs_config(steps);
  auto data = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
  return std::make_unique<Trainer>(std::make_unique<Run>(c, data));
}

}  // namespace

TEST_CASE(
    "a capture is the state between two steps: the step it names, the weights published there") {
  auto t = make_trainer(1000);
  t->submit(cmd::Step{37});
  REQUIRE(t->wait_settled(60s));
  auto f = t->capture();
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  const auto c = f.get();
  REQUIRE(c);
  CHECK(c->state.step == 37);
  CHECK(c->state.values == t->weights()->values);
  CHECK(c->state.initial == t->weights()->initial);
  CHECK(c->data->train.size() == 600);
}

TEST_CASE("a capture asked of a trainer going away is answered, never left hanging") {
  auto t = make_trainer(1000);
  t->submit(cmd::Start{});
  auto f = t->capture();
  t.reset();
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  try {
    const auto c = f.get();  // taken before the thread stopped
    CHECK(c);
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("trainer stopped") != std::string::npos);
  }
}

TEST_CASE("a job runs on a captured state while training goes on") {
  auto t = make_trainer(1000000);
  t->submit(cmd::Start{});
  AnalysisJobs jobs(1);
  // The work waits until the live trainer is 20 steps past the captured state: only possible
  // when training does not wait for the analysis.
  auto job = jobs.start<int64_t>("watch", t->capture(), [&](AnalysisContext& c) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (t->step() < c.input.state.step + 20 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    CHECK(c.run.steps_done() == c.input.state.step);  // the job's own run is not the live one
    return t->step() - c.input.state.step;
  });
  REQUIRE(job->wait(30s));
  CHECK(job->state() == JobState::done);
  REQUIRE(job->result());
  CHECK(*job->result() >= 20);
  CHECK(job->step() >= 0);
  CHECK(job->progress() == 1.0);
  t->submit(cmd::Pause{});
  CHECK(t->wait_settled(60s));
}

TEST_CASE("a geometry job gives what the analysis gives on the same captured weights") {
  auto t = make_trainer(1000);
  t->submit(cmd::Step{200});
  REQUIRE(t->wait_settled(60s));
  AnalysisJobs jobs(2);
  auto job =
      jobs.start<std::vector<LayerGeometry>>("geometry", t->capture(), [](AnalysisContext& c) {
        return layer_geometry(c.run.network(), c.run.initial_values(), 3, 1, c.cancel, c.progress);
      });
  REQUIRE(job->wait(60s));
  REQUIRE(job->state() == JobState::done);
  CHECK(job->step() == 200);
  const auto& got = *job->result();

  // The same layers from the trainer's published weights, by hand.
  const auto w = t->weights();
  REQUIRE(got.size() == 3);
  CHECK(got[0].layer == "fc1");
  CHECK(got[0].rows == 24);
  CHECK(got[0].dimension == 8);
  for (const auto& info : w->infos)
    if (info.name == "fc1.weight") {
      const UnitVectors u =
          normalize_units(std::span<const float>(w->values).subspan(info.offset, info.size), 24, 8);
      CHECK(got[0].frame_potential == doctest::Approx(frame_potential(u.vectors)).epsilon(1e-12));
      const UnitVectors u0 = normalize_units(
          std::span<const float>(w->initial).subspan(info.offset, info.size), 24, 8);
      CHECK(got[0].frame_potential_init ==
            doctest::Approx(frame_potential(u0.vectors)).epsilon(1e-12));
    }
  CHECK(got[0].frame_potential != got[0].frame_potential_init);  // it trained
}

TEST_CASE("a job runs on the thread count set when it starts") {
  auto t = make_trainer(1000);
  AnalysisJobs jobs(1);
  const auto threads = [](AnalysisContext& c) {
    return std::pair<int, int>{c.run.threads(), tbb::this_task_arena::max_concurrency()};
  };
  auto one = jobs.start<std::pair<int, int>>("one", t->capture(), threads);
  REQUIRE(one->wait(60s));
  CHECK(*one->result() == std::pair<int, int>{1, 1});
  jobs.set_threads(2);
  CHECK(jobs.threads() == 2);
  auto two = jobs.start<std::pair<int, int>>("two", t->capture(), threads);
  REQUIRE(two->wait(60s));
  CHECK(*two->result() == std::pair<int, int>{2, 2});
  jobs.set_threads(0);  // at least one
  auto back = jobs.start<std::pair<int, int>>("back", t->capture(), threads);
  REQUIRE(back->wait(60s));
  CHECK(*back->result() == std::pair<int, int>{1, 1});
}

TEST_CASE("a cancelled job stops, keeps what it finished, and the next job still runs") {
  auto t = make_trainer(1000);
  AnalysisJobs jobs(1);
  auto slow = jobs.start<int>("slow", t->capture(), [](AnalysisContext& c) {
    int done = 0;
    while (!c.cancel->load() && done < 100000) {
      ++done;
      c.progress(double(done) / 100000.0);
      std::this_thread::sleep_for(100us);
    }
    return done;
  });
  auto next = jobs.start<int>("next", t->capture(), [](AnalysisContext&) { return 7; });
  CHECK(next->state() == JobState::waiting);  // one at a time, in order
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (slow->progress() <= 0.0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  CHECK(slow->progress() > 0.0);
  slow->cancel();
  REQUIRE(slow->wait(20s));
  CHECK(slow->state() == JobState::cancelled);
  REQUIRE(slow->result());
  CHECK(*slow->result() > 0);
  CHECK(*slow->result() < 100000);
  REQUIRE(next->wait(20s));
  CHECK(next->state() == JobState::done);
  CHECK(*next->result() == 7);
  CHECK(jobs.pending() == 0);
}

TEST_CASE("a failing job says why, destroying the runner cancels what is queued") {
  auto t = make_trainer(1000);
  std::shared_ptr<AnalysisTask<int>> queued;
  {
    AnalysisJobs jobs(1);
    auto bad = jobs.start<int>("bad", t->capture(), [](AnalysisContext&) -> int {
      throw Error("layer \"fc9\" is not in the model");
    });
    REQUIRE(bad->wait(20s));
    CHECK(bad->state() == JobState::failed);
    CHECK(bad->error() == "layer \"fc9\" is not in the model");
    CHECK_FALSE(bad->result());

    auto blocker = jobs.start<int>("blocker", t->capture(), [](AnalysisContext& c) {
      while (!c.cancel->load()) std::this_thread::sleep_for(1ms);
      return 0;
    });
    queued = jobs.start<int>("queued", t->capture(), [](AnalysisContext&) { return 1; });
    while (blocker->state() == JobState::waiting) std::this_thread::sleep_for(1ms);
  }
  CHECK(queued->state() == JobState::cancelled);
  CHECK_FALSE(queued->result());
}

TEST_CASE("the learning-rate range test runs as a job and leaves the live run as it was") {
  auto t = make_trainer(1000);
  t->submit(cmd::Step{60});
  REQUIRE(t->wait_settled(60s));
  const std::vector<float> before = t->weights()->values;
  AnalysisJobs jobs(1);
  auto job = jobs.start<LrRangeResult>("lr range", t->capture(), [](AnalysisContext& c) {
    LrRangeSettings s;
    s.steps = 80;
    return lr_range_test(c.run.config(), c.input.data, c.input.state, s, c.cancel, c.progress);
  });
  REQUIRE(job->wait(60s));
  REQUIRE(job->state() == JobState::done);
  const LrRangeResult& r = *job->result();
  REQUIRE_FALSE(r.points.empty());
  // The rates follow the closed form lr_min * (lr_max / lr_min)^(i / (steps - 1)).
  CHECK(r.points[0].lr == doctest::Approx(1e-5));
  CHECK(r.points[1].lr == doctest::Approx(1e-5 * std::pow(10.0 / 1e-5, 1.0 / 79.0)));
  // The live model did not move: same step, same weights.
  t->submit(cmd::Pause{});
  REQUIRE(t->wait_settled(60s));
  CHECK(t->step() == 60);
  CHECK(t->weights()->values == before);
}
