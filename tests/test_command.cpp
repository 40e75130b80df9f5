// Commands as values (core/command/command.h): each kind is its own struct in the variant,
// read from and written to JSON with its own fields only, and described in one line.
#include "core/command/command.h"
#include "core/error.h"

#include <doctest/doctest.h>

#include <string>

using namespace ts;

namespace {

Command parse(const std::string& text) {
  return command_from_json(nlohmann::json::parse(text), "command");
}

std::string refusal(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("command: every kind parses to its own struct, writes back the same JSON, says itself") {
  struct Case {
    const char* json;
    CommandKind kind;
    const char* line;
  };
  const Case cases[] = {
      {R"({"do": "start"})", CommandKind::start, "start"},
      {R"({"do": "pause"})", CommandKind::pause, "pause"},
      {R"({"do": "resume"})", CommandKind::resume, "resume"},
      {R"({"do": "step", "count": 7})", CommandKind::step, "step 7"},
      {R"({"do": "stop"})", CommandKind::stop, "stop"},
      {R"({"do": "reset"})", CommandKind::reset, "reset"},
      {R"({"do": "set", "momentum": 0.8})", CommandKind::set, "set momentum 0.8"},
      {R"({"do": "freeze", "layer": "fc1"})", CommandKind::freeze, "freeze fc1"},
      {R"({"do": "unfreeze", "layer": "fc2"})", CommandKind::unfreeze, "unfreeze fc2"},
      {R"({"do": "prune", "criterion": "magnitude", "layers": ["fc1"], "amount": 0.25,
           "global": false, "largest_first": false})",
       CommandKind::prune, "prune magnitude 25% of fc1"},
      {R"({"do": "prune", "criterion": "unit_l2", "layers": ["fc2"], "units": [4, 2]})",
       CommandKind::prune, "prune 2 chosen units of fc2"},
      {R"({"do": "snapshot", "label": "k"})", CommandKind::snapshot, "snapshot k"},
      {R"({"do": "rewind", "to": "snapshot", "label": "k", "keep_masks": true})",
       CommandKind::rewind, "rewind to snapshot k keeping the masks"},
      {R"({"do": "rewind", "to": "step", "step": 500, "keep_masks": false})", CommandKind::rewind,
       "rewind to step 500"},
      {R"({"do": "save", "path": "a.safetensors"})", CommandKind::save, "save a.safetensors"},
      {R"({"do": "load", "path": "b.safetensors"})", CommandKind::load, "load b.safetensors"},
  };
  for (const Case& k : cases) {
    CAPTURE(k.json);
    const Command c = parse(k.json);
    CHECK(kind_of(c) == k.kind);
    CHECK(to_json(c) == nlohmann::json::parse(k.json));
    CHECK(describe(c) == k.line);
  }
}

TEST_CASE("command: the struct of each kind holds what its JSON said") {
  const Command step = parse(R"({"do": "step"})");
  REQUIRE(std::holds_alternative<cmd::Step>(step));
  CHECK(std::get<cmd::Step>(step).count == 1);  // the default count

  const Command rewind = parse(R"({"do": "rewind", "to": "step", "step": 42})");
  REQUIRE(std::holds_alternative<cmd::Rewind>(rewind));
  const auto& r = std::get<cmd::Rewind>(rewind);
  CHECK(r.target == RewindTarget::step);
  CHECK(r.step == 42);
  CHECK_FALSE(r.keep_masks);

  const Command prune = parse(R"({"do": "prune", "sparsity": 0.8})");
  REQUIRE(std::holds_alternative<cmd::Prune>(prune));
  const PruneRequest& p = std::get<cmd::Prune>(prune).request;
  REQUIRE(p.sparsity);
  CHECK(*p.sparsity == 0.8);
  CHECK(p.layers.empty());
  CHECK(describe(prune) == "prune magnitude to 80% sparsity of every layer");

  // A default command of each kind is that kind, and a struct converts to its command.
  for (int k = 0; k <= int(CommandKind::load); ++k)
    CHECK(kind_of(command_of_kind(CommandKind(k))) == CommandKind(k));
  CHECK(kind_of(Command(cmd::Save{"x"})) == CommandKind::save);
  CHECK(describe(cmd::Set{Setting::lr, 0.01}) == "set lr 0.01");
}

TEST_CASE("command: a field another kind owns is refused by name") {
  // Each kind reads only its own fields: a count on a pause, a layer on a snapshot.
  CHECK(refusal(R"({"do": "pause", "count": 3})").find("command.count: unknown key") == 0);
  CHECK(refusal(R"({"do": "snapshot", "label": "a", "layer": "fc1"})")
            .find("command.layer: unknown key") == 0);
  CHECK(refusal(R"({"do": "step", "count": 0})").find("command.count: must be >= 1") == 0);
  CHECK(refusal(R"({"do": "jump"})").find("command.do: must be one of start, pause") == 0);
  CHECK(refusal(R"({"do": "set", "lr": 0.1, "momentum": 0.9})")
            .find("command: \"set\" takes exactly one of lr, momentum, ") == 0);
  CHECK(refusal(R"({"do": "save"})").find("command.path: must name a file") == 0);
}
