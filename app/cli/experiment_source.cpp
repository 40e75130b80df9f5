// Where the command line's experiments come from: a config file or a named preset.
#include "app/cli/commands.h"
#include "core/experiment/config_overrides.h"
#include "core/experiment/experiment_json.h"
#include "core/experiment/presets.h"
#include "core/io/run_dir.h"

#include "core/data/builtin_datasets.h"
#include "core/error.h"

#include <ctime>
#include <filesystem>

namespace ts::cli {

ExperimentConfig load_named_experiment(const std::string& config, const std::string& preset,
                                       const std::vector<std::string>& sets) {
  if (!config.empty() && !preset.empty()) throw Error("give --config or --preset, not both");
  if (!config.empty()) return experiment_with_overrides(read_experiment_json(config), sets, config);
  const std::string name = preset.empty() ? "lenet-300-100-mnist" : preset;
  const auto path = presets_dir() / (name + ".json");
  if (!std::filesystem::exists(path)) throw Error(unknown_preset(name));
  return experiment_with_overrides(read_experiment_json(path), sets, path.string());
}

std::string default_run_dir(const std::string& name) {
  return claim_run_dir("runs", timestamped_run_name(name)).string();
}

}  // namespace ts::cli
