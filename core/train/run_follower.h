// A run directory read as it grows: another process (trainscope-cli train, a study, a sweep)
// writes it, and each poll() takes the rows appended since the last one into series shaped
// like a live trainer's (core/train/trainer_metrics.h), so the window draws a followed run
// with the same code as a live one. A torn last line (a row still being written) waits for
// its end. A table that went back (a resumed run drops the rows after its checkpoint; a
// rewind writes earlier steps again) starts a new generation holding the points before it,
// as a live trainer's rewind does. Reads files only; one thread at a time.
#pragma once

#include "core/experiment/experiment_config.h"
#include "core/train/trainer.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ts {

class RunFollower {
 public:
  // Reads config.json. Throws ts::Error naming the directory when it is not a run directory
  // or its config does not read.
  // `planned`: a run laid out by `sweep plan` may have no metrics.csv yet; its rows are taken
  // when they come.
  explicit RunFollower(std::filesystem::path dir, bool planned = false);
  ~RunFollower();
  RunFollower(const RunFollower&) = delete;
  RunFollower& operator=(const RunFollower&) = delete;

  // Takes what the tables gained since the last call; true when anything was new. A table
  // that cannot be read (a malformed row) stops being followed, and problem() says why.
  bool poll();

  const std::filesystem::path& dir() const { return dir_; }
  const ExperimentConfig& config() const { return config_; }
  std::shared_ptr<const TrainerMetrics> metrics() const { return metrics_; }
  // Every event of events.csv so far, in order.
  const std::vector<Event>& events() const { return events_; }
  int64_t step() const { return step_; }       // of the last metrics row
  double epoch() const { return epoch_; }      // of the last metrics row
  bool finished() const { return finished_; }  // an end, stop or early stop event
  const std::string& problem() const { return problem_; }

 private:
  struct Table;
  void take_metrics(const std::vector<std::vector<std::string>>& rows, Table& t);
  void take_layers(const std::vector<std::vector<std::string>>& rows, Table& t);
  void take_histograms(const std::vector<std::vector<std::string>>& rows, Table& t);
  void take_spectra(const std::vector<std::vector<std::string>>& rows, Table& t);
  void take_sharpness(const std::vector<std::vector<std::string>>& rows, Table& t);
  void take_events(const std::vector<std::vector<std::string>>& rows, Table& t);
  // A new generation of the series holding the points up to `last_step`.
  void go_back(int64_t last_step);
  LayerSeries* layer(const std::string& name);

  std::filesystem::path dir_;
  ExperimentConfig config_;
  std::shared_ptr<TrainerMetrics> metrics_;
  std::vector<std::unique_ptr<Table>> tables_;
  std::vector<Event> events_;
  int64_t step_ = 0;
  double epoch_ = 0;
  bool finished_ = false;
  std::string problem_;
};

}  // namespace ts
