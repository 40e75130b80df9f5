// Tests of core/io/run_dir.h: a run directory's layout, its checkpoints, and claiming a new one.
#include "core/error.h"
#include "core/io/run_dir.h"
#include "tests/temp_dir.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using ts::testing::TempDir;

namespace {

namespace fs = std::filesystem;

void write_plain(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

doctest::Contains has(const std::string& part) { return doctest::Contains(part.c_str()); }

}  // namespace

TEST_CASE("RunDir layout and latest checkpoint") {
  TempDir dir;
  const ts::RunDir run(dir / "runs" / "mnist");
  CHECK(fs::is_directory(dir / "runs" / "mnist" / "checkpoints"));
  CHECK(run.config_path() == dir / "runs" / "mnist" / "config.json");
  CHECK(run.metrics_path() == dir / "runs" / "mnist" / "metrics.csv");
  CHECK(run.events_path() == dir / "runs" / "mnist" / "events.csv");
  CHECK(run.checkpoint_path(1200) ==
        dir / "runs" / "mnist" / "checkpoints" / "step-1200.safetensors");
  CHECK_THROWS_WITH_AS(run.checkpoint_path(-1), doctest::Contains("step -1 is negative"),
                       ts::Error);
  CHECK_FALSE(run.latest_checkpoint().has_value());

  for (const char* name :
       {"step-5.safetensors", "step-100.safetensors", "step-20.safetensors", "step-007.safetensors",
        "step-300.safetensors.tmp.123", "step-x.safetensors", "step-.safetensors",
        "step--4.safetensors", "step-99999999999999999999.safetensors", "notes.txt"}) {
    write_plain(run.checkpoints_dir() / name, "");
  }
  fs::create_directories(run.checkpoints_dir() / "step-999.safetensors");
  const auto all = run.checkpoints();
  REQUIRE(all.size() == 3);
  CHECK(all[0].step == 5);
  CHECK(all[1].step == 20);
  CHECK(all[2].step == 100);
  const auto latest = run.latest_checkpoint();
  REQUIRE(latest.has_value());
  CHECK(latest->step == 100);
  CHECK(latest->path == run.checkpoint_path(100));

  // A run directory reopened later sees the same files.
  CHECK(ts::RunDir(run.root()).latest_checkpoint()->step == 100);

  write_plain(dir / "plain", "x");
  CHECK_THROWS_WITH_AS(ts::RunDir(dir / "plain"), has((dir / "plain").string()), ts::Error);
  CHECK_THROWS_WITH_AS(ts::RunDir(dir / "plain" / "run"),
                       has((dir / "plain" / "run").string() + ": cannot create"), ts::Error);
}

TEST_CASE("claiming a run directory takes the next free name and never an existing one") {
  TempDir dir;
  const auto runs = dir.path() / "runs";
  const auto first = ts::claim_run_dir(runs, "lenet-20261205-101500");
  CHECK(first == runs / "lenet-20261205-101500");
  CHECK(std::filesystem::is_directory(first));
  CHECK(ts::claim_run_dir(runs, "lenet-20261205-101500") == runs / "lenet-20261205-101500-2");
  {
    std::ofstream file(runs / "lenet-20261205-101500-3");  // a file of the next name
  }
  CHECK(ts::claim_run_dir(runs, "lenet-20261205-101500") == runs / "lenet-20261205-101500-4");
  { std::ofstream file(dir.path() / "not-a-dir"); }
  CHECK_THROWS_WITH_AS(ts::claim_run_dir(dir.path() / "not-a-dir" / "runs", "x"),
                       doctest::Contains("cannot create the runs directory"), ts::Error);
}
