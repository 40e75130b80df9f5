// Command-line changes to an experiment config: `--set KEY=VALUE` with a dotted path into
// the config's JSON ("optimizer.type=adam", "schedule.lr=0.001", "model.layers.1.units=500").
// VALUE is read as JSON when it is JSON (numbers, true/false, [..], {..}, "text") and as a
// string otherwise; `null` removes the key. The changed JSON is then parsed like a config
// file, so a wrong value gets the file's own error, naming the source and the --set.
#pragma once

#include "core/experiment/experiment_config.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ts {

struct ConfigOverride {
  std::vector<std::string> path;  // keys of objects; an array's index or an element's "name"
  nlohmann::json value;           // null: remove the key
  std::string text;               // where it was given, for messages: "--set schedule.lr=0.1"
};

// "schedule.lr" as {"schedule", "lr"}; throws ts::Error naming `where` on an empty part.
std::vector<std::string> dotted_path(const std::string& key, const std::string& where);

// Throws ts::Error naming `assignment` when it is not KEY=VALUE with a non-empty path.
ConfigOverride parse_override(const std::string& assignment);
// Sets (or removes) the value at its path, creating objects on the way; throws ts::Error when
// the path runs through a value that is not an object or array, or past an array's end.
void apply_override(nlohmann::json& config, const ConfigOverride& o);
// The value at a path, read as apply_override walks it; nullptr when the path leads nowhere.
const nlohmann::json* value_at(const nlohmann::json& config, const std::vector<std::string>& path);
// `config` with the changes of a "set" object (dotted path -> value), as a study or sweep file
// gives them; errors name `where` and the key ("sweep.json: set.schedule.lr: ...").
void apply_set(nlohmann::json& config, const nlohmann::json& set, const std::string& where);
// `config` (read from `source`) with each assignment applied in order, parsed as an experiment;
// errors name the source and the assignments.
ExperimentConfig experiment_with_overrides(nlohmann::json config,
                                           const std::vector<std::string>& assignments,
                                           const std::string& source);

}  // namespace ts
