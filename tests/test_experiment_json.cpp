// Tests of core/experiment/experiment_json.h: config errors name the file and the key, and
// every preset shipped parses.
#include "core/error.h"
#include "core/experiment/experiment_json.h"
#include "core/experiment/presets.h"

#include <doctest/doctest.h>

#include <string>

using namespace ts;

TEST_CASE("config errors name the file and the key") {
  const auto expect = [](const std::string& text, const std::string& needle) {
    CAPTURE(text);
    try {
      parse_experiment_text(text, "bad.json");
      FAIL("accepted: " << text);
    } catch (const Error& e) {
      const std::string msg = e.what();
      CAPTURE(msg);
      CHECK(msg.find("bad.json") != std::string::npos);
      CHECK(msg.find(needle) != std::string::npos);
    }
  };
  const std::string layers = R"("model": {"layers": [{"type": "dense", "units": 10}]})";
  expect("{" + layers + R"(, "training": {"batch_size": 0}})", "training.batch_size");
  expect("{" + layers + R"(, "schedule": {"type": "constant", "lr": -1}})", "schedule.lr");
  expect(R"({"model": {"layers": [{"type": "dropout", "rate": 1.0}]}})", "model.layers[0].rate");
  expect(R"({"model": {"layers": [{"type": "dense", "units": 5, "activation": "swish"}]}})",
         "model.layers[0].activation");
  expect("{" + layers + R"(, "trainning": {}})", "trainning: unknown key");
  expect("{" + layers + R"(, "data": {"dataset": "imagenet"}})", "data.dataset");
  expect("{" + layers + R"(, "optimizer": {"type": "adam", "beta1": 1.5}})", "optimizer.beta1");
  expect("{" + layers + R"(, "training": {"frozen": ["conv9"]}})", "training.frozen");
  expect("{" + layers + R"(, "regularization": {"dropout": -0.1}})", "regularization.dropout");
  expect(R"({"model": )", "not valid JSON");
  expect(R"({"data": {}})", "model: missing");
}

TEST_CASE("every preset parses") {
  const auto names = list_presets(presets_dir());
  CHECK(names.size() >= 7);
  for (const auto& n : names) {
    CAPTURE(n);
    CHECK_NOTHROW(load_experiment(presets_dir() / (n + ".json")));
  }
}
