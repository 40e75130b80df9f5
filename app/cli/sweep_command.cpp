// `trainscope-cli sweep plan` and `sweep status`. The plan: a sweep (core/experiment/sweep.h) laid
// out as directories, the unit every backend (this machine, Slurm, GNU parallel) then runs:
// DIR/manifest.json (the sweep and its runs with their values) and DIR/<run>/planned.json and
// config.json for each
// run. Planning the same sweep again changes nothing; another sweep into the same directory is
// refused unless
// --force, so runs already trained are never silently given another meaning. The status: how
// far the runs are (core/run/sweep_status.h), each failure's error, and the best runs by a
// metric, as text or one JSON object.
#include "app/cli/commands.h"
#include "core/error.h"
#include "core/experiment/sweep.h"
#include "core/io/atomic_file.h"
#include "core/run/sweep_status.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>

#include <cstdio>

namespace ts::cli {

int sweep_plan(const SweepPlanOptions& o) {
  namespace fs = std::filesystem;
  const Sweep s = read_sweep(o.sweep);  // checked whole before anything is written
  const nlohmann::json manifest = sweep_manifest(s);
  const fs::path out = o.out;
  const fs::path path = out / "manifest.json";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    nlohmann::json old;
    const std::string text = read_file(path, std::size_t(64) << 20);  // names the file
    try {
      old = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw Error(path.string() + ": not a manifest (" + e.what() +
                  "); plan into another directory or remove it");
    }
    if (same_plan(old, manifest)) {
      std::printf("%s: already planned, %zu runs; nothing to change\n", out.string().c_str(),
                  s.runs.size());
      return 0;
    }
    if (!o.force)
      throw Error(path.string() +
                  ": holds another sweep (or another version of this one); plan into another "
                  "directory, or pass --force to replace the plan (trained runs are left as "
                  "they are)");
  }
  for (const SweepRun& r : s.runs) {
    // planned.json stays as planned (the manifest is checked against it); config.json is the
    // run directory's config, which a task's recorder writes again as it starts.
    write_file_atomic_creating_parents(out / r.name / "planned.json", r.config.dump(2) + "\n");
    write_file_atomic_creating_parents(out / r.name / "config.json", r.config.dump(2) + "\n");
  }
  write_file_atomic_creating_parents(path, manifest.dump(2) + "\n");
  std::printf("planned %zu runs of %s in %s\n", s.runs.size(), s.name.c_str(),
              out.string().c_str());
  return 0;
}

