// Tests of the optimizers' names, defaults and JSON errors (core/optim/optimizer.h,
// core/optim/optimizer_json.h); the formulas are tested in tests/test_optim.cpp.
#include "core/error.h"
#include "core/optim/optimizer.h"
#include "core/optim/optimizer_json.h"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using ts::OptimizerKind;
using ts::OptimizerSettings;

namespace {

OptimizerSettings make(OptimizerKind kind, double weight_decay) {
  OptimizerSettings s;
  s.kind = kind;
  s.weight_decay = weight_decay;
  return s;
}

}  // namespace

TEST_CASE("optimizer kinds round-trip through their names") {
  CHECK(ts::all_optimizer_kinds().size() == 8);
  for (OptimizerKind kind : ts::all_optimizer_kinds()) {
    CHECK(ts::optimizer_kind_from_string(ts::to_string(kind)) == kind);
  }
  CHECK(std::string(ts::to_string(OptimizerKind::adamw)) == "adamw");
  CHECK_FALSE(ts::optimizer_kind_from_string("Adam").has_value());
  CHECK_FALSE(ts::optimizer_kind_from_string("").has_value());
}

TEST_CASE("defaults per optimizer kind follow the references") {
  const auto parse = [](const char* text) {
    return ts::optimizer_from_json(nlohmann::json::parse(text), "optimizer");
  };
  // Zeiler 2012 and PyTorch: AdaDelta eps 1e-6, rate 1.0. PyTorch: AdaGrad eps 1e-10.
  CHECK(parse(R"({"type": "adadelta"})").eps == 1e-6);
  CHECK(parse(R"({"type": "adagrad"})").eps == 1e-10);
  CHECK(parse(R"({"type": "adam"})").eps == 1e-8);
  CHECK(parse(R"({"type": "rmsprop"})").eps == 1e-8);
  CHECK(parse(R"({"type": "adadelta", "eps": 1e-4})").eps == 1e-4);
  CHECK(ts::default_learning_rate(OptimizerKind::adadelta) == 1.0);
  CHECK(ts::default_learning_rate(OptimizerKind::adam) == 0.001);
  CHECK(ts::default_learning_rate(OptimizerKind::adagrad) == 0.01);
  // Every kind's defaults are valid settings.
  for (OptimizerKind k : ts::all_optimizer_kinds())
    CHECK_NOTHROW(ts::validate(ts::default_optimizer_settings(k), "o"));

  // The live switch (and the editor's): the new kind's defaults, the experiment's weight decay.
  OptimizerSettings adam = make(OptimizerKind::adam, 5e-4);
  adam.eps = 1e-3;
  adam.decay_biases = true;
  const OptimizerSettings to = ts::switched_optimizer(adam, OptimizerKind::adadelta);
  CHECK(to.kind == OptimizerKind::adadelta);
  CHECK(to.eps == 1e-6);
  CHECK(to.weight_decay == 5e-4);
  CHECK(to.decay_biases);
  CHECK(ts::switched_optimizer(adam, OptimizerKind::adam) == adam);  // same kind: unchanged
}

TEST_CASE("bad optimizer JSON names the key path") {
  const auto parse = [](const char* text) {
    return ts::optimizer_from_json(nlohmann::json::parse(text), "optimizer");
  };
  CHECK_THROWS_WITH_AS(parse(R"({"type": "adam", "beta1": 1.5})"),
                       "optimizer.beta1: must be in [0, 1), got 1.5", ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "adamw", "beta2": -0.1})"),
                       doctest::Contains("optimizer.beta2"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "momentum", "momentum": -0.9})"),
                       doctest::Contains("optimizer.momentum: must be in [0, 1)"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "adagrad", "eps": 0})"),
                       doctest::Contains("optimizer.eps: must be > 0"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "sgd", "weight_decay": -1e-4})"),
                       doctest::Contains("optimizer.weight_decay: must be >= 0"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "adadelta", "rho": 1})"),
                       doctest::Contains("optimizer.rho"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "lbfgs"})"), doctest::Contains("optimizer.type: unknown"),
                       ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"beta1": 0.9})"), "optimizer.type: missing", ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": 3})"),
                       doctest::Contains("optimizer.type: must be a string"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "adam", "betas": [0.9, 0.99]})"),
                       doctest::Contains("optimizer.betas: unknown key"), ts::Error);
  // A key another kind reads is still unknown for this one.
  CHECK_THROWS_WITH_AS(parse(R"({"type": "sgd", "beta1": 0.9})"),
                       doctest::Contains("optimizer.beta1: unknown key for type sgd"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "adam", "beta1": "0.9"})"),
                       doctest::Contains("optimizer.beta1: must be a number"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "rmsprop", "momentum": 0.5, "nesterov": "yes"})"),
                       doctest::Contains("optimizer.nesterov: must be true or false"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "rmsprop", "nesterov": true})"),
                       doctest::Contains("optimizer.nesterov: needs momentum > 0"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"([1, 2])"), doctest::Contains("optimizer: must be an object"),
                       ts::Error);
  // The prefix is the caller's.
  CHECK_THROWS_WITH_AS(
      ts::optimizer_from_json(nlohmann::json::parse(R"({"type": "adam", "beta2": 2})"), "run.opt"),
      doctest::Contains("run.opt.beta2"), ts::Error);
}
