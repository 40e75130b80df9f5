// `trainscope-cli sweep task DIR INDEX`: one run of a planned sweep to its end, the unit every
// backend calls (`sweep run --local`, a Slurm array task, a GNU parallel job). It
//   - does nothing for a run that is done (or failed, unless --retry);
//   - leaves a run another process is writing alone (exit 73);
//   - resumes from the run's newest checkpoint, or starts it afresh (a run killed before its
//     first checkpoint has its tables cleared, so no row is repeated);
//   - writes a checkpoint every --checkpoint-seconds of training (replacing the last such one),
//     so a killed task loses little;
//   - on SIGTERM, SIGUSR2 or SIGINT (a time limit, a preemption, Ctrl-C) finishes the step, writes
//     a checkpoint and exits 75, "requeue me";
//   - keeps DIR/<run>/task.json (core/run/sweep_status.h) up to date.
#include "app/cli/commands.h"
#include "app/cli/headless_drive.h"
#include "core/data/builtin_datasets.h"
#include "core/error.h"
#include "core/experiment/experiment_data.h"
#include "core/experiment/experiment_json.h"
#include "core/io/run_dir.h"
#include "core/io/run_lock.h"
#include "core/io/run_table.h"
#include "core/run/checkpoint.h"
#include "core/run/sweep_status.h"
#include "core/train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>

namespace ts::cli {

namespace {
volatile std::sig_atomic_t g_signalled = 0;
void on_signal(int) { g_signalled = 1; }

// Whether the run ended at `step`: its events.csv's last "end" event is at that step and no
// task opened the run again after it (a task killed between the final checkpoint and its
// task.json; not a diverged run retried and killed before its next checkpoint).
bool ended_at(const std::filesystem::path& run_dir, int64_t step) {
  std::error_code ec;
  if (!std::filesystem::exists(run_dir / "events.csv", ec)) return false;
  const RunTable t = read_run_table(run_dir, "events.csv");
  const std::size_t kind = t.column("kind"), at = t.column("step");
  for (std::size_t i = t.rows.size(); i-- > 0;) {
    if (t.rows[i][kind] == "open") return false;
    if (t.rows[i][kind] == "end") return int64_t(t.number(i, at)) == step;
  }
  return false;
}

// Whether the command `id` was applied as `detail` (a Pause that paused a running trainer says
// "paused"; one that found it paused already, say by the divergence test, "not running").
bool applied_as(const Trainer& t, uint64_t id, const std::string& detail) {
  const auto& events = t.events();
  for (std::size_t i = events.size(); i-- > 0;)
    if (events[i].command == id) return events[i].detail == detail;
  return false;
}

std::string host_name() {
  char buf[256] = {};
  return ::gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string("?");
}

// Pauses the trainer between two steps and writes the run directory's checkpoint of that step
// (its rows flushed first); returns the checkpoint's path, or nothing when it was not written.
// `paused_it`: whether this pause stopped a running trainer (the caller then resumes it; a
// trainer the divergence test paused stays paused).
std::optional<std::filesystem::path> checkpoint_now(Trainer& t, bool* paused_it = nullptr) {
  const uint64_t pause = t.submit(cmd::Pause{});
  t.wait_applied(t.submit(cmd::Save{}));
  if (paused_it) *paused_it = applied_as(t, pause, "paused");
  const auto path = RunDir(t.run_dir()).checkpoint_path(t.step());
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  return path;
}
}  // namespace

int sweep_task(const SweepTaskOptions& o) {
  namespace fs = std::filesystem;
  // From the start: a signal while the data loads is answered once training begins (at once,
  // with a checkpoint of the step it resumed at), not by the default action.
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGUSR2, on_signal);
  const SweepPlan plan = read_sweep_plan(o.dir);
  if (o.index < 0 || o.index >= int64_t(plan.runs.size()))
    throw Error("sweep task: " + std::to_string(o.index) + " is not a run of " +
                plan.manifest_path.string() + " (0 to " + std::to_string(plan.runs.size() - 1) +
                ")");
  const std::string& name = plan.runs[std::size_t(o.index)].name;
  const fs::path dir = plan.run_dir(std::size_t(o.index));
  const std::optional<TaskRecord> last = read_task_record(dir);
  if (last && last->state == "done") {
    std::printf("%s: done at step %lld; nothing to do\n", name.c_str(), (long long)last->step);
    return 0;
  }
  if (last && last->state == "failed" && !o.retry) {
    std::fprintf(stderr, "%s: failed before (%s); pass --retry to run it again\n", name.c_str(),
                 last->error.c_str());
    return 1;
  }
  if (const auto who = RunLock::holder(dir)) {
    std::printf("%s: another task%s is running it; leaving it alone\n", name.c_str(),
                who->empty() ? "" : (" (process " + *who + ")").c_str());
    return kTaskBusy;
  }

