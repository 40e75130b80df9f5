#include "core/command/command.h"

#include "core/error.h"
#include "core/io/json_fields.h"
#include "core/optim/optimizer_json.h"
#include "core/schedule/schedule_json.h"
#include "core/text_format.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

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

// The variant's alternatives follow CommandKind and the names above, one for one.
template <std::size_t... I>
constexpr bool kinds_in_order(std::index_sequence<I...>) {
  return ((std::variant_alternative_t<I, Command>::kind == CommandKind(I)) && ...);
}
constexpr std::size_t kKinds = std::variant_size_v<Command>;
static_assert(kKinds == kNames.size() && kinds_in_order(std::make_index_sequence<kKinds>{}));

template <std::size_t... I>
Command default_command(std::size_t k, std::index_sequence<I...>) {
  static const std::array<Command, kKinds> all{Command(std::in_place_index<I>)...};
  return all.at(k);
}

// What follows the kind's name in describe(): nothing for the kinds without fields.
template <class C>
std::string details(const C&) {
  return {};
}
std::string details(const cmd::Step& c) { return std::to_string(c.count); }
std::string details(const cmd::Set& c) {
  return std::string(spec_of(c.setting).name) + " " + format_number(c.value);
}
std::string details(const cmd::SetSchedule& c) { return to_json(c.schedule).dump(); }
std::string details(const cmd::SetOptimizer& c) { return to_json(c.optimizer).dump(); }
std::string details(const cmd::Freeze& c) { return c.layer; }
std::string details(const cmd::Unfreeze& c) { return c.layer; }
std::string details(const cmd::Prune& c) {
  const PruneRequest& p = c.request;
  const std::string where = p.layers.empty() ? "every layer" : join(p.layers);
  if (!p.units.empty()) return std::to_string(p.units.size()) + " chosen units of " + where;
  if (p.sparsity)
    return std::string(to_string(p.criterion)) + " to " + format_number(100.0 * *p.sparsity) +
           "% sparsity of " + where + (p.global ? " (global)" : "");
  return std::string(to_string(p.criterion)) + " " + format_number(100.0 * p.amount) + "% of " +
         where + (p.global ? " (global)" : "") + (p.largest_first ? " (largest first)" : "");
}
std::string details(const cmd::Snapshot& c) { return c.label; }
std::string details(const cmd::Rewind& c) {
  const std::string to = c.target == RewindTarget::initialization ? "initialization"
                         : c.target == RewindTarget::snapshot     ? "snapshot " + c.label
                                                              : "step " + std::to_string(c.step);
  return "to " + to + (c.keep_masks ? " keeping the masks" : "");
}
std::string details(const cmd::Save& c) { return c.path; }
std::string details(const cmd::Load& c) { return c.path; }

// Reading each kind's fields from its JSON object: nothing for the kinds without fields.
template <class C>
void read(C&, JsonFields&) {}
void read(cmd::Step& c, JsonFields& f) {
  c.count = f.integer("count", 1);
  f.check(c.count >= 1, "count", "must be >= 1");
}
void read(cmd::Set& c, JsonFields& f) {
  int found = 0;
  for (const SettingSpec& s : setting_specs())
    if (f.has(s.name)) {
      c.setting = s.id;
      c.value = f.number(s.name, 0.0);
      ++found;
    }
  if (found != 1) throw Error(f.path() + ": \"set\" takes exactly one of " + join(setting_names()));
}
void read(cmd::SetSchedule& c, JsonFields& f) {
  c.schedule = schedule_from_json(
      f.require("schedule", "a schedule like {\"type\": \"constant\", \"lr\": 0.1}"),
      f.key_path("schedule"));
}
void read(cmd::SetOptimizer& c, JsonFields& f) {
  c.optimizer = optimizer_from_json(
      f.require("optimizer", "an optimizer like {\"type\": \"adam\"}"), f.key_path("optimizer"));
}
void read_layer(std::string& layer, JsonFields& f) {
  layer = f.string("layer", "");
  f.check(!layer.empty(), "layer", "must name a layer, like \"fc1\"");
}
void read(cmd::Freeze& c, JsonFields& f) { read_layer(c.layer, f); }
void read(cmd::Unfreeze& c, JsonFields& f) { read_layer(c.layer, f); }
void read(cmd::Prune& c, JsonFields& f) {
  PruneRequest& p = c.request;
  const std::string crit = f.string("criterion", "magnitude");
  const auto pc = prune_criterion_from_string(crit);
  if (!pc) f.fail("criterion", "must be \"magnitude\" or \"unit_l2\", got \"" + crit + "\"");
  p.criterion = *pc;
  p.amount = f.number("amount", 0.5);
  f.check(p.amount >= 0 && p.amount <= 1, "amount", "must be in [0, 1]");
  p.global = f.boolean("global", false);
  p.largest_first = f.boolean("largest_first", false);
  p.layers = f.strings("layers", {}, "layer names");
  if (f.has("units")) {
    for (const int64_t u : f.integers("units", {}, "unit numbers (0, 1, ...)")) {
      f.check(u >= 0, "units", "must be a list of unit numbers (0, 1, ...)");
      p.units.push_back(long(u));
    }
    f.check(!p.units.empty(), "units",
            "must list at least one unit (leave it out to prune by amount)");
    f.check(p.criterion == PruneCriterion::unit_l2 && p.layers.size() == 1, "units",
            "needs \"criterion\": \"unit_l2\" and exactly one layer in \"layers\"");
    f.check(!p.global && !p.largest_first && !f.get("amount"), "units",
            "chooses the units itself: \"amount\", \"global\" and \"largest_first\" do not go "
            "with it");
  }
  if (f.has("sparsity")) {
    p.sparsity = f.number("sparsity", 0.0);
    f.check(*p.sparsity >= 0 && *p.sparsity <= 1, "sparsity", "must be in [0, 1]");
    f.check(p.criterion == PruneCriterion::magnitude && !p.largest_first && p.units.empty() &&
                !f.has("amount"),
            "sparsity",
            "prunes the smallest weights by magnitude up to that fraction: \"amount\", "
            "\"units\" and \"largest_first\" do not go with it");
  }
}
void read(cmd::Snapshot& c, JsonFields& f) {
  c.label = f.string("label", "");
  f.check(!c.label.empty(), "label", "must not be empty");
}
void read(cmd::Rewind& c, JsonFields& f) {
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
}
void read_path(std::string& path, JsonFields& f) {
  path = f.string("path", "");
  f.check(!path.empty(), "path", "must name a file");
}
void read(cmd::Save& c, JsonFields& f) { read_path(c.path, f); }
void read(cmd::Load& c, JsonFields& f) { read_path(c.path, f); }

