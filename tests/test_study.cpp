// Studies and forks (core/experiment/study.h, core/experiment/config_changes.h): what a fork
// may change and the commands it applies, the phrase of what differs, and a study's checks.
#include "core/error.h"
#include "core/experiment/config_changes.h"
#include "core/experiment/config_overrides.h"
#include "core/experiment/study.h"
#include "error_of.h"
#include "trainer_fixtures.h"

#include <doctest/doctest.h>

using namespace ts;
using ts::testing::error_of;
using ts::testing::small_config;

namespace {

ExperimentConfig changed(const std::vector<std::string>& sets) {
  return experiment_with_overrides(to_json(small_config()), sets, "trainer-test.json");
}

Study study(const std::string& text) {
  const auto load = [](const std::string& base) {
    if (base != "small") throw Error("no base \"" + base + "\"");
    return StudyBase{to_json(small_config()), "small.json"};
  };
  return parse_study(nlohmann::json::parse(text), "s.json", load);
}

}  // namespace

TEST_CASE("fork: the live settings become commands, in order, and the plan is no change") {
  const ExperimentConfig from = small_config();
  const ExperimentConfig to =
      changed({"schedule.lr=0.001", "training.batch_size=16", "training.frozen=[\"fc1\"]",
               "training.steps=500", "regularization.weight_decay=0.001"});
  const auto cs = fork_commands(from, to);
  REQUIRE(cs.size() == 4);
  REQUIRE(std::holds_alternative<cmd::SetSchedule>(cs[0]));
  CHECK(std::get<cmd::SetSchedule>(cs[0]).schedule.base_lr == 0.001);
  REQUIRE(std::holds_alternative<cmd::SetOptimizer>(cs[1]));
  CHECK(std::get<cmd::SetOptimizer>(cs[1]).optimizer.weight_decay == 0.001);
  CHECK(std::get<cmd::SetOptimizer>(cs[1]).optimizer.kind == OptimizerKind::adam);
  REQUIRE(std::holds_alternative<cmd::Set>(cs[2]));
  CHECK(std::get<cmd::Set>(cs[2]).setting == Setting::batch_size);
  CHECK(std::get<cmd::Set>(cs[2]).value == 16);
  REQUIRE(std::holds_alternative<cmd::Freeze>(cs[3]));
  CHECK(std::get<cmd::Freeze>(cs[3]).layer == "fc1");
  // The plan alone: nothing to apply; take_plan carries it.
  const ExperimentConfig longer = changed({"training.steps=900", "training.eval_interval=25"});
  CHECK(fork_commands(from, longer).empty());
  ExperimentConfig state = from;
  take_plan(state, longer);
  CHECK(state.training.steps == 900);
  CHECK(state.training.eval_interval == 25);
  CHECK(to_json(state) == to_json(longer));
  // And back: unfreezing.
  const auto back = fork_commands(changed({"training.frozen=[\"fc2\"]"}), from);
  REQUIRE(back.size() == 1);
  CHECK(std::get<cmd::Unfreeze>(back[0]).layer == "fc2");
}

TEST_CASE("fork: what would be another experiment is refused by its path") {
  const ExperimentConfig from = small_config();
  CHECK(error_of([&] {
          fork_commands(from, changed({"model.layers.fc1.units=40"}));
        }).find("model.layers.fc1.units cannot change in a fork (32 -> 40)") == 0);
  CHECK(error_of([&] {
          fork_commands(from, changed({"training.seed=6"}));
        }).find("training.seed cannot change in a fork (5 -> 6)") == 0);
  CHECK(error_of([&] {
          fork_commands(from, changed({"loss=mse"}));
        }).find("loss cannot change in a fork") == 0);
}

TEST_CASE("config difference: the changed keys as dotted paths, base's value first") {
  const ExperimentConfig from = small_config();
  CHECK(config_difference(from, from).empty());
  CHECK(config_difference(from, changed({"schedule.lr=0.001", "training.batch_size=16"})) ==
        "schedule.lr 0.01 -> 0.001, training.batch_size 32 -> 16");
  // A drawn rate in four figures, or as many as tell two apart.
  CHECK(config_difference(from, changed({"schedule.lr=0.14774117175830156"})) ==
        "schedule.lr 0.01 -> 0.1477");
  CHECK(config_difference(changed({"schedule.lr=0.14771000000000001"}),
                          changed({"schedule.lr=0.14774117175830156"})) ==
        "schedule.lr 0.14771 -> 0.14774");
  // A layer by its name; the threads and the name are not a difference.
  CHECK(config_difference(from, changed({"model.layers.fc2.units=8", "training.threads=2",
                                         "name=\"other\""})) == "model.layers.fc2.units 16 -> 8");
  // Another type of optimizer: its type, not each key it lacks or adds beside it.
  CHECK(config_difference(from, changed({"optimizer={\"type\": \"momentum\"}"})) ==
        "optimizer adam -> momentum");
  CHECK(config_difference(from, changed({"optimizer={\"type\": \"sgd\", \"weight_decay\": 0.1}",
                                         "schedule.lr=0.1"})) ==
        "optimizer adam -> sgd, optimizer.weight_decay 0.0 -> 0.1, schedule.lr 0.01 -> 0.1");
  // One change to several layers is one item; one layer keeps its name.
  const ExperimentConfig both_tanh = changed({"model.layers.act2.function=tanh"});
  CHECK(config_difference(both_tanh, changed({"model.layers.act1.function=relu",
                                              "model.layers.act2.function=relu"})) ==
        "model.layers.*.function tanh -> relu (2 layers)");
  CHECK(config_difference(from, changed({"model.layers.act1.function=sigmoid"})) ==
        "model.layers.act1.function tanh -> sigmoid");
  // The cap.
  const std::string many =
      config_difference(from,
                        changed({"schedule.lr=0.2", "training.batch_size=8", "training.seed=9",
                                 "training.steps=10", "loss=mse"}),
                        3);
  CHECK(many.find(", and ") != std::string::npos);
  CHECK(many.rfind("more") == many.size() - 4);
}

