// Writes a run directory as training goes: config.json once, one metrics.csv row per step
// (validation and test columns filled on evaluation steps, empty otherwise), one
// events.csv row per event. Rows are buffered and flushed at most every `flush_every`
// rows or on flush(), so recording costs little per step.
// Used by whoever drives a Run (the command line, the background trainer), on that thread.
#pragma once

#include "core/io/csv_writer.h"
#include "core/io/experiment_config.h"
#include "core/io/run_dir.h"
#include "core/train/run.h"

#include <optional>
#include <string>

namespace ts {

struct EvalPoint {
  BatchStats validation;
  BatchStats test;
};

class RunRecorder {
 public:
  // A new run refuses a directory that already holds metrics; a resumed run (`append`)
  // continues that directory's metrics and events.
  RunRecorder(const std::filesystem::path& root, const ExperimentConfig& config, bool append);

  const RunDir& dir() const { return dir_; }
  void record_step(const StepReport& r, const std::optional<EvalPoint>& eval);
  void record_event(int64_t step, const std::string& kind, const std::string& detail);
  void flush();

 private:
  RunDir dir_;
  CsvWriter metrics_;
  CsvWriter events_;
  int pending_ = 0;
};

}  // namespace ts
