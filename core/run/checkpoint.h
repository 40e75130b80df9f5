// Checkpoints of a Run in the safetensors format, so PyTorch and NumPy users can read the
// weights: every parameter under its own name ("fc1.weight", row-major [out, in]; conv
// weights [filters, k, k, channels]), plus
//   "__initial__.<name>"  the weights at initialization (for rewinding, distance from init)
//   "__mask__.<name>"     U8 masks of tensors with pruned entries
//   "__optim__.<buffer>"  each optimizer state buffer, flat F32 aligned with the parameters
//   "__average__.polyak", "__average__.ema"  F64 running sums of the weight averages
//   "__ensemble__.<i>"    the snapshot ensemble's members, flat F32
// and in __metadata__: "format" ("trainscope-checkpoint-1"), "config" (the experiment as
// JSON), "step", "schedule_start" (the step the live schedule began at),
// "scripts_applied" (how many of the config's scripted commands were applied), "optimizer"
// (kind), "optimizer_steps", "batcher" (its state as JSON),
// "frozen" (JSON list of tensor names), "polyak_count" and "ema_count" (when averaging),
// "ensemble_steps" (JSON list), "monitor" (the trainer's state, Run::monitor_state, when it keeps
// one). The random state of a run is its seed, its step (dropout
// streams are derived from both) and the batcher's state, so these restore it exactly.
//
// Saving writes a temporary file and renames it, so a crash never ruins the previous
// checkpoint. Loading checks everything before changing the run: a corrupt or mismatched
// file gives an error naming the file and the tensor, and leaves the run as it was.
// Called on the training thread.
#pragma once

#include "core/experiment/experiment_config.h"
#include "core/io/safetensors.h"
#include "core/run/run.h"

#include <filesystem>
#include <string>
#include <vector>

namespace ts {

void save_checkpoint(const Run& run, const std::filesystem::path& path);
// Exact resume: weights, initial weights, masks, optimizer state, step, batcher position.
void load_checkpoint(Run& run, const std::filesystem::path& path);
// The same, in memory: the file's contents, and a restore from parsed contents (`source`
// names them in errors). load_checkpoint = read_safetensors + restore_checkpoint.
SafetensorsContents checkpoint_contents(const Run& run);
void restore_checkpoint(Run& run, const SafetensorsContents& contents, const std::string& source);
// The experiment stored in a checkpoint.
ExperimentConfig checkpoint_config(const std::filesystem::path& path);
// Transfer learning: copies the tensors of `layers` (every layer when empty) whose name and
// shape match from the checkpoint into the run's network. Returns the tensor names copied.
std::vector<std::string> load_weights(Run& run, const std::filesystem::path& path,
                                      const std::vector<std::string>& layers);

}  // namespace ts
