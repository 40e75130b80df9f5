// Run directories under faults: one writer at a time (RunLock), a run resumed after a crash
// continues its tables without repeating rows, and check_run_dir reads a directory back.
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/io/csv_writer.h"
#include "core/io/run_lock.h"
#include "core/run/checkpoint.h"
#include "core/run/run.h"
#include "core/run/run_check.h"
#include "core/run/run_recorder.h"
#include "tests/temp_dir.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <string>

namespace fs = std::filesystem;
using ts::testing::TempDir;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ts::Error& e) {
    return e.what();
  }
  return "<no error>";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

ts::ExperimentConfig tiny_config() {
  return ts::parse_experiment_text(R"({
    "name": "run files",
    "data": {"dataset": "blobs", "classes": 2, "dim": 4, "train_size": 64, "validation_size": 16, "test_size": 16},
    "model": {"layers": [{"type": "dense", "units": 4, "activation": "relu"}, {"type": "dense", "units": 2}]},
    "training": {"batch_size": 8, "steps": 40, "seed": 2}})",
                                   "run-files.json");
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

}  // namespace

TEST_CASE("run lock: a second writer is refused until the first is gone") {
  TempDir dir;
  {
    ts::RunLock first(dir.path());
    const std::string msg = error_of([&] { ts::RunLock second(dir.path()); });
    CHECK(contains(msg, dir.path().string() + ": another trainscope run (process " +
                            std::to_string(::getpid()) + ") is writing this run directory"));
  }
  ts::RunLock again(dir.path());  // released with the first
  CHECK(fs::exists(ts::RunLock::lock_path(dir.path())));
}

TEST_CASE("run lock: held by another process, and free once that process is killed") {
  TempDir dir;
  const std::string lock = ts::RunLock::lock_path(dir.path()).string();
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Only system calls here: take the lock as RunLock does, say so, and wait to be killed.
    const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) ::_exit(1);
    char pid[24];
    int n = 0;
    for (pid_t p = ::getpid(); p > 0; p /= 10) pid[n++] = char('0' + p % 10);
    for (int i = 0; i < n / 2; ++i) std::swap(pid[i], pid[n - 1 - i]);
    if (::ftruncate(fd, 0) != 0 || ::write(fd, pid, std::size_t(n)) != n) ::_exit(1);
    if (::write(ready[1], "x", 1) != 1) ::_exit(1);
    for (;;) ::pause();
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  const std::string msg = error_of([&] { ts::RunLock mine(dir.path()); });
  CHECK(contains(msg, "another trainscope run (process " + std::to_string(child) + ")"));
  // A recorder (what a trainer writes through) is refused the same way, before it touches
  // any file.
  CHECK(contains(error_of([&] { ts::RunRecorder r(dir.path(), tiny_config(), false); }),
                 "is writing this run directory"));
  CHECK_FALSE(fs::exists(dir / "metrics.csv"));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  ts::RunLock mine(dir.path());  // the killed process left no stale lock
}

TEST_CASE("a run resumed after a crash drops the rows written after its checkpoint") {
  TempDir dir;
  const fs::path root = dir / "run";
  { ts::RunRecorder r(root, tiny_config(), false); }
  // What a crash at step 9 leaves when the newest checkpoint is at step 6: rows to 9 and a
  // torn tenth line in metrics.csv, events after 6.
  {
    const auto header = ts::parse_csv_file(root / "metrics.csv").rows.at(0);
    std::string text;
    for (std::size_t i = 0; i < header.size(); ++i) text += (i ? "," : "") + header[i];
    text += "\n";
    for (int s = 1; s <= 9; ++s) {
      text += std::to_string(s);
      for (std::size_t i = 1; i < header.size(); ++i) text += ",0.5";
      text += "\n";
    }
    text += "10,0.1";
    write_text(root / "metrics.csv", text);
    write_text(root / "events.csv",
               "step,kind,detail,before,after\n0,open,run files,,\n3,set,\"lr, a change\",0.1,0.2\n"
               "6,checkpoint,x,,\n8,prune,later,,\n");
  }
  // A killed writer's temporary checkpoint goes; a live process's stays.
  const fs::path stale = root / "checkpoints" / "step-8.safetensors.tmp.999999999";
  const fs::path live =
      root / "checkpoints" / ("step-8.safetensors.tmp." + std::to_string(::getpid()));
  write_text(stale, "half");
  write_text(live, "half");
  ts::RunRecorder resumed(root, tiny_config(), true, {}, 6);
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(live));
  CHECK(resumed.dropped_rows() == 4);  // metrics 7, 8, 9 and the prune event
  resumed.flush();
  const ts::CsvTable m = ts::parse_csv_file(root / "metrics.csv");
  REQUIRE(m.rows.size() == 7);
  CHECK(m.rows.back().at(0) == "6");
  CHECK_FALSE(m.torn_last_line.has_value());
  const ts::CsvTable e = ts::parse_csv_file(root / "events.csv");
  REQUIRE(e.rows.size() == 4);
  CHECK(e.rows[2].at(2) == "lr, a change");  // quoted fields survive the rewrite
  CHECK(e.rows.back().at(1) == "checkpoint");
}

TEST_CASE("check_run_dir reads a run back and names what is damaged") {
  TempDir dir;
  const fs::path root = dir / "run";
  const ts::ExperimentConfig cfg = tiny_config();
  auto data =
      std::make_shared<ts::DataSplits>(ts::make_synthetic(*cfg.data.synthetic, cfg.training.seed));
  ts::Run run(cfg, data);
  {
    ts::RunRecorder rec(root, cfg, false);
    for (int i = 0; i < 5; ++i) rec.record_step(run.train_step(), std::nullopt);
    rec.flush();
  }
  ts::save_checkpoint(run, root / "checkpoints" / "step-5.safetensors");
  ts::RunCheck c = ts::check_run_dir(root, dir.path());
  CHECK(c.ok());
  REQUIRE(c.tables.size() == 6);  // metrics, layers, histograms, spectra, sharpness, events
  CHECK(c.tables[0].rows == 5);
  CHECK(c.tables[0].first_step == 1);
  CHECK(c.tables[0].last_step == 5);
  CHECK(c.tables[0].consecutive);
  CHECK(c.latest_step == 5);
  CHECK(c.checkpoint_error.empty());

  // A torn last line is reported, not a fault.
  { std::ofstream(root / "metrics.csv", std::ios::app) << "6,0.0"; }
  c = ts::check_run_dir(root, dir.path());
  CHECK(c.ok());
  CHECK(c.tables[0].torn_bytes == 5);

  // A checkpoint cut short by a crash without the atomic rename is a fault naming it.
  const fs::path ck = root / "checkpoints" / "step-9.safetensors";
  fs::copy_file(root / "checkpoints" / "step-5.safetensors", ck);
  fs::resize_file(ck, fs::file_size(ck) / 2);
  c = ts::check_run_dir(root, dir.path());
  CHECK_FALSE(c.ok());
  CHECK(contains(c.checkpoint_error, ck.string()));
  fs::remove(ck);

  // A row with a missing cell is a fault naming the file and the line.
  { std::ofstream(root / "events.csv", std::ios::app) << "7,prune\n"; }
  c = ts::check_run_dir(root, dir.path());
  CHECK_FALSE(c.ok());
  CHECK(contains(c.tables[5].error, (root / "events.csv").string() + ": line"));
  CHECK(contains(c.tables[5].error, "2 cells, the header has 5"));
}
