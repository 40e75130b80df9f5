// The table of live settings (core/command/settings.h): the names `set` takes, which optimizers
// have which, and the ranges the trainer checks before it applies a value.
#include "core/command/command.h"
#include "core/command/settings.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace ts;

TEST_CASE("settings: each name parses to its setting and back") {
  for (const SettingSpec& s : setting_specs()) {
    CHECK(find_setting(s.name) == &s);
    CHECK(&spec_of(s.id) == &s);
    const Command c = command_from_json({{"do", "set"}, {s.name, 0.5}}, "command");
    REQUIRE(std::holds_alternative<cmd::Set>(c));
    CHECK(std::get<cmd::Set>(c).setting == s.id);
    CHECK(std::get<cmd::Set>(c).value == 0.5);
    CHECK(describe(c) == std::string("set ") + s.name + " 0.5");
  }
  CHECK(find_setting("learning_rate") == nullptr);
  CHECK(setting_names().front() == "lr");
}

TEST_CASE("settings: an optimizer has its own fields only, named in the refusal") {
  const SettingSpec& momentum = spec_of(Setting::momentum);
  CHECK(optimizer_has(momentum, OptimizerKind::nesterov));
  CHECK(optimizer_has(momentum, OptimizerKind::rmsprop));
  CHECK_FALSE(optimizer_has(momentum, OptimizerKind::adam));
  CHECK(setting_problem(spec_of(Setting::rho), 0.9, OptimizerKind::adam) ==
        "adam has no rho; it belongs to rmsprop and adadelta");
  CHECK(setting_problem(spec_of(Setting::eps), 1e-8, OptimizerKind::sgd) ==
        "sgd has no eps; it belongs to adagrad, rmsprop, adam, adamw and adadelta");
  CHECK(setting_problem(spec_of(Setting::beta1), 0.8, OptimizerKind::adamw).empty());
  // Every run has the others, whatever its optimizer.
  for (OptimizerKind k : all_optimizer_kinds()) CHECK(optimizer_has(spec_of(Setting::lr), k));
}

TEST_CASE("settings: ranges, whole numbers and finite values") {
  const auto problem = [](Setting s, double v) {
    return setting_problem(spec_of(s), v, OptimizerKind::sgd);
  };
  CHECK(problem(Setting::dropout, 0.99).empty());
  CHECK(problem(Setting::dropout, 1.0) == "must be in [0, 1), got 1");
  CHECK(problem(Setting::batch_size, 32).empty());
  CHECK(problem(Setting::batch_size, 2.5) == "must be a whole number >= 1, got 2.5");
  CHECK(problem(Setting::threads, 257) == "must be a whole number in [1, 256], got 257");
  CHECK(problem(Setting::clip_norm, -1) == "must be >= 0 (0 turns it off), got -1");
  CHECK(problem(Setting::lr, 0).empty());
  CHECK(problem(Setting::lr, -0.1) == "must be >= 0, got -0.1");
  CHECK(problem(Setting::lr, std::nan("")).find("the value must be a finite number") == 0);
}
