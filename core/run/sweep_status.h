// Where each run of a planned sweep stands, read from its directory: what `sweep status`
// prints, what `sweep run --local` schedules, and what the window will show.
//
// `sweep task` keeps DIR/<run>/task.json: the state of its last attempt ("running", "done",
// "failed", or "requeue" after a time-limit signal), the attempt's number, host and process,
// the step reached, the planned steps, and a failure's error line. A run is then
//   running  while a process holds its directory's lock (core/io/run_lock.h), wherever
//            task.json says it is (a task killed without a word leaves "running" behind);
//   done     when its last task ended the run;
//   failed   when its last task failed (diverged, bad data, a full disk): the error says why;
//   pending  otherwise: never started, requeued, or killed (it resumes from its checkpoint).
// Reads files only; any thread.
#pragma once

#include "core/experiment/sweep.h"
#include "core/run/run_summary.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ts {

struct TaskRecord {
  std::string state;  // "running", "done", "failed", "requeue"
  int attempt = 0;    // 1 for the first task of the run
  std::string host;
  int64_t pid = 0;
  int64_t step = 0;  // reached when the record was written
  int64_t planned_steps = 0;
  std::string error;    // "failed": the last error line
  std::string started;  // this attempt's start and the record's time, ISO 8601 UTC
  std::string updated;
};

nlohmann::json to_json(const TaskRecord& r);
// DIR/task.json, or nullopt when there is none; throws ts::Error naming the file and the field
// when it holds something else.
std::optional<TaskRecord> read_task_record(const std::filesystem::path& run_dir);
// Written atomically (core/io/atomic_file.h).
void write_task_record(const std::filesystem::path& run_dir, const TaskRecord& r);
// Now, as task records write it: "2026-12-05T12:30:00Z".
std::string utc_timestamp();

enum class SweepRunState { pending, running, done, failed };
const char* to_string(SweepRunState s);

struct SweepRunStatus {
  std::string name;
  nlohmann::json values;
  SweepRunState state = SweepRunState::pending;
  std::optional<TaskRecord> task;
  std::optional<RunSummary> summary;  // when metrics.csv has rows
  std::string holder;                 // running: the process id holding the lock
  std::string problem;                // a file of the run that cannot be read
};

// One status per run of the plan, in its order.
std::vector<SweepRunStatus> sweep_status(const SweepPlan& plan);

}  // namespace ts