namespace {
// A run's value of a ranking metric, and whether higher is better.
struct Metric {
  std::string name;
  bool higher_better = true;
  std::optional<double> of(const SweepRunStatus& r) const {
    if (!r.summary) return std::nullopt;
    const RunSummary& s = *r.summary;
    if (name == "best_validation_accuracy") return s.best_validation_accuracy;
    if (name == "validation_accuracy") return s.validation_accuracy;
    if (name == "test_accuracy") return s.test_accuracy;
    return s.train_loss;
  }
};

Metric metric_named(const std::string& name) {
  if (name == "best_validation_accuracy" || name == "validation_accuracy" ||
      name == "test_accuracy")
    return {name, true};
  if (name == "train_loss") return {name, false};
  throw Error("--metric " + name +
              ": unknown (expected best_validation_accuracy, validation_accuracy, "
              "test_accuracy or train_loss)");
}

std::string values_text(const nlohmann::json& values) {
  std::string t;
  for (auto it = values.begin(); it != values.end(); ++it)
    t += (t.empty() ? "" : " ") + it.key() + "=" +
         (it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
  return t;
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}
}  // namespace

int sweep_status(const SweepStatusOptions& o) {
  const Metric metric = metric_named(o.metric);
  const SweepPlan plan = read_sweep_plan(o.dir);
  const std::vector<SweepRunStatus> runs = sweep_status(plan);
  std::size_t count[4] = {};
  for (const auto& r : runs) ++count[int(r.state)];
  std::vector<std::size_t> ranked;
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (const auto v = metric.of(runs[i]); v && std::isfinite(*v)) ranked.push_back(i);
  std::stable_sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) {
    const double x = *metric.of(runs[a]), y = *metric.of(runs[b]);
    return metric.higher_better ? x > y : x < y;
  });
  if (ranked.size() > std::size_t(o.top)) ranked.resize(std::size_t(o.top));

  if (o.json) {
    nlohmann::json j{{"sweep", plan.name},
                     {"dir", plan.dir.string()},
                     {"done", count[int(SweepRunState::done)]},
                     {"running", count[int(SweepRunState::running)]},
                     {"failed", count[int(SweepRunState::failed)]},
                     {"pending", count[int(SweepRunState::pending)]},
                     {"metric", metric.name}};
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : runs) {
      nlohmann::json e{{"name", r.name}, {"state", to_string(r.state)}, {"values", r.values}};
      e["step"] = r.summary ? r.summary->steps : 0;
      e["planned_steps"] = r.task ? r.task->planned_steps : 0;
      e["attempts"] = r.task ? r.task->attempt : 0;
      if (r.task && !r.task->host.empty()) e["host"] = r.task->host;
      if (r.state == SweepRunState::running) e["process"] = r.holder;
      if (r.task && !r.task->error.empty()) e["error"] = r.task->error;
      if (!r.problem.empty()) e["problem"] = r.problem;
      if (r.summary) {
        e["best_validation_accuracy"] = optional_json(r.summary->best_validation_accuracy);
        e["validation_accuracy"] = optional_json(r.summary->validation_accuracy);
        e["test_accuracy"] = optional_json(r.summary->test_accuracy);
        e["train_loss"] = optional_json(r.summary->train_loss);
      }
      list.push_back(std::move(e));
    }
    j["runs"] = std::move(list);
    nlohmann::json best = nlohmann::json::array();
    for (const std::size_t i : ranked) best.push_back(runs[i].name);
    j["best"] = std::move(best);
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("sweep %s (%s): %zu runs: %zu done, %zu running, %zu failed, %zu pending\n",
              plan.name.c_str(), plan.dir.string().c_str(), runs.size(),
              count[int(SweepRunState::done)], count[int(SweepRunState::running)],
              count[int(SweepRunState::failed)], count[int(SweepRunState::pending)]);
  for (const auto& r : runs) {
    const int64_t step = r.summary ? r.summary->steps : 0;
    const int64_t planned = r.task ? r.task->planned_steps : 0;
    const std::string where =
        r.task && !r.task->host.empty() ? " on " + r.task->host : std::string();
    if (r.state == SweepRunState::running)
      std::printf("  running  %s  step %lld of %lld (process %s%s)\n", r.name.c_str(),
                  (long long)step, (long long)planned, r.holder.c_str(), where.c_str());
    else if (r.state == SweepRunState::failed)
      std::printf("  failed   %s  attempt %d%s: %s\n", r.name.c_str(), r.task->attempt,
                  where.c_str(), r.task->error.c_str());
    else if (r.state == SweepRunState::pending && step > 0)
      std::printf("  pending  %s  resumes at step %lld of %lld\n", r.name.c_str(), (long long)step,
                  (long long)planned);
    if (!r.problem.empty()) std::printf("  problem  %s  %s\n", r.name.c_str(), r.problem.c_str());
  }
  if (!ranked.empty()) {
    std::printf("best by %s:\n", metric.name.c_str());
    for (const std::size_t i : ranked)
      std::printf("  %s  %s  %-7s  %s\n", runs[i].name.c_str(),
                  format_fixed(*metric.of(runs[i]), 4).c_str(), to_string(runs[i].state),
                  values_text(runs[i].values).c_str());
  }
  return 0;
}

}  // namespace ts::cli
