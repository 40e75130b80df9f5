// One run in the window: either live (the experiment it trains as opened, its data, its trainer
// and run directory) or read-only (a run directory another process wrote or still writes,
// followed as it grows: core/train/run_follower.h). Beside it, what the window keeps of it
// between frames: the newest status, the events so far and their chart markers, and how it is
// shown among the others (its label, colour, visibility, the run it was forked from).
// UI thread; training runs in the Trainer (core/train/trainer.h) and is never waited on.
#pragma once

#include "core/chart/svg_chart.h"
#include "core/data/dataset.h"
#include "core/experiment/experiment_config.h"
#include "core/train/run_follower.h"
#include "core/train/trainer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ts {

struct RunPlaces {
  std::filesystem::path data_dir;  // for checkpoints of other datasets
  std::string runs_dir;            // a new run directory under it; empty: nothing recorded
  std::string export_dir;          // the run's exports go to <export_dir>/<run directory name>
};

// How a live run begins when it is not a fresh start of its config: a fork.
struct ForkStart {
  std::unique_ptr<Run> run;                       // the captured state, restored
  std::filesystem::path parent_dir;               // its tables up to the fork step are copied
  std::string parent_label;                       // "run 1"
  int64_t step = 0;                               // the step it starts at
  std::shared_ptr<const TrainerMetrics> history;  // the parent's series (core/train/trainer.h)
  std::vector<Command> changes;                   // applied before its first step
};

class LiveRun {
 public:
  // Starts `config` (paused) on `data` in a new run directory <runs_dir>/<name>-<time>. Throws
  // ts::Error for the experiment's errors; a run directory that cannot be written is not one
  // (record_note() says why), the run trains on without files. A fork starts from `fork`'s
  // state with its parent's history, in a directory holding the parent's rows up to the fork.
  LiveRun(ExperimentConfig config, std::string name, std::shared_ptr<const DataSplits> data,
          const RunPlaces& places, ForkStart* fork = nullptr);
  // A read-only run: the run directory `dir`, followed; its exports go to
  // <export_dir>/<its name>. Throws ts::Error naming it when it is not one.
  // `planned`: a sweep's run, which may not have started yet (RunFollower).
  LiveRun(const std::filesystem::path& dir, const std::string& export_dir, bool planned = false);
  // Stops the trainer; removes the run directory of a run that never trained or saved.
  ~LiveRun();
  LiveRun(const LiveRun&) = delete;
  LiveRun& operator=(const LiveRun&) = delete;

  const ExperimentConfig& config() const { return config_; }  // as opened
  const std::string& name() const { return name_; }           // names its run directories
  // False for a read-only run, which has neither data nor a trainer.
  bool live() const { return trainer_ != nullptr; }
  const std::shared_ptr<const DataSplits>& data() const { return data_; }
  Trainer& trainer() { return *trainer_; }
  const Trainer& trainer() const { return *trainer_; }
  // The series to draw: the trainer's, or those read from the followed directory.
  std::shared_ptr<const TrainerMetrics> metrics() const;
  // Where its files are: the run directory, or the followed one; empty when not recorded.
  std::filesystem::path dir() const;
  // "training", "paused", "done", "diverged", "read-only" or "read-only, done".
  std::string state_name() const;
  // A sweep run's progress as its files tell it: "done" or "failed" (its task's record), else
  // "done" (it ended), "started" (rows, no end yet: training or waiting to resume) or
  // "pending" (no row yet); a live run's state_name().
  std::string progress() const;
  // The best validation accuracy so far, NaN before the first evaluation.
  double best_validation_accuracy() const;
  // What differs from `base` (the first run's live config) in a short phrase; a fork says
  // first whose fork it is.
  std::string differs_from(const LiveRun& base);
  // How the window shows it among the others.
  int id = 0;             // its key in the window, never reused
  std::string label;      // "run 2", renamed by the user
  std::size_t color = 0;  // into the palette (core/chart/svg_chart.h palette_color)
  bool visible = true;
  std::string forked_from;  // the parent's label; empty: not a fork
  int64_t fork_step = 0;
  int64_t reported_step = -1;  // a read-only run's last step the window printed
  // A sweep's run: its swept paths and values (core/experiment/sweep.h); null otherwise.
  nlohmann::json sweep_values;
  // Where this run's exports go, named like its run directory.
  const std::string& exports_dir() const { return exports_dir_; }
  // Why the run records nothing when it could not, else "".
  const std::string& record_note() const { return record_note_; }
  // "trainscope run <dir>, <experiment>, step N": what its exports say they came from.
  std::string source() const;

  // Once a frame: takes the newest status and the events recorded since the last call, which
  // it returns; the markers follow them (a rewind, reset or load drops those of the abandoned
  // steps).
  std::vector<Event> poll();
  const std::shared_ptr<const TrainerStatus>& status() const { return status_; }
  const std::vector<SvgMarker>& markers() const { return markers_; }
  // What the live run changed from the experiment as opened, as dotted keys two deep
  // ("schedule.lr, optimizer.momentum"), or "".
  std::string live_changes();

 private:
  ExperimentConfig config_;
  std::string name_;
  std::shared_ptr<const DataSplits> data_;
  std::unique_ptr<Trainer> trainer_;
  std::unique_ptr<RunFollower> follower_;              // a read-only run's
  std::chrono::steady_clock::time_point polled_at_{};  // a read-only run's last read
  std::chrono::steady_clock::time_point task_read_at_{};
  std::string task_state_;  // a sweep run's task.json state, read once a second
  std::string exports_dir_;
  std::string record_note_;
  std::shared_ptr<const TrainerStatus> status_;
  std::vector<Event> events_;
  std::vector<SvgMarker> markers_;
  std::shared_ptr<const TrainerStatus> diffed_status_;  // live_changes_ is of this status
  std::string live_changes_;
  std::shared_ptr<const TrainerStatus> differs_status_, differs_base_;  // differs_ is of these
  std::chrono::steady_clock::time_point differs_at_{};
  std::string differs_;
};

}  // namespace ts
