#include "core/command/command.h"

#include "core/error.h"
#include "core/io/json_fields.h"
#include "core/optim/optimizer_json.h"
#include "core/schedule/schedule_json.h"
#include "core/text_format.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace ts {

namespace {
constexpr std::array<std::pair<CommandKind, const char*>, 16> kNames{{
    {CommandKind::start, "start"},
    {CommandKind::pause, "pause"},
    {CommandKind::resume, "resume"},
    {CommandKind::step, "step"},
    {CommandKind::stop, "stop"},
    {CommandKind::reset, "reset"},
    {CommandKind::set, "set"},
    {CommandKind::schedule, "schedule"},
    {CommandKind::optimizer, "optimizer"},
    {CommandKind::freeze, "freeze"},
    {CommandKind::unfreeze, "unfreeze"},
    {CommandKind::prune, "prune"},
    {CommandKind::snapshot, "snapshot"},
    {CommandKind::rewind, "rewind"},
    {CommandKind::save, "save"},
    {CommandKind::load, "load"},
}};
}  // namespace

const char* to_string(CommandKind k) {
  for (const auto& [kind, name] : kNames)
    if (kind == k) return name;
  return "unknown";
}

std::string describe(const Command& c) {
  std::string s = to_string(c.kind);
  switch (c.kind) {
    case CommandKind::step:
      return s + " " + std::to_string(c.count);
    case CommandKind::set:
      return s + " " + spec_of(c.setting).name + " " + format_number(c.value);
    case CommandKind::schedule:
      return s + " " + to_json(c.schedule).dump();
    case CommandKind::optimizer:
      return s + " " + to_json(c.optimizer).dump();
    case CommandKind::freeze:
    case CommandKind::unfreeze:
      return s + " " + c.layer;
    case CommandKind::prune: {
      const std::string where = c.prune.layers.empty() ? "every layer" : join(c.prune.layers);
      if (!c.prune.units.empty())
        return s + " " + std::to_string(c.prune.units.size()) + " chosen units of " + where;
      if (c.prune.sparsity)
        return s + " " + to_string(c.prune.criterion) + " to " +
               format_number(100.0 * *c.prune.sparsity) + "% sparsity of " + where +
               (c.prune.global ? " (global)" : "");
      return s + " " + to_string(c.prune.criterion) + " " + format_number(100.0 * c.prune.amount) +
             "% of " + where + (c.prune.global ? " (global)" : "") +
             (c.prune.largest_first ? " (largest first)" : "");
    }
    case CommandKind::snapshot:
      return s + " " + c.label;
    case CommandKind::rewind: {
      const std::string to = c.target == RewindTarget::initialization ? "initialization"
                             : c.target == RewindTarget::snapshot
                                 ? "snapshot " + c.label
                                 : "step " + std::to_string(c.step);
      return s + " to " + to + (c.keep_masks ? " keeping the masks" : "");
    }
    case CommandKind::save:
    case CommandKind::load:
      return s + " " + c.path;
    default:
      return s;
  }
}

Command command_from_json(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object())
    throw Error(path + ": must be an object like {\"do\": \"pause\"}, got " + j.dump());
  JsonFields f(j, path);
  const std::string what = f.string("do", "");
  Command c;
  const auto* it =
      std::find_if(kNames.begin(), kNames.end(), [&](const auto& p) { return what == p.second; });
  if (it == kNames.end()) {
    std::vector<std::string> known;
    for (const auto& p : kNames) known.push_back(p.second);
    f.fail("do", "must be one of " + join(known) + ", got \"" + what + "\"");
  }
  c.kind = it->first;
  switch (c.kind) {
    case CommandKind::step:
      c.count = f.integer("count", 1);
      f.check(c.count >= 1, "count", "must be >= 1");
      break;
    case CommandKind::set: {
      int found = 0;
      for (const SettingSpec& s : setting_specs())
        if (f.has(s.name)) {
          c.setting = s.id;
          c.value = f.number(s.name, 0.0);
          ++found;
        }
      if (found != 1) throw Error(path + ": \"set\" takes exactly one of " + join(setting_names()));
      break;
    }
    case CommandKind::schedule:
      c.schedule = schedule_from_json(
          f.require("schedule", "a schedule like {\"type\": \"constant\", \"lr\": 0.1}"),
          f.key_path("schedule"));
      break;
    case CommandKind::optimizer:
      c.optimizer =
          optimizer_from_json(f.require("optimizer", "an optimizer like {\"type\": \"adam\"}"),
                              f.key_path("optimizer"));
      break;
    case CommandKind::freeze:
    case CommandKind::unfreeze:
      c.layer = f.string("layer", "");
      f.check(!c.layer.empty(), "layer", "must name a layer, like \"fc1\"");
      break;
    case CommandKind::prune: {
      const std::string crit = f.string("criterion", "magnitude");
      const auto pc = prune_criterion_from_string(crit);
      if (!pc) f.fail("criterion", "must be \"magnitude\" or \"unit_l2\", got \"" + crit + "\"");
      c.prune.criterion = *pc;
      c.prune.amount = f.number("amount", 0.5);
      f.check(c.prune.amount >= 0 && c.prune.amount <= 1, "amount", "must be in [0, 1]");
      c.prune.global = f.boolean("global", false);
      c.prune.largest_first = f.boolean("largest_first", false);
      c.prune.layers = f.strings("layers", {}, "layer names");
      if (f.has("units")) {
        for (const int64_t u : f.integers("units", {}, "unit numbers (0, 1, ...)")) {
          f.check(u >= 0, "units", "must be a list of unit numbers (0, 1, ...)");
          c.prune.units.push_back(long(u));
        }
        f.check(!c.prune.units.empty(), "units",
                "must list at least one unit (leave it out to prune by amount)");
        f.check(c.prune.criterion == PruneCriterion::unit_l2 && c.prune.layers.size() == 1, "units",
                "needs \"criterion\": \"unit_l2\" and exactly one layer in \"layers\"");
        f.check(!c.prune.global && !c.prune.largest_first && !f.get("amount"), "units",
                "chooses the units itself: \"amount\", \"global\" and \"largest_first\" do not go "
                "with it");
      }
      if (f.has("sparsity")) {
        c.prune.sparsity = f.number("sparsity", 0.0);
        f.check(*c.prune.sparsity >= 0 && *c.prune.sparsity <= 1, "sparsity", "must be in [0, 1]");
        f.check(c.prune.criterion == PruneCriterion::magnitude && !c.prune.largest_first &&
                    c.prune.units.empty() && !f.has("amount"),
                "sparsity",
                "prunes the smallest weights by magnitude up to that fraction: \"amount\", "
                "\"units\" and \"largest_first\" do not go with it");
      }
      break;
    }
    case CommandKind::snapshot:
      c.label = f.string("label", "");
      f.check(!c.label.empty(), "label", "must not be empty");
      break;
    case CommandKind::rewind: {
      const std::string to = f.string("to", "init");
      if (to == "init" || to == "initialization") {
        c.target = RewindTarget::initialization;
      } else if (to == "snapshot") {
        c.target = RewindTarget::snapshot;
        c.label = f.string("label", "");
        f.check(!c.label.empty(), "label", "must name a snapshot");
      } else if (to == "step") {
        c.target = RewindTarget::step;
        c.step = f.integer("step", -1);
        f.check(c.step >= 0, "step", "must be >= 0");
      } else {
        f.fail("to", "must be \"init\", \"snapshot\" or \"step\", got \"" + to + "\"");
      }
      c.keep_masks = f.boolean("keep_masks", false);
      break;
    }
    case CommandKind::save:
    case CommandKind::load:
      c.path = f.string("path", "");
      f.check(!c.path.empty(), "path", "must name a file");
      break;
    default:
      break;
  }
  f.finish();
  return c;
}

