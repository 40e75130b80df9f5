#include <doctest/doctest.h>

#include "core/error.h"
#include "core/experiment/config_overrides.h"

#include <string>

namespace {

nlohmann::json base() {
  return nlohmann::json::parse(R"({
    "name": "base", "data": {"dataset": "blobs", "classes": 3, "dim": 4, "train_size": 60},
    "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu", "name": "hidden"},
                         {"type": "dense", "units": 3}]},
    "optimizer": {"type": "momentum", "momentum": 0.9},
    "schedule": {"type": "constant", "lr": 0.1},
    "training": {"batch_size": 10, "steps": 5}})");
}

std::string error_of(const std::vector<std::string>& sets) {
  try {
    ts::experiment_with_overrides(base(), sets, "base.json");
  } catch (const ts::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("--set changes dotted paths of the config before it is read") {
  const ts::ExperimentConfig c = ts::experiment_with_overrides(
      base(),
      {"optimizer={\"type\":\"adam\"}", "schedule.lr=0.001", "model.layers.0.units=5",
       "model.layers.hidden.activation=tanh", "training.seed=7", "name=two words"},
      "base.json");
  CHECK(c.optimizer.kind == ts::OptimizerKind::adam);
  CHECK(c.schedule.base_lr == doctest::Approx(0.001));
  CHECK(c.model.layers[0].units == 5);
  bool tanh = false;  // a dense layer's activation becomes a layer of its own
  for (const auto& l : c.model.layers)
    tanh |= l.kind == ts::LayerKind::activation && l.activation == ts::ActivationKind::tanh;
  CHECK(tanh);
  CHECK(c.training.seed == 7);
  CHECK(c.name == "two words");
  // A key the config did not have is added; null removes one (back to its default).
  const auto more = ts::experiment_with_overrides(
      base(), {"regularization.weight_decay=0.01", "optimizer.momentum=null"}, "base.json");
  CHECK(more.optimizer.weight_decay == doctest::Approx(0.01));
  CHECK(more.optimizer.momentum ==
        doctest::Approx(ts::default_optimizer_settings(ts::OptimizerKind::momentum).momentum));
}

TEST_CASE("--set errors name the assignment and the config's own key") {
  // The file's own errors, naming the source and the --set.
  CHECK(error_of({"schedule.lr=abc"}) ==
        "base.json with --set schedule.lr=abc: schedule.lr: must be a number, got \"abc\"");
  CHECK(error_of({"optimizer.typo=1"}).find("optimizer.typo: unknown key") != std::string::npos);
  CHECK(error_of({"training.batch_size=0", "schedule.lr=0.1"})
            .rfind("base.json with --set training.batch_size=0, --set schedule.lr=0.1: "
                   "training.batch_size",
                   0) == 0);
  // The path itself.
  CHECK(error_of({"lr"}) == "--set lr: expected KEY=VALUE (e.g. schedule.lr=0.001)");
  CHECK(error_of({"schedule.lr="}).find("no value after '='") != std::string::npos);
  CHECK(error_of({"schedule..lr=1"}).find("has an empty part") != std::string::npos);
  CHECK(error_of({"schedule.lr.x=1"}) ==
        "--set schedule.lr.x=1: schedule.lr is a number, not an object with a key \"x\"");
  CHECK(error_of({"model.layers.7.units=1"}) ==
        "--set model.layers.7.units=1: model.layers has 2 elements; index 7 is past its end");
  CHECK(error_of({"model.layers.fc9.units=1"}) ==
        "--set model.layers.fc9.units=1: model.layers has no element named \"fc9\"");
}
