// The live trainer: commands from several threads, pause/resume determinism, live
// learning-rate changes, pruning while training, divergence, checkpoints through commands.
// (Scripted commands: test_trainer_scripts.cpp; its files and their failures:
// test_trainer_files.cpp; what it shows right after a command: test_trainer_views.cpp.)
#include "core/analysis/layer_stats.h"
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/io/csv_writer.h"
#include "core/io/safetensors.h"
#include "core/optim/optimizer.h"
#include "core/prune/prune.h"
#include "core/run/checkpoint.h"
#include "core/schedule/schedule_json.h"
#include "core/train/series.h"
#include "core/train/spike_detector.h"
#include "core/train/trainer.h"
#include "tests/temp_dir.h"
#include "tests/trainer_fixtures.h"

#include <doctest/doctest.h>
#include <Eigen/SVD>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

using namespace ts;
using namespace std::chrono_literals;
using ts::testing::TempDir;

using namespace ts::testing;

namespace {

// The probes both runs took on schedule (every `interval` steps, and step 0), bit for bit:
// a Step command also probes where it ends, which a run without one does not.
bool same_scheduled_points(const ScalarSeries& a, const ScalarSeries& b, int64_t interval) {
  auto scheduled = [&](const ScalarSeries& s) {
    std::vector<SeriesPoint> out;
    for (const auto& p : points(s))
      if (p.step % interval == 0) out.push_back(p);
    return out;
  };
  return same_points(scheduled(a), scheduled(b));
}

// Every series of two trainers' metrics, bit for bit (the layer probes as scheduled).
void check_same_metrics(const TrainerMetrics& a, const TrainerMetrics& b) {
  CHECK(same_points(a.loss, b.loss));
  CHECK(same_points(a.accuracy, b.accuracy));
  CHECK(same_points(a.lr, b.lr));
  CHECK(same_points(a.grad_norm, b.grad_norm));
  CHECK(same_points(a.validation_loss, b.validation_loss));
  CHECK(same_points(a.test_accuracy, b.test_accuracy));
  REQUIRE(a.layers.size() == b.layers.size());
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    CHECK(same_points(a.layers[i]->grad_norm, b.layers[i]->grad_norm));
    CHECK(same_points(a.layers[i]->update_ratio, b.layers[i]->update_ratio));
    const int64_t every = 10;  // small_config's stats_interval
    CHECK(same_scheduled_points(a.layers[i]->act_std, b.layers[i]->act_std, every));
    CHECK(same_scheduled_points(a.layers[i]->frame_potential, b.layers[i]->frame_potential, every));
    CHECK(same_scheduled_points(a.layers[i]->distance_init, b.layers[i]->distance_init, every));
  }
}

}  // namespace

