// Live controls of a running experiment: run buttons (start, pause/resume, step 1, step N,
// new run), sliders for the settings that may change between steps (learning rate,
// momentum or beta1, weight decay, dropout, batch size), the optimizer, freezing, pruning,
// snapshots, rewinding and checkpoints. Every action is a Trainer command; the values
// shown come from the trainer's published status, so what is drawn is what trains.
//
// UI thread only. Owns no training state: only what the user is editing right now.
#pragma once

#include "core/train/trainer.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ts {

class ControlsPanel {
 public:
  // `send` submits a command and reports it (for tests, as an "event" line); `report`
  // prints a widget's position under a name.
  using Send = std::function<void(Command, const std::string&)>;
  using Report = std::function<void(const char*)>;

  // What "New run" asked for: the experiment shown, or (after the user chose to keep them)
  // the experiment with the changes made live.
  enum class NewRun { none, shown, with_live_changes };
  // `live_changes` lists what the live run changed from the experiment shown (empty: nothing);
  // when New run is pressed with changes, a popup asks which experiment to start.
  // `space_tapped`: the space bar was tapped since the last frame (it pauses and resumes).
  NewRun draw(const Trainer& trainer, const TrainerStatus& status, const std::string& live_changes,
              bool space_tapped, const Send& send, const Report& report);

 private:
  void draw_settings(const TrainerStatus& st, const Send& send, const Report& report);
  void draw_pruning(const Trainer& trainer, const Send& send, const Report& report);
  void draw_history(const Trainer& trainer, const TrainerStatus& st, const Send& send,
                    const Report& report);
  // The averages the run keeps, and that they evaluate the network as pruned now.
  void draw_averaging(const TrainerStatus& st);

  // Values being dragged; re-read from the status when not being edited.
  float lr_ = 0.1f;
  float momentum_ = 0.9f;
  float weight_decay_ = 0.0f;
  float dropout_ = 0.0f;
  int batch_ = 64;
  int step_count_ = 10;
  float speed_ = 3000.f;  // steps a second; the slider's right end is full speed
  int prune_layer_ = 0;   // 0: every layer; else layers()[i - 1]
  int prune_criterion_ = 0;
  float prune_percent_ = 50.0f;
  bool prune_global_ = false;
  int snapshots_taken_ = 0;
  int rewind_choice_ = 0;
  std::string active_;  // the slider being dragged, whose value is not overwritten
  // The kind the user just switched to, whose usual learning rate is proposed once applied.
  std::optional<OptimizerKind> proposed_for_;
};

}  // namespace ts
