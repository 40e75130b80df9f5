#include "core/experiment/study.h"

#include "core/error.h"
#include "core/experiment/config_changes.h"
#include "core/experiment/config_overrides.h"
#include "core/experiment/experiment_json.h"
#include "core/experiment/presets.h"
#include "core/io/json_fields.h"
#include "core/text_format.h"

#include <algorithm>
#include <cctype>

namespace ts {

namespace {

bool fits_a_directory(const std::string& name) {
  return !name.empty() && name.size() <= 64 && name != "." && name != ".." &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_' || c == '.';
         });
}

// The index of the earlier run named by `key`; fails naming the key when there is none.
std::size_t earlier_run(const Study& s, JsonFields& f, std::string_view key) {
  const std::string name = f.required_string(key);
  const auto it =
      std::find_if(s.runs.begin(), s.runs.end(), [&](const StudyRun& o) { return o.name == name; });
  if (it == s.runs.end())
    f.fail(key, "must name an earlier run of the study, got \"" + name + "\"");
  return std::size_t(it - s.runs.begin());
}

}  // namespace

Study parse_study(const nlohmann::json& j, const std::string& source, const StudyBaseLoader& load) {
  JsonFields f(j, source);
  Study s;
  s.name = f.string("name", "");
  f.check(!s.name.empty(), "name", "must name the study");
  s.description = f.string("description", "");
  const std::string base_name = f.required_string("base");
  const StudyBase base = load(base_name);
  nlohmann::json common = base.config;
  if (const auto* set = f.get("set")) apply_set(common, *set, f.key_path("set"));
  const nlohmann::json& runs = f.require("runs", "a list of runs like [{\"name\": \"sgd\"}]");
  if (!runs.is_array() || runs.empty())
    f.fail("runs",
           "must be a non-empty list of runs like [{\"name\": \"sgd\"}], got " + runs.dump());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string where = f.key_path("runs") + "[" + std::to_string(i) + "]";
    JsonFields r(runs[i], where);
    StudyRun run;
    run.name = r.required_string("name");
    r.check(fits_a_directory(run.name), "name",
            "must be a short name of letters, digits, '-', '_' and '.' (it names the run's "
            "directory)");
    const auto same = [&](const StudyRun& o) { return o.name == run.name; };
    r.check(std::none_of(s.runs.begin(), s.runs.end(), same), "name", "is taken by an earlier run");
    nlohmann::json config = common;
    std::string run_source = base.source;
    if (const std::string own = r.string("base", ""); !own.empty()) {
      r.check(!r.has("fork"), "base", "does not go with \"fork\" (a fork is its parent's model)");
      const StudyBase b = load(own);
      config = b.config;
      run_source = b.source;
      if (const auto* set = f.get("set")) apply_set(config, *set, f.key_path("set"));
    }
    if (const auto* fork = r.get("fork")) {
      JsonFields fk(*fork, r.key_path("fork"));
      StudyFork sf;
      sf.parent = earlier_run(s, fk, "from");
      const StudyRun* parent = &s.runs[sf.parent];
      sf.at = fk.required_integer("at");
      fk.check(sf.at >= 0, "at", "must be a step >= 0");
      fk.finish();
      run.fork = sf;
      config = to_json(parent->config);
    }
    if (const auto* init = r.get("init_from")) {
      r.check(!run.fork, "init_from",
              "does not go with \"fork\" (a fork has its parent's weights)");
      JsonFields in(*init, r.key_path("init_from"));
      StudyInit si;
      si.run = earlier_run(s, in, "run");
      si.layers = in.strings("layers", {}, "layer names");
      in.finish();
      run.init_from = si;
    }
    config["name"] = run.name;
    if (const auto* set = r.get("set")) apply_set(config, *set, r.key_path("set"));
    r.finish("study run");
    run.config = parse_experiment(config, run_source + " in " + where);
    if (run.fork) {
      try {
        run.commands = fork_commands(s.runs[run.fork->parent].config, run.config);
      } catch (const Error& e) {
        throw Error(where + ": " + e.what());
      }
    }
    if (run.fork)
      run.difference = config_difference(s.runs[run.fork->parent].config, run.config);
    else if (!s.runs.empty())
      run.difference = config_difference(s.runs[0].config, run.config);
    s.runs.push_back(std::move(run));
  }
  f.finish("study");
  return s;
}

std::filesystem::path studies_dir() { return presets_dir().parent_path() / "studies"; }

std::vector<int64_t> fork_steps(const Study& s, std::size_t i) {
  std::vector<int64_t> at;
  for (const auto& r : s.runs)
    if (r.fork && r.fork->parent == i) at.push_back(r.fork->at);
  std::sort(at.begin(), at.end());
  at.erase(std::unique(at.begin(), at.end()), at.end());
  return at;
}

std::string data_key(const ExperimentConfig& c) {
  return to_json(c).at("data").dump() + "/" + std::to_string(c.training.seed);
}

StudyBase load_base(const std::string& base, const std::filesystem::path& file) {
  const auto preset = presets_dir() / (base + ".json");
  if (std::filesystem::exists(preset))
    return StudyBase{read_experiment_json(preset), preset.string()};
  const auto path = file.parent_path() / base;
  if (!std::filesystem::exists(path))
    throw Error(file.string() + ": base: \"" + base + "\" is neither a preset (" +
                join(list_presets(presets_dir())) + ") nor a config file next to " +
                file.filename().string());
  return StudyBase{read_experiment_json(path), path.string()};
}

Study read_study(const std::filesystem::path& file) {
  return parse_study(read_experiment_json(file), file.string(),
                     [&](const std::string& base) { return load_base(base, file); });
}

std::filesystem::path find_study(const std::string& file_or_name) {
  if (std::filesystem::is_regular_file(file_or_name)) return file_or_name;
  const auto shipped = studies_dir() / (file_or_name + ".json");
  if (std::filesystem::is_regular_file(shipped)) return shipped;
  throw Error("no study file \"" + file_or_name + "\" and no shipped study of that name (" +
              join(list_presets(studies_dir())) + ")");
}

}  // namespace ts
