// What differs between two experiment configs: as the live commands that take a running
// experiment from one to the other (what a fork applies at its first step), and as a short
// phrase for a list of runs ("optimizer sgd -> adam, schedule.lr 0.05 -> 0.01").
// Pure functions; any thread.
#pragma once

#include "core/command/command.h"
#include "core/experiment/experiment_config.h"

#include <string>
#include <vector>

namespace ts {

// The commands that change a run of `from` into a run of `to` between two steps: a schedule
// (starting at the step it is applied), an optimizer (its state kept when the kind is the
// same), the batch size, the dropout rate, clipping, frozen layers and the monitor's live
// settings, in that order. The plan (see take_plan) may differ too. Anything else (the model,
// data, initialization, loss, seed, shards, averaging, gradual pruning, script) would be
// another experiment: throws ts::Error naming the first such key path.
std::vector<Command> fork_commands(const ExperimentConfig& from, const ExperimentConfig& to);

// Puts `to`'s plan into `config`: its name and description, the planned length (steps or
// epochs), the evaluation, checkpoint and keyframe intervals, early stopping and threads.
// None of them changes the state a run carries from step to step.
void take_plan(ExperimentConfig& config, const ExperimentConfig& to);

// The keys whose values differ, as dotted paths of the config's JSON (layers by name), with
// `base`'s value and `other`'s: "schedule.lr 0.05 -> 0.01", "pruning.final_sparsity 0.9" (a
// key `base` lacks). An object whose type changed comes first and alone: "optimizer sgd ->
// adam", not the keys that came or went with the type. The name, description and threads
// are left out; at most `most` items, then "and N more". Empty when the experiments are the
// same.
std::string config_difference(const ExperimentConfig& base, const ExperimentConfig& other,
                              std::size_t most = 4);

}  // namespace ts
