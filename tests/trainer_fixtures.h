// What the trainer's test files share: a small experiment on a synthetic set, a Run of it,
// and short ways to read a trainer's series and events and to step it.
#pragma once

#include "core/data/synthetic.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/train/trainer.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace ts::testing {

// The most worker threads a trainer test may give a run: one under the thread sanitizer,
// which cannot see the join at the end of a parallel step in Debian's uninstrumented oneTBB
// and reports its workers' reads of the caller's stack as races (Makefile, test-tsan). There
// the tests check the trainer's own protocol between threads; the normal build covers the
// 2-worker steps.
#if defined(__SANITIZE_THREAD__)
inline constexpr unsigned kMaxTestThreads = 1;
#else
inline constexpr unsigned kMaxTestThreads = 2;
#endif

inline ExperimentConfig small_config(const std::string& extra = "") {
  const std::string text = R"({
    "name": "trainer test",
    "data": {"dataset": "blobs", "classes": 3, "dim": 8, "train_size": 600, "validation_size": 100, "test_size": 200},
    "model": {"layers": [
      {"type": "dense", "units": 32, "activation": "tanh"},
      {"type": "dense", "units": 16, "activation": "relu"},
      {"type": "dense", "units": 3}]},
    "optimizer": {"type": "adam"},
    "schedule": {"type": "constant", "lr": 0.01},
    "training": {"batch_size": 32, "steps": 300, "seed": 5, "shards": 2, "eval_interval": 50},
    "monitor": {"stats_interval": 10, "probe_samples": 64, "keyframe_interval": 50})" +
                           extra + "}";
  return parse_experiment_text(text, "trainer-test.json");
}

inline std::unique_ptr<Run> make_run(const ExperimentConfig& c) {
  auto data = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
  return std::make_unique<Run>(c, data);
}

inline std::vector<SeriesPoint> points(const ScalarSeries& s) {
  std::vector<SeriesPoint> out;
  s.copy_new(out);
  return out;
}

// The same steps and bit-identical values.
inline bool same_points(const std::vector<SeriesPoint>& x, const std::vector<SeriesPoint>& y) {
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i].step != y[i].step || std::memcmp(&x[i].value, &y[i].value, sizeof(float)) != 0)
      return false;
  return true;
}

inline bool same_points(const ScalarSeries& a, const ScalarSeries& b) {
  return same_points(points(a), points(b));
}

inline std::vector<Event> all_events(const Trainer& t) {
  std::vector<Event> out;
  t.events().copy_new(out);
  return out;
}

inline void run_to_settled(Trainer& t) { REQUIRE(t.wait_settled(std::chrono::seconds(60))); }

}  // namespace ts::testing
