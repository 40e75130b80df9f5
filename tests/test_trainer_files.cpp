// The trainer's run directory when writing fails (a full disk at the start or mid-run, a
// checkpoint that cannot be written), and the spectra it records at each evaluation.
#include "core/io/csv_writer.h"
#include "core/io/safetensors.h"
#include "core/run/checkpoint.h"
#include "core/train/trainer.h"
#include "tests/temp_dir.h"
#include "tests/trainer_fixtures.h"

#include <doctest/doctest.h>
#include <Eigen/SVD>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace ts;
using namespace ts::testing;
using namespace std::chrono_literals;

TEST_CASE("a full disk at the start is an error naming the file") {
  // /dev/full fails every write with ENOSPC: events.csv pointing there is a full disk.
  TempDir tmp;
  const auto dir = tmp / "run";
  std::filesystem::create_directories(dir);
  std::filesystem::create_symlink("/dev/full", dir / "events.csv");
  TrainerOptions options;
  options.run_dir = dir;
  const std::string msg = [&] {
    try {
      Trainer t(make_run(small_config()), options);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  }();
  CHECK(msg.find((dir / "events.csv").string()) != std::string::npos);
  CHECK(msg.find("No space left on device") != std::string::npos);
}

TEST_CASE("a write failing mid-run pauses training, names the file, and keeps the run") {
  // A file size limit makes writes past 12 KiB fail (EFBIG) the way a disk that fills up
  // during the run does (ENOSPC): the same failed write().
  TempDir tmp;
  const auto dir = tmp / "run";
  TrainerOptions options;
  options.run_dir = dir;
  struct rlimit old {};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limited = old;
  limited.rlim_cur = 12 * 1024;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &limited) == 0);
  Trainer t(make_run(small_config()), options);
  t.submit(cmd::Start{});
  run_to_settled(t);
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  const auto st = t.status();
  CHECK(st->state == TrainerState::paused);
  CHECK(st->problem.find("Stopped writing the run directory") != std::string::npos);
  CHECK(st->problem.find("File too large") != std::string::npos);
  CHECK(st->problem.find(dir.string()) != std::string::npos);
  const int64_t at = t.step();
  CHECK(at > 0);
  CHECK(at < 300);
  // The run is intact: it trains on (no longer writing) to the end of the plan, and its
  // weights are those of a run that never wrote anything.
  t.submit(cmd::Resume{});
  run_to_settled(t);
  CHECK(t.step() == 300);
  Trainer plain(make_run(small_config()));
  plain.submit(cmd::Start{});
  run_to_settled(plain);
  CHECK(plain.weights()->values == t.weights()->values);
}

TEST_CASE("a checkpoint that cannot be written pauses training with the reason") {
  TempDir tmp;
  const auto dir = tmp / "run";
  TrainerOptions options;
  options.run_dir = dir;
  ExperimentConfig c = small_config();
  c.training.checkpoint_interval = 50;
  Trainer t(make_run(c), options);
  // The checkpoints directory turns into a file: every checkpoint write fails.
  std::filesystem::remove_all(dir / "checkpoints");
  { std::ofstream(dir / "checkpoints") << "not a directory"; }
  t.submit(cmd::Start{});
  run_to_settled(t);
  const auto st = t.status();
  CHECK(st->state == TrainerState::paused);
  CHECK(t.step() == 50);
  CHECK(st->problem.find("checkpoint") != std::string::npos);
  CHECK(st->problem.find((dir / "checkpoints").string()) != std::string::npos);
  // Every row up to the failed checkpoint reached metrics.csv first.
  const CsvTable metrics = parse_csv_file(dir / "metrics.csv");
  CHECK(metrics.rows.size() == 51);
}

TEST_CASE("every evaluation publishes and records each weight matrix's singular values") {
  TempDir tmp;
  const auto dir = tmp / "run";
  TrainerOptions options;
  options.run_dir = dir;
  Trainer t(make_run(small_config()), options);  // evaluates every 50 steps
  t.submit(cmd::Step{100});
  run_to_settled(t);
  REQUIRE(t.step() == 100);
  const auto m = t.metrics();
  const auto w = t.weights();
  const LayerSeries& fc1 = *m->layers.at(0);
  REQUIRE(fc1.singular_values.size() == 2);
  CHECK(fc1.singular_values[0].step == 50);
  const SingularValues& last = fc1.singular_values[1];
  CHECK(last.step == 100);
  // An independent decomposition (one-sided Jacobi) of the published weights of step 100.
  Eigen::MatrixXd fc1_w(32, 8);
  for (const auto& info : w->infos)
    if (info.name == "fc1.weight")
      for (Index r = 0; r < 32; ++r)
        for (Index c = 0; c < 8; ++c) fc1_w(r, c) = w->values[info.offset + std::size_t(r * 8 + c)];
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(fc1_w);
  REQUIRE(last.values.size() == 8);
  for (Index i = 0; i < 8; ++i)
    CHECK(last.values[std::size_t(i)] == doctest::Approx(svd.singularValues()(i)).epsilon(1e-5));
  t.submit(cmd::Stop{});
  run_to_settled(t);
  // spectra.csv: per evaluation, min(rows, cols) values for each of fc1 (32x8), fc2 (16x32), fc3
  // (3x16).
  const CsvTable spectra = parse_csv_file(dir / "spectra.csv");
  CHECK(spectra.rows.size() == 1 + 2 * (8 + 16 + 3));
  CHECK(spectra.rows[0] == std::vector<std::string>{"step", "layer", "index", "singular_value"});
  // Rows 1..27 are step 50's; step 100's start with fc1's largest.
  CHECK(spectra.rows.at(1 + 8 + 16 + 3)[0] == "100");
  CHECK(spectra.rows.at(1 + 8 + 16 + 3)[1] == "fc1");
  CHECK(std::stod(spectra.rows.at(1 + 8 + 16 + 3)[3]) ==
        doctest::Approx(last.values[0]).epsilon(1e-5));
}
