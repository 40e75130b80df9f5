// Colours for many runs by one hyperparameter, as the Runs panel's "colour by" offers: the keys
// whose values differ between the runs' configs, and for one key a colour per run: numbers on
// viridis (on a log scale when all are positive and span more than ten times), anything else
// as categories on the chart palette, in order of first appearance.
// Pure functions; any thread.
#pragma once

#include "core/experiment/experiment_config.h"

#include <string>
#include <vector>

namespace ts::plot {

// The dotted key paths ("schedule.lr", "optimizer.type") whose values are not the same in
// every config, in the order of the first config's keys; the name and description are left out.
std::vector<std::string> differing_keys(const std::vector<const ExperimentConfig*>& configs);

// A "#rrggbb" per config for the value of `key` (a config without it gets grey).
std::vector<std::string> colours_by(const std::vector<const ExperimentConfig*>& configs,
                                    const std::string& key);

}  // namespace ts::plot
