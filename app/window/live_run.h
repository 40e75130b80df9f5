// One run live in the window: the experiment it trains (as opened), its data, its trainer and
// run directory, and what the window keeps of it between frames (the newest status, the
// events so far and their chart markers). The window holds one; runs side by side hold several.
// UI thread; training runs in the Trainer (core/train/trainer.h) and is never waited on.
#pragma once

#include "core/chart/svg_chart.h"
#include "core/data/dataset.h"
#include "core/experiment/experiment_config.h"
#include "core/train/trainer.h"

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

class LiveRun {
 public:
  // Starts `config` (paused) on `data` in a new run directory <runs_dir>/<name>-<time>. Throws
  // ts::Error for the experiment's errors; a run directory that cannot be written is not one
  // (record_note() says why), the run trains on without files.
  LiveRun(ExperimentConfig config, std::string name, std::shared_ptr<const DataSplits> data,
          const RunPlaces& places);
  // Stops the trainer; removes the run directory of a run that never trained or saved.
  ~LiveRun();
  LiveRun(const LiveRun&) = delete;
  LiveRun& operator=(const LiveRun&) = delete;

  const ExperimentConfig& config() const { return config_; }  // as opened
  const std::string& name() const { return name_; }           // names its run directories
  const std::shared_ptr<const DataSplits>& data() const { return data_; }
  Trainer& trainer() { return *trainer_; }
  const Trainer& trainer() const { return *trainer_; }
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
  std::string exports_dir_;
  std::string record_note_;
  std::shared_ptr<const TrainerStatus> status_;
  std::vector<Event> events_;
  std::vector<SvgMarker> markers_;
  std::shared_ptr<const TrainerStatus> diffed_status_;  // live_changes_ is of this status
  std::string live_changes_;
};

}  // namespace ts
