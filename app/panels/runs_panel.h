// The runs in the window, side by side (once there are two): one row each with its colour, label
// (renamed in place), state, step, samples/s, best validation accuracy, last loss and what differs
// from the first run; a tick shows or hides it on the charts; clicking a row selects the run the
// other panels act on. Above the table: Fork (a small form: from now, the initialization or a
// snapshot, with another learning rate, optimizer, batch size or weight decay), Remove, and
// Open (a run directory, followed read-only).
//
// UI thread only. Owns no run: the window passes a row per run and acts on what it returns.
#pragma once

#include "core/experiment/experiment_config.h"
#include "core/train/trainer.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ts {

class RunsPanel {
 public:
  using Report = std::function<void(const char*)>;

  struct Row {
    std::string* label = nullptr;  // edited in place
    bool* visible = nullptr;       // edited in place
    std::string color;             // "#rrggbb"
    std::string state;             // "training", "paused", "read-only", ...
    int64_t step = 0;
    double samples_per_s = 0;
    double best_validation_accuracy = NAN;
    double last_loss = NAN;
    std::string differs;  // from the first run, or from its parent for a fork
    // A live run's status (its live config and snapshots, for the fork form); null when
    // read-only.
    const TrainerStatus* status = nullptr;
  };

  struct Action {
    enum class Kind { none, select, remove, fork, open, shown };
    Kind kind = Kind::none;
    std::size_t run = 0;  // select, remove, fork, shown (its tick changed): the row
    CaptureOf from;       // fork: the state it starts from
    ExperimentConfig to;  // fork: the parent's live config with the changes
    std::string path;     // open: the run directory
  };

  // At most one action a frame. `keys`: what the runs can be coloured by (the config keys
  // whose values differ between them).
  Action draw(const std::vector<Row>& rows, std::size_t selected,
              const std::vector<std::string>& keys, const Report& report);
  // The key chosen to colour the runs by; "" : each run its own colour.
  const std::string& colour_by() const { return colour_by_; }

 private:
  void open_fork_form(const TrainerStatus& st);
  std::optional<Action> draw_fork_form(const Row& row, std::size_t index, const Report& report);

  // The fork form's fields, set from the selected run when it opens.
  int from_ = 0;  // 0: now, 1: the initialization, 2 + i: snapshot i
  bool change_lr_ = false;
  double lr_ = 0.01;
  int optimizer_ = 0;  // into all_optimizer_kinds()
  int batch_ = 64;
  double weight_decay_ = 0;
  char open_path_[512] = "";
  std::string colour_by_;
  std::string renaming_;  // the label being edited
  int renaming_row_ = -1;
  bool focus_rename_ = false;
};

}  // namespace ts
