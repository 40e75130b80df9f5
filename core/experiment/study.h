// A study: runs of one experiment that differ in a few settings, to watch side by side
// (assets/studies/*.json, `trainscope-cli study`). JSON:
// {
//   "name": "optimizers", "description": "...",
//   "base": "lenet-300-100-mnist",   a preset name, or a config file (relative to the study)
//   "set": {"training.epochs": 3},   changes for every run: dotted config paths, as --set
//   "runs": [
//     {"name": "sgd", "set": {"optimizer": {"type": "sgd"}}},
//     {"name": "relu", "base": "deep-relu"},   a run may have a base of its own
//     {"name": "fashion-from-mnist", "base": "lenet-300-100-fashion",
//      "init_from": {"run": "mnist", "layers": ["fc1"]}, "set": {"training.frozen": ["fc1"]}},
//     {"name": "late-drop", "fork": {"from": "sgd", "at": 2000},
//      "set": {"schedule": {"type": "constant", "lr": 0.001}}}
//   ]
// }
// A run without a fork is the base with the study's and its own changes. All keep the base's
// seed, so they start from the same weights where their models agree and see the same
// batches. A fork starts from the exact state of an earlier run at step `at` (weights,
// optimizer state, masks, averages, data order) and applies its changes there, as the live
// commands of core/experiment/config_changes.h: it may change only what a live run can. A run
// with "init_from" starts from an earlier run's trained weights (transfer learning).
// Pure values and functions; any thread.
#pragma once

#include "core/command/command.h"
#include "core/experiment/experiment_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ts {

struct StudyFork {
  std::size_t parent = 0;  // index of the run it forks, always an earlier one
  int64_t at = 0;          // the parent's step
};

// Transfer: a run that starts from the trained weights of an earlier run (its final
// checkpoint), for the layers whose name and shape match.
struct StudyInit {
  std::size_t run = 0;              // index of the earlier run
  std::vector<std::string> layers;  // empty: every layer that matches
};

struct StudyRun {
  std::string name;  // also its directory's name
  std::optional<StudyFork> fork;
  std::optional<StudyInit> init_from;
  ExperimentConfig config;        // the base (a fork: its parent's config) with the changes
  std::vector<Command> commands;  // a fork's changes, applied at its first step
  std::string
      difference;  // short (config_difference): from the first run; a fork's from its parent
};

struct Study {
  std::string name, description;
  std::vector<StudyRun> runs;
};

// A base config's JSON and the name its errors go under (a file path).
struct StudyBase {
  nlohmann::json config;
  std::string source;
};
using StudyBaseLoader = std::function<StudyBase(const std::string& base)>;

// Reads and checks a study: a non-empty list of runs with unique names fit for a directory;
// every path of every "set" applied and the result parsed as an experiment, so a wrong path
// or value is refused before anything runs; forks of earlier runs at a step >= 0, with
// changes a fork can make. Throws ts::Error naming `source` and the key path
// ("optimizers.json: runs[2].set: ...").
Study parse_study(const nlohmann::json& j, const std::string& source, const StudyBaseLoader& load);

// The fork steps of run `i` (where runs of the study fork it), ascending, without repeats.
std::vector<int64_t> fork_steps(const Study& s, std::size_t i);
// What a run's data depends on (its config's "data" and seed): runs with the same key share
// one loaded dataset.
std::string data_key(const ExperimentConfig& c);

// A base named in `file` (a study's or a sweep's): a preset (assets/presets/<base>.json) or,
// when no preset has that name, a config file next to `file`.
StudyBase load_base(const std::string& base, const std::filesystem::path& file);

// A study file; its base is a preset (assets/presets/<base>.json) or, when no preset has that
// name, a config file relative to the study.
Study read_study(const std::filesystem::path& file);

// The shipped studies (assets/studies/, or TRAINSCOPE_ASSETS/studies).
std::filesystem::path studies_dir();
// A study file, or the name of a shipped one; throws ts::Error listing the shipped ones.
std::filesystem::path find_study(const std::string& file_or_name);

}  // namespace ts