// Writing each kind's fields, the inverse of read().
template <class C>
void write(const C&, nlohmann::json&) {}
void write(const cmd::Step& c, nlohmann::json& j) { j["count"] = c.count; }
void write(const cmd::Set& c, nlohmann::json& j) { j[spec_of(c.setting).name] = c.value; }
void write(const cmd::SetSchedule& c, nlohmann::json& j) { j["schedule"] = to_json(c.schedule); }
void write(const cmd::SetOptimizer& c, nlohmann::json& j) { j["optimizer"] = to_json(c.optimizer); }
void write(const cmd::Freeze& c, nlohmann::json& j) { j["layer"] = c.layer; }
void write(const cmd::Unfreeze& c, nlohmann::json& j) { j["layer"] = c.layer; }
void write(const cmd::Prune& c, nlohmann::json& j) {
  const PruneRequest& p = c.request;
  j["criterion"] = to_string(p.criterion);
  j["layers"] = p.layers;
  if (!p.units.empty()) {
    j["units"] = p.units;
    return;
  }
  if (p.sparsity)
    j["sparsity"] = *p.sparsity;
  else
    j["amount"] = p.amount;
  j["global"] = p.global;
  j["largest_first"] = p.largest_first;
}
void write(const cmd::Snapshot& c, nlohmann::json& j) { j["label"] = c.label; }
void write(const cmd::Rewind& c, nlohmann::json& j) {
  j["to"] = c.target == RewindTarget::initialization ? "init"
            : c.target == RewindTarget::snapshot     ? "snapshot"
                                                     : "step";
  if (c.target == RewindTarget::snapshot) j["label"] = c.label;
  if (c.target == RewindTarget::step) j["step"] = c.step;
  j["keep_masks"] = c.keep_masks;
}
void write(const cmd::Save& c, nlohmann::json& j) { j["path"] = c.path; }
void write(const cmd::Load& c, nlohmann::json& j) { j["path"] = c.path; }

}  // namespace

const char* to_string(CommandKind k) {
  for (const auto& [kind, name] : kNames)
    if (kind == k) return name;
  return "unknown";
}

Command command_of_kind(CommandKind k) {
  return default_command(std::size_t(k), std::make_index_sequence<kKinds>{});
}

std::string describe(const Command& c) {
  const std::string d = std::visit([](const auto& x) { return details(x); }, c);
  return std::string(to_string(kind_of(c))) + (d.empty() ? "" : " " + d);
}

Command command_from_json(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object())
    throw Error(path + ": must be an object like {\"do\": \"pause\"}, got " + j.dump());
  JsonFields f(j, path);
  const std::string what = f.string("do", "");
  const auto* it =
      std::find_if(kNames.begin(), kNames.end(), [&](const auto& p) { return what == p.second; });
  if (it == kNames.end()) {
    std::vector<std::string> known;
    for (const auto& p : kNames) known.push_back(p.second);
    f.fail("do", "must be one of " + join(known) + ", got \"" + what + "\"");
  }
  Command c = command_of_kind(it->first);
  std::visit([&](auto& x) { read(x, f); }, c);
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
  nlohmann::json j{{"do", to_string(kind_of(c))}};
  std::visit([&](const auto& x) { write(x, j); }, c);
  return j;
}

nlohmann::json to_json(const ScriptedCommand& c) {
  nlohmann::json j = to_json(c.command);
  j["at"] = c.at;
  return j;
}

}  // namespace ts