  // Resume from the newest checkpoint, or start afresh from the planned config.
  const std::optional<CheckpointFile> ckpt = RunDir(dir).latest_checkpoint();
  ExperimentConfig cfg = ckpt ? checkpoint_config(ckpt->path)
                              : parse_experiment(plan.runs[std::size_t(o.index)].config,
                                                 (dir / "config.json").string());
  if (o.threads) cfg.training.threads = *o.threads;
  TaskRecord rec;
  rec.attempt = last ? last->attempt + 1 : 1;
  rec.host = host_name();
  rec.pid = ::getpid();
  rec.started = rec.updated = utc_timestamp();
  auto write_record = [&](const std::string& state, int64_t step, const std::string& error) {
    rec.state = state;
    rec.step = step;
    rec.error = error;
    rec.updated = utc_timestamp();
    write_task_record(dir, rec);
  };
  const bool retrying = last && last->state == "failed";
  if (ckpt && !retrying && ended_at(dir, ckpt->step)) {
    write_record("done", ckpt->step, "");
    std::printf("%s: ended at step %lld; nothing to do\n", name.c_str(), (long long)ckpt->step);
    return 0;
  }
  auto busy = [&](const RunLockedError& e) {
    std::printf("%s: %s; leaving it alone\n", name.c_str(), e.what());
    return kTaskBusy;
  };
  if (!ckpt) {
    // Killed before its first checkpoint (or never started): its rows are dropped, under the
    // lock, so the fresh start repeats none of them.
    try {
      const RunLock lock(dir);
      for (const char* table : kRunTables) fs::remove(dir / table);
    } catch (const RunLockedError& e) {
      return busy(e);
    }
  }
  const fs::path data_root = data_dir(o.data_dir);
  auto data = load_experiment_data(cfg, data_root);
  auto run = std::make_unique<Run>(cfg, data);
  if (ckpt) load_checkpoint(*run, ckpt->path);
  rec.planned_steps = run->planned_steps();
  const int64_t from = run->steps_done();
  if (ckpt && from >= rec.planned_steps) {
    // Killed between its final checkpoint and the end event: nothing is left to train.
    write_record("done", from, "");
    std::printf("%s: at its planned %lld steps; nothing to do\n", name.c_str(), (long long)from);
    return 0;
  }
  std::fprintf(stderr, "%s (attempt %d on %s): %s, step %lld of %lld, %d thread(s)\n", name.c_str(),
               rec.attempt, rec.host.c_str(),
               ckpt ? ("resuming from " + ckpt->path.string()).c_str() : "starting",
               (long long)from, (long long)rec.planned_steps, run->threads());
  TrainerOptions topt;
  topt.run_dir = dir;
  topt.append = bool(ckpt);
  topt.stop_at_plan_end = true;
  topt.data_dir = data_root;
  // Another task may have taken the run since the check above (a duplicate submission).
  std::unique_ptr<Trainer> held;
  try {
    held = std::make_unique<Trainer>(std::move(run), topt);
  } catch (const RunLockedError& e) {
    return busy(e);
  }
  Trainer& trainer = *held;
  write_record("running", from, "");

  using Clock = std::chrono::steady_clock;
  auto saved_at = Clock::now();
  std::optional<CheckpointFile> periodic;  // the last checkpoint written for time's sake
  const int64_t interval = cfg.training.checkpoint_interval;
  HeadlessDrive drive;
  drive.quiet = o.quiet;
  drive.interrupted = &g_signalled;
  // Ends the drive at once: the checkpoint is written below. A run that ended meanwhile goes on
  // to its end.
  drive.on_interrupt = [](Trainer& t) { return t.state() != TrainerState::stopped; };
  drive.each_turn = [&](Trainer& t) {
    if (o.checkpoint_seconds <= 0 || t.state() != TrainerState::running ||
        Clock::now() - saved_at < std::chrono::duration<double>(o.checkpoint_seconds))
      return;
    saved_at = Clock::now();
    bool paused_it = false;
    const auto path = checkpoint_now(t, &paused_it);
    if (!path) {
      if (paused_it) t.submit(cmd::Start{});
      return;
    }
    // The one before goes, unless the config's own interval asked for it.
    if (periodic && periodic->path != *path && !(interval > 0 && periodic->step % interval == 0)) {
      std::error_code ec;
      fs::remove(periodic->path, ec);
    }
    periodic = CheckpointFile{t.step(), *path};
    write_record("running", t.step(), "");
    // Paused by the checkpoint: on again. A run that ended, or that the divergence test paused
    // just before, stays as it is (the drive then sees why).
    if (paused_it) t.submit(cmd::Start{});
  };
  const HeadlessEnd end = drive_headless(trainer, drive);
  std::optional<fs::path> last_checkpoint;
  if (end.interrupted && trainer.state() != TrainerState::stopped)
    last_checkpoint = checkpoint_now(trainer);
  const auto st = trainer.status();
  if (end.interrupted && trainer.state() != TrainerState::stopped) {  // else it ended meanwhile
    const auto& path = last_checkpoint;
    write_record("requeue", trainer.step(), "");
    std::fprintf(stderr, "%s: signalled at step %lld; %s; exit %d asks to be requeued\n",
                 name.c_str(), (long long)trainer.step(),
                 path ? ("checkpoint " + path->string()).c_str() : "no checkpoint written",
                 kTaskRequeue);
    return kTaskRequeue;
  }
  if (end.code != 0 && end.code != 130) {
    write_record("failed", trainer.step(), end.error);
    return end.code;
  }
  if (!st->problem.empty() || st->final_checkpoint.empty()) {
    // Ended, but its final rows or checkpoint could not be written (a full disk): not done.
    const std::string why = st->problem.empty() ? "no final checkpoint was written" : st->problem;
    write_record("failed", trainer.step(), why);
    std::fprintf(stderr, "%s: %s\n", name.c_str(), why.c_str());
    return 4;
  }
  if (periodic && periodic->step > st->step) {
    // Early stopping went back to its best step: a later periodic checkpoint would be taken for
    // the newest state.
    std::error_code ec;
    fs::remove(periodic->path, ec);
  }
  write_record("done", trainer.step(), "");
  if (st->final_test)
    std::printf("%s: test loss %.4f accuracy %.2f%% after %lld steps\n", name.c_str(),
                st->final_test->loss, 100.0 * st->final_test->accuracy, (long long)st->step);
  return 0;
}

}  // namespace ts::cli
