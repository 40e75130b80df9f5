// One JSON reader (core/io/json_fields.h) and one set of rules for every JSON the project reads:
// the same value gets the same verdict in an experiment's training settings, a schedule, an
// optimizer and a script, where three readers once disagreed (a schedule took 1e16 as a step
// and an infinite rate; an optimizer took an infinite epsilon).
#include <doctest/doctest.h>

#include "core/command/command.h"
#include "core/error.h"
#include "core/experiment/experiment_json.h"
#include "core/io/json_fields.h"
#include "core/optim/optimizer_json.h"
#include "core/schedule/schedule_json.h"

#include <cmath>
#include <limits>
#include <string>

using nlohmann::json;

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ts::Error& e) {
    return e.what();
  }
  return "";
}

const double kInf = std::numeric_limits<double>::infinity();
const uint64_t kPastInt64 = uint64_t(1) << 63;  // 9223372036854775808

json experiment_with(const std::string& key, const json& value) {
  json j = json::parse(R"({
    "data": {"dataset": "blobs", "classes": 3, "dim": 4, "train_size": 60},
    "model": {"layers": [{"type": "dense", "units": 3}]},
    "training": {"batch_size": 10, "steps": 5}})");
  j["training"][key] = value;
  return j;
}

}  // namespace

TEST_CASE("json fields: integers are JSON integers within int64 or exactly integral numbers") {
  const json j = {
      {"int", 12},    {"float", 1e4},       {"half", 2.5}, {"exact", 9007199254740992.0},
      {"past", 1e16}, {"huge", kPastInt64}, {"text", "3"}, {"negative", -7}};
  ts::JsonFields f(j, "cfg");
  CHECK(f.integer("int", 0) == 12);
  CHECK(f.integer("float", 0) == 10000);
  CHECK(f.integer("negative", 0) == -7);
  CHECK(f.integer("exact", 0) == 9007199254740992);
  CHECK(f.integer("absent", 42) == 42);
  CHECK(error_of([&] { f.integer("half", 0); }) == "cfg.half: must be an integer, got 2.5");
  CHECK(error_of([&] { f.integer("past", 0); }) == "cfg.past: must be an integer, got 1e+16");
  CHECK(error_of([&] { f.integer("huge", 0); }) ==
        "cfg.huge: is too large, got 9223372036854775808");
  CHECK(error_of([&] { f.integer("text", 0); }) == "cfg.text: must be an integer, got \"3\"");
}

TEST_CASE("json fields: numbers must be finite, lists check every item, finish names the keys") {
  const json j = {
      {"inf", kInf},           {"nan", std::nan("")}, {"rate", 0.5}, {"steps", {1, 2.0, 3}},
      {"bad_steps", {1, 2.5}}, {"names", {"fc1", 2}}, {"typo", 1}};
  ts::JsonFields f(j, "");
  CHECK(f.number("rate", 0) == 0.5);
  CHECK(error_of([&] { f.number("inf", 0); }).find("inf: must be finite") == 0);
  CHECK(error_of([&] { f.number("nan", 0); }).find("nan: must be finite") == 0);
  CHECK(f.integers("steps", {}) == std::vector<int64_t>{1, 2, 3});
  CHECK(error_of([&] { f.integers("bad_steps", {}, "steps"); }) ==
        "bad_steps[1]: must be an integer, got 2.5");
  CHECK(error_of([&] { f.strings("names", {}, "layer names"); }) ==
        "names: must be a list of layer names, got [\"fc1\",2]");
  CHECK(error_of([&] { f.required_number("absent"); }) == "absent: missing");
  f.required_by("the test");
  CHECK(error_of([&] { f.required_integer("absent"); }) == "absent: missing, required by the test");
  CHECK(error_of([&] { f.finish("demo"); }) ==
        "typo: unknown key for type demo (expected one of: rate, inf, nan, steps, bad_steps, "
        "names, absent)");
}

TEST_CASE("json fields: a schedule, an optimizer, a script and training settings share the rules") {
  // An integral float is a step everywhere.
  const ts::Schedule step =
      ts::schedule_from_json({{"type", "step"}, {"lr", 0.1}, {"step_size", 1e4}}, "schedule");
  CHECK(std::get<ts::StepLr>(step.shape).step_size == 10000);
  CHECK(ts::parse_experiment(experiment_with("steps", 1e4), "x.json").training.steps == 10000);
  CHECK(ts::scripted_command_from_json({{"at", 1e4}, {"do", "pause"}}, "script[0]").at == 10000);
  CHECK(ts::scripted_command_from_json({{"at", 4611686018427387903}, {"do", "pause"}}, "script[0]")
            .at == 4611686018427387903);  // 2^62 - 1: exact as an integer, not through a double

  // 1e16 is not one integer: refused as a schedule's step, a run's steps and a script's step.
  CHECK(error_of([] {
          ts::schedule_from_json({{"type", "step"}, {"lr", 0.1}, {"step_size", 1e16}}, "schedule");
        }) == "schedule.step_size: must be an integer, got 1e+16");
  CHECK(error_of([] {
          ts::parse_experiment(experiment_with("steps", 1e16), "x.json");
        }).find("training.steps: must be an integer, got 1e+16") != std::string::npos);
  CHECK(error_of([] {
          ts::scripted_command_from_json({{"at", 1e16}, {"do", "pause"}}, "script[0]");
        }) == "script[0].at: must be a whole number of steps in [0, 2^62), got 1e+16");

  // Past int64: "too large" in each.
  CHECK(error_of([] {
          ts::schedule_from_json({{"type", "cosine"}, {"lr", 0.1}, {"total_steps", kPastInt64}},
                                 "schedule");
        }) == "schedule.total_steps: is too large, got 9223372036854775808");
  CHECK(error_of([] {
          ts::parse_experiment(experiment_with("steps", kPastInt64), "x.json");
        }).find("training.steps: is too large") != std::string::npos);

  // Infinite numbers: refused by name in a schedule, an optimizer and a command.
  CHECK(error_of([] {
          ts::schedule_from_json({{"type", "constant"}, {"lr", kInf}}, "schedule");
        }) == "schedule.lr: must be finite, got null");
  CHECK(error_of([] {
          ts::optimizer_from_json({{"type", "adam"}, {"eps", kInf}}, "optimizer");
        }).find("optimizer.eps: must be finite") == 0);
  CHECK(error_of([] {
          ts::command_from_json({{"do", "set"}, {"lr", kInf}}, "command");
        }).find("command.lr: must be finite") == 0);

  // Unknown keys: one wording, with the keys the type reads.
  CHECK(error_of([] {
          ts::optimizer_from_json({{"type", "sgd"}, {"beta1", 0.9}}, "optimizer");
        }) ==
        "optimizer.beta1: unknown key for type sgd (expected one of: type, weight_decay, "
        "decay_biases)");
  CHECK(error_of([] {
          ts::schedule_from_json({{"type", "constant"}, {"lr", 0.1}, {"gama", 1}}, "schedule");
        }) ==
        "schedule.gama: unknown key for type constant (expected one of: type, lr, "
        "warmup_steps, warmup_start_factor)");
}
