// Gradual magnitude pruning (Zhu & Gupta 2017): the cubic schedule against its closed form,
// per layer and global, at every pruning step of a real run; the masks and the optimizer
// state exact through each one; and the configuration's errors.
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/prune/gradual_pruning.h"
#include "core/run/run.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace ts;

namespace {

// s_t written out: s_f + (s_i - s_f)(1 - (t - t0) / (n dt))^3.
double closed_form(double si, double sf, int64_t t0, int64_t span, int64_t t) {
  return sf + (si - sf) * std::pow(1.0 - double(t - t0) / double(span), 3.0);
}

ExperimentConfig pruned_config(const std::string& pruning) {
  return parse_experiment_text(R"({
    "data": {"dataset": "blobs", "classes": 3, "dim": 12, "train_size": 600, "validation_size": 60, "test_size": 60},
    "model": {"layers": [{"type": "dense", "units": 40, "activation": "relu"},
                         {"type": "dense", "units": 24, "activation": "relu"}, {"type": "dense", "units": 3}]},
    "optimizer": {"type": "adam"},
    "schedule": {"type": "constant", "lr": 0.01},
    "training": {"batch_size": 32, "steps": 80, "seed": 4},
    "pruning": )" + pruning + "}",
                               "gradual.json");
}

std::size_t masked(const Run& run, const std::string& layer) {
  const auto& p = run.network().params();
  const auto m = p.masks(std::size_t(p.find(layer + ".weight")));
  std::size_t n = 0;
  for (float v : m) n += v == 0.0f;
  return n;
}

std::size_t size_of(const Run& run, const std::string& layer) {
  const auto& p = run.network().params();
  return p.info(std::size_t(p.find(layer + ".weight"))).size;
}

}  // namespace

TEST_CASE("the planned sparsity is the cubic schedule, held between pruning steps") {
  GradualPruning g;
  g.initial_sparsity = 0.1;
  g.final_sparsity = 0.85;
  g.begin_step = 100;
  g.end_step = 600;
  g.frequency = 50;
  for (int64_t t = 0; t < 800; ++t) {
    CAPTURE(t);
    const auto s = planned_sparsity(g, t);
    if (t < 100) {
      CHECK_FALSE(s.has_value());
      continue;
    }
    REQUIRE(s.has_value());
    const int64_t last = std::min<int64_t>(600, 100 + (t - 100) / 50 * 50);
    CHECK(*s == doctest::Approx(closed_form(0.1, 0.85, 100, 500, last)).epsilon(1e-12));
    CHECK(is_pruning_step(g, t) == (t >= 100 && t <= 600 && (t - 100) % 50 == 0));
  }
  CHECK(*planned_sparsity(g, 100) == doctest::Approx(0.1));
  CHECK(*planned_sparsity(g, 600) == doctest::Approx(0.85));
  CHECK(*planned_sparsity(g, 350) == doctest::Approx(0.85 - 0.75 * 0.125));  // half way: (1/2)^3
  std::vector<double> out(3);
  planned_sparsities(g, 98, out);
  CHECK(std::isnan(out[0]));
  CHECK(out[2] == doctest::Approx(0.1));

  const auto refused = [](GradualPruning bad, const char* needle) {
    CHECK_THROWS_WITH_AS(validate(bad, "pruning"), doctest::Contains(needle), Error);
  };
  GradualPruning bad = g;
  bad.end_step = 620;
  refused(bad,
          "pruning.end_step: end_step - begin_step (520) must be a whole number of frequency (50) "
          "steps");
  bad = g;
  bad.final_sparsity = 1.0;
  refused(bad, "pruning.final_sparsity: must be in [initial_sparsity 0.1, 1)");
  bad = g;
  bad.frequency = 0;
  refused(bad, "pruning.frequency: must be >= 1");
  bad = g;
  bad.end_step = 100;
  refused(bad, "pruning.end_step: must be after begin_step 100");
}

