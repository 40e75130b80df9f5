// A sweep: many runs of one experiment over a grid and/or random draws of hyperparameters, to be
// run on this machine, on Slurm or with GNU parallel (`trainscope-cli sweep`). JSON:
// {
//   "name": "lr-batch",
//   "base": "lenet-300-100-mnist",          a preset name, or a config file next to the sweep
//   "set": {"training.epochs": 1},           fixed changes for every run (dotted paths)
//   "grid": {"schedule.lr": [0.01, 0.1], "training.batch_size": [32, 128]},
//   "random": {"count": 8, "seed": 1,
//              "params": {"schedule.lr": {"log_uniform": [1e-4, 1]},
//                         "regularization.weight_decay": {"uniform": [0, 0.001]},
//                         "optimizer.type": {"choice": ["sgd", "adam"]}}}
// }
// The runs: every combination of the grid (the last key varying fastest), each with `count`
// random draws when both are given; the grid alone; or the draws alone. Every run's config is
// built and parsed before anything runs, so a wrong path or value is refused with its key.
// Pure values and functions; any thread.
#pragma once

#include "core/experiment/experiment_config.h"
#include "core/experiment/study.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace ts {

struct SweepRun {
  std::string name;       // "run-0007": its directory's name
  nlohmann::json values;  // the swept paths and this run's values, {"schedule.lr": 0.01, ...}
  nlohmann::json config;  // the whole config, as its planned.json holds it
};

struct Sweep {
  std::string name;
  nlohmann::json definition;  // the sweep file as read, kept in the manifest
  std::vector<SweepRun> runs;
};

// Reads and checks a sweep; throws ts::Error naming `source` and the key path
// ("lr.json: grid.schedule.lr: an empty list of values").
Sweep parse_sweep(const nlohmann::json& j, const std::string& source, const StudyBaseLoader& load);
// A sweep file; its base is found as a study's is (load_base).
Sweep read_sweep(const std::filesystem::path& file);

// The manifest `trainscope-cli sweep plan` writes: the sweep and its runs with their values.
nlohmann::json sweep_manifest(const Sweep& sweep);
// Whether two manifests plan the same runs (what `sweep slurm --submit` records is left out).
bool same_plan(const nlohmann::json& a, const nlohmann::json& b);

// A planned sweep directory read back: DIR/manifest.json and each run's planned.json (its config as
// planned).
struct SweepPlan {
  std::filesystem::path dir;
  std::filesystem::path manifest_path;
  nlohmann::json manifest;  // as read
  std::string name;
  std::vector<SweepRun> runs;  // config: the run's planned.json
  std::filesystem::path run_dir(std::size_t i) const { return dir / runs.at(i).name; }
};
// Throws ts::Error naming the manifest and the field ("DIR/manifest.json.runs[3].name: ...")
// when the manifest is not one `sweep plan` writes (a run's name that is not run-NNNN or is
// repeated, values that are not an object, an unknown key), when a run's planned.json is
// missing or not an experiment, or when a run's values disagree with its planned.json (a
// manifest edited by hand). Reads files only.
SweepPlan read_sweep_plan(const std::filesystem::path& dir);

}  // namespace ts