TEST_CASE("the outlier test can be loosened or turned off while training") {
  Trainer t(make_run(small_config()));
  t.submit(cmd::Set{Setting::spike_factor, 30});
  t.submit(cmd::Set{Setting::spike_factor, 0.5});  // neither off nor a factor above 1
  t.submit(cmd::Set{Setting::spike_factor, 0});
  run_to_settled(t);
  std::vector<Event> events;
  t.events().copy_new(events);
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == EventKind::set);
  CHECK(events[0].detail == "spike_factor 10 -> 30");
  CHECK(events[1].kind == EventKind::rejected);
  CHECK(events[1].detail.find("spike_factor: must be 0 (off) or > 1, got 0.5") !=
        std::string::npos);
  CHECK(events[2].detail == "spike_factor 30 -> 0");
  CHECK(t.status()->config.monitor.spike_factor == 0.0);
}
TEST_CASE("a caller that sees its commands applied, or the trainer settled, reads their status") {
  // The waiter may wake for an earlier command's notice while the trainer applies a later
  // one: the applied count and the state must never run ahead of the published status.
  Trainer t(make_run(small_config()));
  for (int round = 0; round < 400; ++round) {
    const double last = 20.0 + round % 7;
    t.submit(cmd::Set{Setting::spike_factor, 2.0 + round % 5});
    t.submit(cmd::Set{Setting::spike_factor, 0.5});  // rejected
    const uint64_t id = t.submit(cmd::Set{Setting::spike_factor, last});
    if (round % 2 == 0) {
      REQUIRE(t.wait_applied(id, std::chrono::seconds(60)));
      REQUIRE(t.status()->applied_commands >= id);
    } else {
      run_to_settled(t);
    }
    REQUIRE(t.status()->config.monitor.spike_factor == last);
  }
}
TEST_CASE("the optimizer's update norms match the change it made, which measuring leaves alone") {
  for (const char* kind : {"adam", "sgd", "momentum", "nesterov", "rmsprop"}) {
    CAPTURE(kind);
    ExperimentConfig c = small_config();
    c.optimizer.kind = *optimizer_kind_from_string(kind);
    c.optimizer.weight_decay = 1e-3;
    auto run = make_run(c), plain = make_run(c);
    run->set_stats_interval(1);
    plain->set_stats_interval(0);
    for (int step = 0; step < 3; ++step) {
      const std::vector<float> before(run->network().params().values().begin(),
                                      run->network().params().values().end());
      run->train_step();
      plain->train_step();
      const auto& params = run->network().params();
      for (std::size_t t = 0; t < params.count(); ++t) {
        double dsq = 0, vsq = 0;
        const auto v = params.values(t);
        for (std::size_t i = 0; i < v.size(); ++i) {
          const double d = double(v[i]) - double(before[params.info(t).offset + i]);
          dsq += d * d;
          vsq += double(v[i]) * double(v[i]);
        }
        CHECK(run->tensor_updates()[t].delta_sq == doctest::Approx(dsq).epsilon(1e-4));
        CHECK(run->tensor_updates()[t].value_sq == doctest::Approx(vsq).epsilon(1e-5));
      }
      const auto a = run->network().params().values(), b = plain->network().params().values();
      CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("pruning by magnitude and by unit norm removes exactly the smallest") {
  ExperimentConfig c = small_config();
  auto run = make_run(c);
  auto& net = run->network();
  auto& params = net.params();
  const long w1 = params.find("fc1.weight");
  const auto v = params.values(std::size_t(w1));
  std::vector<float> mags;
  for (float x : v) mags.push_back(std::abs(x));
  std::vector<float> sorted = mags;
  std::sort(sorted.begin(), sorted.end());
  PruneRequest r;
  r.layers = {"fc1"};
  r.amount = 0.25;
  const PruneResult res = prune(net, run->optimizer(), r);
  const long k = std::lround(0.25 * double(v.size()));
  REQUIRE(res.layers.size() == 1);
  CHECK(res.layers[0].removed == k);
  CHECK(res.layers[0].remaining == long(v.size()) - k);
  const auto m = params.masks(std::size_t(w1));
  long zeros = 0;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == 0) {
      ++zeros;
      CHECK(mags[i] <= sorted[std::size_t(k - 1)]);
      CHECK(v[i] == 0.0f);
    } else {
      CHECK(mags[i] >= sorted[std::size_t(k - 1)]);
    }
  }
  CHECK(zeros == k);
  // Pruning 50% of what is left removes half of the remaining weights.
  r.amount = 0.5;
  CHECK(prune(net, run->optimizer(), r).layers[0].removed ==
        std::lround(0.5 * double(v.size() - std::size_t(k))));

  // Units: the fc2 rows with the smallest L2 norms go, with their biases.
  const long w2 = params.find("fc2.weight"), b2 = params.find("fc2.bias");
  const auto rows = std::size_t(params.info(std::size_t(w2)).shape[0]);
  const std::size_t cols = params.info(std::size_t(w2)).size / rows;
  std::vector<std::pair<double, std::size_t>> norms;
  for (std::size_t u = 0; u < rows; ++u) {
    double sq = 0;
    for (std::size_t j = 0; j < cols; ++j)
      sq += std::pow(double(params.values(std::size_t(w2))[u * cols + j]), 2);
    norms.emplace_back(std::sqrt(sq), u);
  }
  std::sort(norms.begin(), norms.end());
  PruneRequest u;
  u.criterion = PruneCriterion::unit_l2;
  u.layers = {"fc2"};
  u.amount = 0.25;
  CHECK(prune(net, run->optimizer(), u).layers[0].removed == 4);
  for (std::size_t i = 0; i < rows; ++i) {
    const std::size_t unit = norms[i].second;
    const bool gone = i < 4;
    CHECK((params.masks(std::size_t(b2))[unit] == 0.0f) == gone);
    for (std::size_t j = 0; j < cols; ++j)
      CHECK((params.masks(std::size_t(w2))[unit * cols + j] == 0.0f) == gone);
  }
  u.layers = {"act1"};
  CHECK_THROWS_WITH_AS(prune(net, run->optimizer(), u), doctest::Contains("has no weights"), Error);
  u.layers = {"nope"};
  CHECK_THROWS_WITH_AS(prune(net, run->optimizer(), u),
                       doctest::Contains("no layer is named \"nope\""), Error);
}

// Runs keep to kMaxTestThreads workers (tests/trainer_fixtures.h): one under the thread sanitizer.

TEST_CASE("10,000 commands from two threads are each applied exactly once, in order") {
  ExperimentConfig c = small_config(R"(, "script": [{"at": 20, "do": "set", "lr": 0.005}])");
  c.training.steps = 1000000;
  TempDir tmp;
  Trainer t(make_run(c));
  t.submit(cmd::Start{});
  constexpr int kPerThread = 5000;
  auto sender = [&](unsigned seed, std::vector<uint64_t>& ids) {
    std::mt19937 rng(seed);
    for (int i = 0; i < kPerThread; ++i) {
      Command next;
      switch (rng() % 16) {
        case 0:
          next = cmd::Pause{};
          break;
        case 1:
          next = cmd::Resume{};
          break;
        case 2:
          next = cmd::Step{int64_t(1 + rng() % 3)};
          break;
        case 3:
          next = cmd::Set{Setting::lr, 0.001 * double(1 + rng() % 20)};
          break;
        case 4:
          next = cmd::Set{Setting::momentum, 0.5};
          break;  // rejected while adam runs
        case 5:
          next = cmd::Set{Setting::batch_size, double(8 + rng() % 40)};
          break;
        case 6:
          next = cmd::Set{Setting::beta1, 0.8 + 0.01 * double(rng() % 10)};
          break;
        case 7:
          if (rng() % 2)
            next = cmd::Freeze{"fc2"};
          else
            next = cmd::Unfreeze{"fc2"};
          break;
        case 8: {
          cmd::Prune p;
          p.request.amount = 0.01;
          p.request.layers = {"fc1"};
          next = p;
          break;
        }
        case 9:
          next = cmd::Snapshot{"s" + std::to_string(rng() % 3)};
          break;
        case 10: {
          cmd::Rewind r;
          r.target = RewindTarget(rng() % 3);
          r.label = "s" + std::to_string(rng() % 3);
          r.step = int64_t(rng() % 200);
          next = r;
          break;
        }
        case 11:
          if (rng() % 50)
            next = cmd::Start{};
          else
            next = cmd::Reset{};
          break;
        case 12: {
          cmd::SetOptimizer o;
          o.optimizer.kind = rng() % 2 ? OptimizerKind::adam : OptimizerKind::momentum;
          next = o;
          break;
        }
        case 13:
          next = cmd::Set{Setting::weight_decay, 1e-4 * double(rng() % 3)};
          break;
        case 14:
          next = cmd::Set{Setting::threads, double(1 + rng() % kMaxTestThreads)};
          break;
        default:
          if (rng() % 100)
            next = cmd::Pause{};
          else
            next = cmd::Stop{};
          break;
      }
      ids.push_back(t.submit(next));
    }
  };
  std::vector<uint64_t> ids_a, ids_b;
  std::thread a(sender, 1u, std::ref(ids_a)), b(sender, 2u, std::ref(ids_b));
  a.join();
  b.join();
  REQUIRE(t.wait_applied(2 * kPerThread + 1, 120s));
  run_to_settled(t);
  const auto events = all_events(t);
  std::vector<uint64_t> applied;
  for (const auto& e : events)
    if (e.command != 0) applied.push_back(e.command);
  REQUIRE(applied.size() == std::size_t(2 * kPerThread + 1));
  for (std::size_t i = 0; i < applied.size(); ++i)
    CHECK(applied[i] == i + 1);  // once each, in order
  // Each thread's commands were numbered in the order it sent them.
  CHECK(std::is_sorted(ids_a.begin(), ids_a.end()));
  CHECK(std::is_sorted(ids_b.begin(), ids_b.end()));
  // It trained along the way, and stayed consistent: pruned weights are zero.
  const auto w = t.weights();
  for (std::size_t i = 0; i < w->values.size(); ++i)
    if (w->masks[i] == 0.0f) REQUIRE(w->values[i] == 0.0f);
}

TEST_CASE("a run paused and resumed any number of times equals one that never paused") {
  ExperimentConfig c =
      small_config(R"(, "script": [{"at": 120, "do": "prune", "layers": ["fc1"], "amount": 0.3}])");
  Trainer straight(make_run(c));
  straight.submit(cmd::Start{});
  run_to_settled(straight);
  REQUIRE(straight.step() == 300);  // paused at the end of the plan

  Trainer paused(make_run(c));
  paused.submit(cmd::Start{});
  std::mt19937 rng(9);
  while (paused.step() < 300) {
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    paused.submit(cmd::Pause{});
    if (rng() % 3 == 0) paused.submit(cmd::Step{int64_t(1 + rng() % 7)});
    run_to_settled(paused);
    if (paused.step() >= 300) break;
    paused.submit(cmd::Resume{});
  }
  run_to_settled(paused);
  // The run may have paused itself at the plan's end just before a "step N" arrived, which
  // then trains on past the plan; the uninterrupted run takes the same extra steps.
  const int64_t end = paused.step();
  CHECK(end >= 300);
  CHECK(end <= 300 + 7);
  if (end > 300) {
    straight.submit(cmd::Step{end - 300});
    run_to_settled(straight);
  }
  REQUIRE(straight.step() == end);
  check_same_metrics(*straight.metrics(), *paused.metrics());
  CHECK(straight.weights()->values == paused.weights()->values);
}

TEST_CASE("a learning-rate change at step k shows from step k+1 and as an event at k") {
  ExperimentConfig c = small_config();
  const int64_t k = 37;
  Trainer t(make_run(c));
  t.submit(cmd::Step{k});
  run_to_settled(t);
  const uint64_t id = t.submit(cmd::Set{Setting::lr, 0.003});
  t.submit(cmd::Step{5});
  run_to_settled(t);
  const auto lr = points(t.metrics()->lr);
  REQUIRE(lr.size() == std::size_t(k + 5));
  for (const auto& p : lr) CHECK(p.value == (p.step <= k ? 0.01f : 0.003f));
  bool found = false;
  for (const auto& e : all_events(t))
    if (e.command == id) {
      found = true;
      CHECK(e.step == k);
      CHECK(e.kind == EventKind::set);
      CHECK(e.before == "0.01");
      CHECK(e.after == "0.003");
    }
  CHECK(found);
  // The same change scripted in the config gives the same series.
  ExperimentConfig s = small_config(R"(, "script": [{"at": 37, "do": "set", "lr": 0.003}])");
  Trainer scripted(make_run(s));
  scripted.submit(cmd::Step{k + 5});
  run_to_settled(scripted);
  CHECK(same_points(t.metrics()->lr, scripted.metrics()->lr));
  CHECK(same_points(t.metrics()->loss, scripted.metrics()->loss));
}

TEST_CASE("the planned learning-rate curve is what the next steps use") {
  ExperimentConfig c = small_config();
  Trainer t(make_run(c));
  t.submit(cmd::Step{40});
  run_to_settled(t);
  cmd::SetSchedule sc;
  sc.schedule = schedule_from_json(
      nlohmann::json::parse(
          R"({"type": "cosine", "lr": 0.05, "total_steps": 30, "warmup_steps": 5})"),
      "schedule");
  t.submit(sc);
  run_to_settled(t);
  std::vector<double> planned(30);
  planned_learning_rates(*t.status(), planned);
  CHECK(planned[0] == doctest::Approx(0.01));  // the warm-up's first step: 1/5 of 0.05
  t.submit(cmd::Step{30});
  run_to_settled(t);
  const auto lr = points(t.metrics()->lr);
  REQUIRE(lr.size() == 70);
  for (std::size_t i = 0; i < 30; ++i) CHECK(lr[40 + i].value == float(planned[i]));
}

TEST_CASE("pruned weights and their optimizer moments stay exactly zero as training resumes") {
  ExperimentConfig c = small_config();
  TempDir tmp;
  Trainer t(make_run(c));
  t.submit(cmd::Step{60});
  run_to_settled(t);
  cmd::Prune p;
  p.request.layers = {"fc1", "fc2"};
  p.request.amount = 0.5;
  const uint64_t id = t.submit(p);
  t.submit(cmd::Step{80});
  run_to_settled(t);
  cmd::Save save;
  save.path = (tmp / "after.safetensors").string();
  t.submit(save);
  run_to_settled(t);
  std::string detail;
  for (const auto& e : all_events(t))
    if (e.command == id) detail = e.detail;
  CHECK(detail.find("fc1: removed 128 of 256 (128 left)") != std::string::npos);
  CHECK(detail.find("fc2: removed 256 of 512 (256 left)") != std::string::npos);
  const auto w = t.weights();
  long pruned = 0;
  for (std::size_t i = 0; i < w->values.size(); ++i)
    if (w->masks[i] == 0.0f) {
      ++pruned;
      REQUIRE(w->values[i] == 0.0f);
    }
  CHECK(pruned == 128 + 256);
  const SafetensorsContents ck = read_safetensors(tmp / "after.safetensors");
  for (const char* name : {"__optim__.m", "__optim__.v"}) {
    const TensorRecord* rec = ck.find(name);
    REQUIRE(rec != nullptr);
    std::vector<float> state(rec->data.size() / 4);
    std::memcpy(state.data(), rec->data.data(), rec->data.size());
    long nonzero_moments = 0;
    for (std::size_t i = 0; i < w->masks.size(); ++i)
      nonzero_moments += w->masks[i] == 0.0f && state[i] != 0.0f;
    CHECK(nonzero_moments == 0);
  }
}

TEST_CASE("checkpoint save then load through commands resumes bit-identically") {
  ExperimentConfig c = small_config(R"(, "regularization": {"dropout": 0.2})");
  c.model.layers.insert(c.model.layers.begin() + 2, LayerSpec{});
  c.model.layers[2].kind = LayerKind::dropout;
  c.model.layers[2].rate = 0.2;
  c.model.layers[2].name = "drop1";
  TempDir tmp;
  const std::string ck = (tmp / "half.safetensors").string();
  Trainer full(make_run(c));
  full.submit(cmd::Step{150});
  run_to_settled(full);
  cmd::Save save;
  save.path = ck;
  full.submit(save);
  full.submit(cmd::Step{150});
  run_to_settled(full);

  {
    // The checkpoint keeps the outlier detector's history, so the resumed run is guarded as
    // the full one is, not as a new line whose floor is the trained run's low level.
    auto r = make_run(c);
    load_checkpoint(*r, ck);
    const auto monitor = nlohmann::json::parse(r->monitor_state());
    CHECK(monitor["spike"]["seen"].get<int>() == 150);
    CHECK(monitor["spike"]["line_seen"].get<int>() == 50);
  }
  Trainer resumed(make_run(c));
  cmd::Load load;
  load.path = ck;
  resumed.submit(load);
  resumed.submit(cmd::Step{150});
  run_to_settled(resumed);
  if (resumed.step() != 300) {
    for (const auto& e : all_events(full))
      MESSAGE("full " << e.step << " " << e.kind << " " << e.detail);
    for (const auto& e : all_events(resumed))
      MESSAGE("resumed " << e.step << " " << e.kind << " " << e.detail);
  }
  REQUIRE(resumed.step() == 300);
  auto tail = [](const ScalarSeries& s) {
    std::vector<SeriesPoint> out;
    for (auto p : points(s))
      if (p.step > 150) out.push_back(p);
    return out;
  };
  const auto a = tail(full.metrics()->loss), b = tail(resumed.metrics()->loss);
  REQUIRE(a.size() == 150);
  REQUIRE(b.size() == 150);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].value == b[i].value);
  CHECK(full.weights()->values == resumed.weights()->values);
  // A checkpoint of another model is refused with a reason, and the trainer goes on.
  ExperimentConfig other = small_config();
  other.model.layers[0].units = 8;
  Trainer o(make_run(other));
  const uint64_t id = o.submit(load);
  run_to_settled(o);
  bool rejected = false;
  for (const auto& e : all_events(o))
    if (e.command == id)
      rejected =
          e.kind == EventKind::rejected && e.detail.find("another model") != std::string::npos;
  CHECK(rejected);
}