TEST_CASE("study: runs from one base, forks of earlier runs with their commands") {
  const Study s = study(R"({"name": "t", "base": "small", "set": {"training.steps": 120},
    "runs": [{"name": "adam"},
             {"name": "sgd", "set": {"optimizer": {"type": "sgd"}, "schedule.lr": 0.1}},
             {"name": "adam-slow", "fork": {"from": "adam", "at": 60},
              "set": {"schedule": {"type": "constant", "lr": 0.001}}}]})");
  REQUIRE(s.runs.size() == 3);
  CHECK(s.runs[0].config.training.steps == 120);
  CHECK(s.runs[0].config.name == "adam");
  CHECK(s.runs[1].config.optimizer.kind == OptimizerKind::sgd);
  CHECK(s.runs[1].config.training.seed == s.runs[0].config.training.seed);
  CHECK(s.runs[1].difference == "optimizer adam -> sgd, schedule.lr 0.01 -> 0.1");
  REQUIRE(s.runs[2].fork);
  CHECK(s.runs[2].fork->parent == 0);
  CHECK(s.runs[2].fork->at == 60);
  REQUIRE(s.runs[2].commands.size() == 1);
  CHECK(std::get<cmd::SetSchedule>(s.runs[2].commands[0]).schedule.base_lr == 0.001);
  CHECK(s.runs[2].difference == "schedule.lr 0.01 -> 0.001");
  // A transfer names its source and layers; another base is the run's own.
  const Study t = study(R"({"name": "t", "base": "small", "runs": [{"name": "a"},
    {"name": "b", "base": "small", "init_from": {"run": "a", "layers": ["fc1"]},
     "set": {"training.frozen": ["fc1"]}}]})");
  REQUIRE(t.runs[1].init_from);
  CHECK(t.runs[1].init_from->run == 0);
  CHECK(t.runs[1].init_from->layers == std::vector<std::string>{"fc1"});
  CHECK(t.runs[1].config.training.frozen == std::vector<std::string>{"fc1"});
}

TEST_CASE("study: each mistake named by its place") {
  const auto bad = [](const std::string& runs) {
    return error_of([&] { study(R"({"name": "t", "base": "small", "runs": )" + runs + "}"); });
  };
  CHECK(bad(R"([])").find("s.json.runs: must be a non-empty list") == 0);
  CHECK(bad(R"([{"name": "a/b"}])").find("s.json.runs[0].name: must be a short name") == 0);
  CHECK(bad(R"([{"name": "a"}, {"name": "a"}])").find("s.json.runs[1].name: is taken") == 0);
  CHECK(bad(R"([{"name": "a", "fork": {"from": "b", "at": 3}}])")
            .find("s.json.runs[0].fork.from: must name an earlier run") == 0);
  CHECK(bad(R"([{"name": "a"}, {"name": "b", "fork": {"from": "a", "at": 3},
                 "set": {"model.layers.fc1.units": 8}}])")
            .find("s.json.runs[1]: model.layers.fc1.units cannot change in a fork") == 0);
  // A wrong value is the config's own error, naming the run.
  const std::string wrong = bad(R"([{"name": "a", "set": {"optimizer.type": "sgdx"}}])");
  CHECK(wrong.find("small.json in s.json.runs[0]") == 0);
  CHECK(wrong.find("optimizer.type") != std::string::npos);
  CHECK(bad(R"([{"name": "a", "set": {"model.layers.fc9.units": 8}}])")
            .find("s.json.runs[0].set.model.layers.fc9.units: model.layers has no element") == 0);
  CHECK(bad(R"([{"name": "a", "sett": {}}])").find("s.json.runs[0].sett: unknown key") == 0);
  CHECK(bad(R"([{"name": "a", "init_from": {"run": "z"}}])")
            .find("s.json.runs[0].init_from.run: must name an earlier run") == 0);
  CHECK(bad(R"([{"name": "a"}, {"name": "b", "fork": {"from": "a", "at": 1},
                 "init_from": {"run": "a"}}])")
            .find("s.json.runs[1].init_from: does not go with \"fork\"") == 0);
  CHECK(error_of([] { study(R"({"name": "t", "base": "big", "runs": [{"name": "a"}]})"); }) ==
        "no base \"big\"");
}
