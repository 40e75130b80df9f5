// Loads or generates the data an experiment names: MNIST and Fashion-MNIST from the data
// directory, synthetic sets from the config's generator parameters and seed.
#pragma once

#include "core/data/dataset.h"
#include "core/experiment/experiment_config.h"

#include <filesystem>
#include <memory>

namespace ts {

// Throws ts::Error naming the missing file and the command that installs it.
std::shared_ptr<const DataSplits> load_experiment_data(const ExperimentConfig& c,
                                                       const std::filesystem::path& data_dir);

// True when the experiment's data can be had (synthetic sets always can).
bool experiment_data_available(const ExperimentConfig& c, const std::filesystem::path& data_dir);

}  // namespace ts