TEST_CASE("divergence pauses within one step, keeps finite weights and offers a rewind") {
  ExperimentConfig c = small_config(R"(, "script": [{"at": 120, "do": "set", "lr": 1e6}])");
  c.optimizer.kind = OptimizerKind::sgd;
  Trainer t(make_run(c));
  t.submit(cmd::Start{});
  run_to_settled(t);
  const auto st = t.status();
  CHECK(st->state == TrainerState::paused);
  CHECK(t.step() >= 120);
  CHECK(t.step() < 300);
  CHECK(st->problem.find("diverged") != std::string::npos);
  REQUIRE(st->rewind_to.has_value());
  CHECK(*st->rewind_to <= t.step());
  for (float v : t.weights()->values) REQUIRE(std::isfinite(v));
  bool divergence = false;
  for (const auto& e : all_events(t)) divergence |= e.kind == EventKind::divergence;
  CHECK(divergence);
  // Rewind to the offered step.
  cmd::Rewind r;
  r.target = RewindTarget::step;
  r.step = *st->rewind_to;
  t.submit(r);
  run_to_settled(t);
  CHECK(t.step() == *st->rewind_to);
  CHECK(t.metrics()->loss.last()->step == *st->rewind_to);
  CHECK(t.metrics()->generation == 1);
}

TEST_CASE("rewinding to initialization keeping the masks gives a lottery-ticket start") {
  ExperimentConfig c = small_config();
  Trainer t(make_run(c));
  t.submit(cmd::Step{100});
  run_to_settled(t);
  cmd::Prune p;
  p.request.amount = 0.8;
  p.request.global = true;
  t.submit(p);
  cmd::Rewind r;
  r.target = RewindTarget::initialization;
  r.keep_masks = true;
  t.submit(r);
  run_to_settled(t);
  const auto w = t.weights();
  CHECK(w->step == 0);
  long pruned = 0;
  for (std::size_t i = 0; i < w->values.size(); ++i) {
    if (w->masks[i] == 0.0f) {
      ++pruned;
      CHECK(w->values[i] == 0.0f);
    } else {
      CHECK(w->values[i] == w->initial[i]);
    }
  }
  CHECK(pruned > 0);
  CHECK(t.metrics()->loss.size() == 0);
}
