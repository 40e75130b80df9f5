// Scripted commands of a config: checked when it is read, applied at their steps, again after
// a reset or a rewind to the start.
#include "core/experiment/experiment_json.h"
#include "core/io/csv_writer.h"
#include "core/io/safetensors.h"
#include "core/run/checkpoint.h"
#include "core/train/trainer.h"
#include "tests/temp_dir.h"
#include "tests/trainer_fixtures.h"

#include <doctest/doctest.h>
#include <Eigen/SVD>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace ts;
using namespace ts::testing;
using namespace std::chrono_literals;

TEST_CASE("scripted commands are checked when the config is read") {
  CHECK_THROWS_WITH_AS(small_config(R"(, "script": [{"at": 5, "do": "explode"}])"),
                       doctest::Contains("script[0].do: must be one of"), Error);
  CHECK_THROWS_WITH_AS(small_config(R"(, "script": [{"do": "pause"}])"),
                       doctest::Contains("script[0]: a scripted command needs \"at\""), Error);
  CHECK_THROWS_WITH_AS(small_config(R"(, "script": [{"at": 5, "do": "prune", "amount": 2}])"),
                       doctest::Contains("script[0].amount: must be in [0, 1]"), Error);
  CHECK_THROWS_WITH_AS(
      small_config(R"(, "script": [{"at": 5, "do": "set", "lr": 0.1, "momentum": 0.5}])"),
      doctest::Contains("takes exactly one of"), Error);
  CHECK_THROWS_WITH_AS(
      small_config(R"(, "script": [{"at": 5, "do": "prune", "layers": ["fc1"], "units": [1, -2],
                                     "criterion": "unit_l2"}])"),
      doctest::Contains("script[0].units: must be a list of unit numbers"), Error);
  CHECK_THROWS_WITH_AS(
      small_config(R"(, "script": [{"at": 5, "do": "prune", "layers": ["fc1"], "units": [1]}])"),
      doctest::Contains("script[0].units: needs \"criterion\": \"unit_l2\""), Error);
  CHECK_THROWS_WITH_AS(
      small_config(R"(, "script": [{"at": 5, "do": "prune", "layers": ["fc1"], "units": [],
                                     "criterion": "unit_l2"}])"),
      doctest::Contains("script[0].units: must list at least one unit"), Error);
  CHECK_THROWS_WITH_AS(
      small_config(R"(, "script": [{"at": 5, "do": "prune", "layers": ["fc1"], "units": [2],
                                     "criterion": "unit_l2", "amount": 0.3}])"),
      doctest::Contains("do not go with it"), Error);
  const auto c =
      small_config(R"(, "script": [{"at": 9, "do": "pause"}, {"at": 3, "do": "set", "lr": 0.5},
    {"at": 4, "do": "prune", "layers": ["fc1"], "units": [3, 1], "criterion": "unit_l2"}])");
  REQUIRE(c.script.size() == 3);
  REQUIRE(std::holds_alternative<cmd::Prune>(c.script[1].command));
  CHECK(std::get<cmd::Prune>(c.script[1].command).request.units == std::vector<long>{3, 1});
  CHECK(c.script[0].at == 3);  // sorted by step
  const auto back = parse_experiment(to_json(c), "round trip");
  CHECK(to_json(back) == to_json(c));
}

TEST_CASE("scripted commands at step 0 apply again after a reset or a rewind to the start") {
  ExperimentConfig c = small_config(
      R"(, "script": [{"at": 0, "do": "set", "lr": 0.02}, {"at": 3, "do": "set", "lr": 0.03}])");
  Trainer t(make_run(c));
  t.submit(cmd::Step{5});
  run_to_settled(t);
  auto lrs = [&] {
    std::vector<float> out;
    for (const auto& p : points(t.metrics()->lr)) out.push_back(p.value);
    return out;
  };
  const std::vector<float> want{0.02f, 0.02f, 0.02f, 0.03f, 0.03f};
  CHECK(lrs() == want);
  t.submit(cmd::Reset{});  // and straight on, in the same batch
  t.submit(cmd::Step{5});
  run_to_settled(t);
  CHECK(lrs() == want);
  cmd::Rewind r;
  r.target = RewindTarget::initialization;
  t.submit(r);
  t.submit(cmd::Step{5});
  run_to_settled(t);
  CHECK(lrs() == want);
  // Each scripted command was applied once per pass over its step, never twice.
  int scripted = 0;
  for (const auto& e : all_events(t)) scripted += e.command == 0 && e.kind == EventKind::set;
  CHECK(scripted == 6);
}
