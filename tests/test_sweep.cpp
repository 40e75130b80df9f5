// Sweeps (core/experiment/sweep.h): the grid's combinations in order, random draws that are
// seeded and within their ranges, and every bad input refused by its key before anything runs.
#include "core/error.h"
#include "core/experiment/experiment_json.h"
#include "core/experiment/sweep.h"
#include "trainer_fixtures.h"

#include <doctest/doctest.h>

#include <cmath>
#include <set>

using namespace ts;
using namespace ts::testing;

namespace {

Sweep sweep_of(const std::string& text) {
  const nlohmann::json base =
      to_json(small_config(R"(, "optimizer": {"type": "momentum", "momentum": 0.9})"));
  return parse_sweep(nlohmann::json::parse(text), "s.json", [&](const std::string& name) {
    if (name != "small") throw Error("s.json: base: no \"" + name + "\"");
    return StudyBase{base, "small.json"};
  });
}

}  // namespace

TEST_CASE("a sweep's grid is every combination, the last key fastest, each a parsed config") {
  const Sweep s = sweep_of(R"({"name": "g", "base": "small", "set": {"training.steps": 7},
    "grid": {"schedule.lr": [0.01, 0.1, 1.0], "training.batch_size": [16, 64]}})");
  REQUIRE(s.runs.size() == 6);
  CHECK(s.runs[0].name == "run-0000");
  CHECK(s.runs[5].name == "run-0005");
  CHECK(s.runs[1].values == nlohmann::json{{"schedule.lr", 0.01}, {"training.batch_size", 64}});
  CHECK(s.runs[4].values == nlohmann::json{{"schedule.lr", 1.0}, {"training.batch_size", 16}});
  const ExperimentConfig c = parse_experiment(s.runs[4].config, "run-0004");
  CHECK(c.schedule.base_lr == 1.0);
  CHECK(c.training.batch_size == 16);
  CHECK(c.training.steps == 7);  // the fixed "set"
  CHECK(c.name == "g run-0004");
  const nlohmann::json m = sweep_manifest(s);
  CHECK(m["runs"].size() == 6);
  CHECK(m["runs"][3]["values"]["schedule.lr"] == 0.1);
  CHECK(m["sweep"]["name"] == "g");
}

TEST_CASE("random draws are seeded, within their ranges, and switch an optimizer's type cleanly") {
  const std::string text = R"({"name": "r", "base": "small", "random": {"count": 200, "seed": 9,
    "params": {"schedule.lr": {"log_uniform": [1e-4, 1]}, "regularization.weight_decay": {"uniform": [0, 0.5]},
               "optimizer.type": {"choice": ["sgd", "adam"]}}}})";
  const Sweep a = sweep_of(text), b = sweep_of(text);
  REQUIRE(a.runs.size() == 200);
  std::set<std::string> kinds;
  int below = 0;  // draws under 0.01: a fifth of a log-uniform over four decades
  for (std::size_t i = 0; i < a.runs.size(); ++i) {
    CHECK(a.runs[i].values == b.runs[i].values);  // the same seed, the same draws
    const double lr = a.runs[i].values["schedule.lr"].get<double>();
    CHECK(lr >= 1e-4);
    CHECK(lr <= 1.0);
    below += lr < 1e-2;
    const double d = a.runs[i].values["regularization.weight_decay"].get<double>();
    CHECK(d >= 0);
    CHECK(d <= 0.5);
    kinds.insert(a.runs[i].values["optimizer.type"].get<std::string>());
  }
  CHECK(kinds == std::set<std::string>{"adam", "sgd"});
  CHECK(below > 70);  // 100 expected of 200; uniform draws of lr would give 2
  CHECK(below < 130);
  // The base's momentum does not follow a switch to adam; the schedule keeps its keys.
  for (const SweepRun& r : a.runs)
    if (r.values["optimizer.type"] == "adam") {
      CHECK_FALSE(r.config["optimizer"].contains("momentum"));
      const ExperimentConfig c = parse_experiment(r.config, r.name);
      CHECK(c.optimizer.kind == OptimizerKind::adam);
      CHECK(c.schedule.base_lr == doctest::Approx(r.values["schedule.lr"].get<double>()));
      break;
    }
  // Another seed, other draws.
  std::string other = text;
  other.replace(other.find("\"seed\": 9"), 9, "\"seed\": 8");
  CHECK(sweep_of(other).runs[0].values != a.runs[0].values);
}

TEST_CASE("a bad sweep is refused by its key before any run exists") {
  CHECK_THROWS_WITH_AS(sweep_of(R"({"name": "x", "base": "small", "grid": {"schedule.lr": []}})"),
                       doctest::Contains("s.json.grid.schedule.lr: an empty list of values"),
                       Error);
  CHECK_THROWS_WITH_AS(
      sweep_of(R"({"name": "x", "base": "small", "random": {"count": 2, "params":
        {"schedule.lr": {"log_uniform": [1, 0.1]}}}})"),
      doctest::Contains("random.params.schedule.lr.log_uniform: low 1 is above high 0.1"), Error);
  CHECK_THROWS_WITH_AS(sweep_of(R"({"name": "x", "base": "small", "random": {"count": 2, "params":
        {"schedule.lr": {"log_uniform": [0, 1]}}}})"),
                       doctest::Contains("low must be > 0 for a log scale"), Error);
  CHECK_THROWS_WITH_AS(
      sweep_of(R"({"name": "x", "base": "small", "grid": {"schedule.lrr": [0.1]}})"),
      doctest::Contains("schedule.lrr"), Error);
  CHECK_THROWS_WITH_AS(
      sweep_of(R"({"name": "x", "base": "small", "grids": {"schedule.lr": [0.1]}})"),
      doctest::Contains("grids"), Error);
  CHECK_THROWS_WITH_AS(sweep_of(R"({"name": "x", "base": "small"})"),
                       doctest::Contains("a sweep needs a grid or random draws"), Error);
  CHECK_THROWS_WITH_AS(sweep_of(R"({"name": "x", "base": "small", "random": {"count": 2, "params":
        {"schedule.lr": {"normal": [0, 1]}}}})"),
                       doctest::Contains("unknown kind \"normal\""), Error);
  CHECK_THROWS_WITH_AS(sweep_of(R"({"name": "x", "base": "nope", "grid": {"schedule.lr": [1]}})"),
                       doctest::Contains("base: no \"nope\""), Error);
  CHECK_THROWS_WITH_AS(
      sweep_of(R"({"name": "x", "base": "small", "grid": {"training.batch_size": [0]}})"),
      doctest::Contains("batch_size"), Error);
}
