#include "core/run/sweep_status.h"

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/io/json_fields.h"
#include "core/io/run_lock.h"

#include <ctime>

namespace ts {

nlohmann::json to_json(const TaskRecord& r) {
  nlohmann::json j{{"state", r.state},     {"attempt", r.attempt},
                   {"host", r.host},       {"pid", r.pid},
                   {"step", r.step},       {"planned_steps", r.planned_steps},
                   {"started", r.started}, {"updated", r.updated}};
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

std::optional<TaskRecord> read_task_record(const std::filesystem::path& run_dir) {
  const std::filesystem::path path = run_dir / "task.json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path, std::size_t(1) << 20));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": not JSON (" + e.what() + ")");
  }
  JsonFields f(j, path.string());
  TaskRecord r;
  r.state = f.required_string("state");
  f.check(r.state == "running" || r.state == "done" || r.state == "failed" || r.state == "requeue",
          "state", "must be running, done, failed or requeue, got \"" + r.state + "\"");
  r.attempt = int(f.integer("attempt", 0));
  r.host = f.string("host", "");
  r.pid = f.integer("pid", 0);
  r.step = f.integer("step", 0);
  r.planned_steps = f.integer("planned_steps", 0);
  r.error = f.string("error", "");
  r.started = f.string("started", "");
  r.updated = f.string("updated", "");
  f.finish();
  return r;
}

void write_task_record(const std::filesystem::path& run_dir, const TaskRecord& r) {
  write_file_atomic(run_dir / "task.json", to_json(r).dump(2) + "\n");
}

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const char* to_string(SweepRunState s) {
  switch (s) {
    case SweepRunState::pending:
      return "pending";
    case SweepRunState::running:
      return "running";
    case SweepRunState::done:
      return "done";
    case SweepRunState::failed:
      return "failed";
  }
  return "?";
}

std::vector<SweepRunStatus> sweep_status(const SweepPlan& plan) {
  std::vector<SweepRunStatus> out;
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    const std::filesystem::path dir = plan.run_dir(i);
    SweepRunStatus s;
    s.name = plan.runs[i].name;
    s.values = plan.runs[i].values;
    try {
      s.task = read_task_record(dir);
    } catch (const Error& e) {
      s.problem = e.what();
    }
    std::error_code ec;
    if (std::filesystem::exists(dir / "metrics.csv", ec)) {
      try {
        s.summary = summarize_run(dir);
      } catch (const Error& e) {
        if (s.problem.empty()) s.problem = e.what();
      }
    }
    if (const auto who = RunLock::holder(dir)) {
      s.state = SweepRunState::running;
      s.holder = *who;
    } else if (s.task && s.task->state == "done") {
      s.state = SweepRunState::done;
    } else if (s.task && s.task->state == "failed") {
      s.state = SweepRunState::failed;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace ts