TEST_CASE(
    "gradual pruning reaches the cubic schedule's sparsity at every pruning step, masks and state "
    "exact") {
  for (bool global : {false, true}) {
    CAPTURE(global);
    const ExperimentConfig c =
        pruned_config(std::string(R"({"initial_sparsity": 0.1, "final_sparsity": 0.8,
        "begin_step": 10, "end_step": 60, "frequency": 10, "layers": ["fc1", "fc2"], "global": )") +
                      (global ? "true" : "false") + "}");
    REQUIRE(c.pruning);
    auto data = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
    Run run(c, data);
    const std::size_t n1 = size_of(run, "fc1"), n2 = size_of(run, "fc2");
    int prunings = 0;
    while (run.steps_done() < 80) {
      const int64_t t = run.steps_done();
      const auto& p = run.network().params();
      const std::vector<float> before(p.values().begin(), p.values().end());
      const std::size_t had1 = masked(run, "fc1"), had2 = masked(run, "fc2");
      const auto result = run.apply_scheduled_pruning();
      const std::size_t now1 = masked(run, "fc1"), now2 = masked(run, "fc2");
      if (t >= 10 && t <= 60 && t % 10 == 0) {
        CAPTURE(t);
        ++prunings;
        const double s = closed_form(0.1, 0.8, 10, 50, t);
        if (!global) {
          CHECK(now1 == std::size_t(std::llround(s * double(n1))));
          CHECK(now2 == std::size_t(std::llround(s * double(n2))));
        } else {
          CHECK(now1 + now2 == std::size_t(std::llround(s * double(n1 + n2))));
        }
        CHECK(run.sparsity() == doctest::Approx(double(now1 + now2) / double(n1 + n2)));
        CHECK(result.has_value() == (now1 + now2 > had1 + had2));
        // Exact: every masked weight and its Adam moments are zero; what stays is untouched.
        auto& state = const_cast<Optimizer&>(run.optimizer());
        const auto buffers = state.state_buffers();
        int moved = 0, stray = 0;
        for (std::size_t i = 0; i < before.size(); ++i) {
          if (p.masks()[i] == 0.0f) {
            stray += p.values()[i] != 0.0f;
            for (const auto& [name, buf] : buffers) stray += (*buf)[i] != 0.0f;
          } else {
            moved += p.values()[i] != before[i];
          }
        }
        CHECK(stray == 0);
        CHECK(moved == 0);
      } else {
        CHECK(now1 == had1);
        CHECK(now2 == had2);
        CHECK_FALSE(result.has_value());
      }
      // The masks hold through the training step too.
      const StepReport r = run.train_step();
      CHECK(r.sparsity == doctest::Approx(run.sparsity()));
      for (std::size_t i = 0; i < p.values().size(); ++i)
        if (p.masks()[i] == 0.0f) REQUIRE(p.values()[i] == 0.0f);
    }
    CHECK(prunings == 6);
    CHECK(run.sparsity() == doctest::Approx(0.8).epsilon(0.01));
    CHECK(masked(run, "fc3") == 0);  // not in the schedule
  }
}

TEST_CASE("a gradual-pruning config names its errors and survives a round trip") {
  const ExperimentConfig c =
      pruned_config(R"({"final_sparsity": 0.5, "end_step": 40, "frequency": 20})");
  REQUIRE(c.pruning);
  CHECK(c.pruning->layers.empty());  // every layer with weights
  CHECK(parse_experiment(to_json(c), "again").pruning == c.pruning);
  CHECK_THROWS_WITH_AS(pruned_config(R"({"final_sparsity": 0.5})"),
                       doctest::Contains("pruning.end_step: missing"), Error);
  CHECK_THROWS_WITH_AS(
      pruned_config(R"({"end_step": 40, "layers": ["act1"]})"),
      doctest::Contains("pruning.layers: no dense or conv2d layer of the model is named \"act1\""),
      Error);
  CHECK_THROWS_WITH_AS(pruned_config(R"({"end_step": 40, "every": 5})"),
                       doctest::Contains("pruning.every"), Error);
}