ScriptedCommand scripted_command_from_json(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object() || !j.contains("at"))
    throw Error(path + ": a scripted command needs \"at\" (the step), got " + j.dump());
  ScriptedCommand s;
  // An integer by the rules of every JSON field (core/io/json_fields.h), below 2^62 so that
  // sums of steps with it cannot overflow.
  const nlohmann::json& at = j.at("at");
  const auto whole_step = [&] {
    try {
      return JsonFields::integer_of(at, path + ".at");
    } catch (const Error&) {
      return int64_t(-1);
    }
  };
  s.at = whole_step();
  if (s.at < 0 || s.at >= (int64_t(1) << 62))
    throw Error(path + ".at: must be a whole number of steps in [0, 2^62), got " + at.dump());
  nlohmann::json rest = j;
  rest.erase("at");
  s.command = command_from_json(rest, path);
  return s;
}

std::vector<ScriptedCommand> parse_script(const nlohmann::json& j, const std::string& path) {
  if (!j.is_array())
    throw Error(path + ": must be a list of commands with \"at\", got " + j.dump());
  std::vector<ScriptedCommand> script;
  for (std::size_t i = 0; i < j.size(); ++i)
    script.push_back(scripted_command_from_json(j[i], path + "[" + std::to_string(i) + "]"));
  std::stable_sort(script.begin(), script.end(),
                   [](const ScriptedCommand& a, const ScriptedCommand& b) { return a.at < b.at; });
  return script;
}

nlohmann::json to_json(const Command& c) {
  nlohmann::json j{{"do", to_string(c.kind)}};
  switch (c.kind) {
    case CommandKind::step:
      j["count"] = c.count;
      break;
    case CommandKind::set:
      j[spec_of(c.setting).name] = c.value;
      break;
    case CommandKind::schedule:
      j["schedule"] = to_json(c.schedule);
      break;
    case CommandKind::optimizer:
      j["optimizer"] = to_json(c.optimizer);
      break;
    case CommandKind::freeze:
    case CommandKind::unfreeze:
      j["layer"] = c.layer;
      break;
    case CommandKind::prune:
      j["criterion"] = to_string(c.prune.criterion);
      j["layers"] = c.prune.layers;
      if (!c.prune.units.empty()) {
        j["units"] = c.prune.units;
        break;
      }
      if (c.prune.sparsity)
        j["sparsity"] = *c.prune.sparsity;
      else
        j["amount"] = c.prune.amount;
      j["global"] = c.prune.global;
      j["largest_first"] = c.prune.largest_first;
      break;
    case CommandKind::snapshot:
      j["label"] = c.label;
      break;
    case CommandKind::rewind:
      j["to"] = c.target == RewindTarget::initialization ? "init"
                : c.target == RewindTarget::snapshot     ? "snapshot"
                                                         : "step";
      if (c.target == RewindTarget::snapshot) j["label"] = c.label;
      if (c.target == RewindTarget::step) j["step"] = c.step;
      j["keep_masks"] = c.keep_masks;
      break;
    case CommandKind::save:
    case CommandKind::load:
      j["path"] = c.path;
      break;
    default:
      break;
  }
  return j;
}

nlohmann::json to_json(const ScriptedCommand& c) {
  nlohmann::json j = to_json(c.command);
  j["at"] = c.at;
  return j;
}

}  // namespace ts
