// A planned sweep read back (read_sweep_plan: every hand edit that breaks it refused by its
// field) and where its runs stand (sweep_status: pending, running while a lock is held, done
// and failed from the task's record).
#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/io/run_lock.h"
#include "core/run/sweep_status.h"
#include "error_of.h"
#include "temp_dir.h"
#include "trainer_fixtures.h"

#include <doctest/doctest.h>

#include <fstream>

using namespace ts;
using namespace ts::testing;

namespace {

// A directory as `sweep plan` leaves it: 3 runs over two rates.
std::filesystem::path planned(const TempDir& tmp) {
  const nlohmann::json base = to_json(small_config());
  const Sweep s =
      parse_sweep(nlohmann::json::parse(
                      R"({"name": "p", "base": "small", "grid": {"schedule.lr": [0.01, 0.1, 1]}})"),
                  "p.json", [&](const std::string&) {
                    return StudyBase{base, "small.json"};
                  });
  const std::filesystem::path dir = tmp / "sweep";
  for (const SweepRun& r : s.runs)
    write_file_atomic_creating_parents(dir / r.name / "planned.json", r.config.dump(2));
  write_file_atomic_creating_parents(dir / "manifest.json", sweep_manifest(s).dump(2));
  return dir;
}

std::string plan_error(const std::filesystem::path& dir, const std::string& manifest) {
  write_file_atomic(dir / "manifest.json", manifest);
  return error_of([&] { read_sweep_plan(dir); });
}

}  // namespace

TEST_CASE("a planned sweep reads back with its runs' configs") {
  TempDir tmp;
  const auto dir = planned(tmp);
  const SweepPlan plan = read_sweep_plan(dir);
  CHECK(plan.name == "p");
  REQUIRE(plan.runs.size() == 3);
  CHECK(plan.runs[2].name == "run-0002");
  CHECK(plan.runs[2].values["schedule.lr"] == 1);
  CHECK(plan.run_dir(1) == dir / "run-0001");
  // A task's recorder writes config.json again (normalized, with its threads): the plan still
  // reads, checked against planned.json.
  write_file_atomic(dir / "run-0001" / "config.json", "{\"rewritten\": true}");
  CHECK(read_sweep_plan(dir).runs.size() == 3);
  // What `sweep slurm --submit` records does not make it another plan.
  nlohmann::json submitted = plan.manifest;
  submitted["slurm"]["jobs"] = {{{"id", "12"}}};
  CHECK(same_plan(submitted, plan.manifest));
  CHECK_FALSE(same_plan(nlohmann::json{{"sweep", 1}}, plan.manifest));
}

TEST_CASE("a manifest edited by hand into something else is refused by its field") {
  TempDir tmp;
  const auto dir = planned(tmp);
  const nlohmann::json good = read_sweep_plan(dir).manifest;
  auto edited = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json m = good;
    edit(m);
    return plan_error(dir, m.dump());
  };
  CHECK(contains(edited([](auto& m) { m["runs"][1]["values"]["schedule.lr"] = 0.5; }),
                 "manifest.json.runs[1].values.schedule.lr: 0.5 here, but"));
  CHECK(contains(edited([](auto& m) { m["runs"][1]["name"] = "run-0000"; }),
                 "runs[1].name: \"run-0000\" names two runs"));
  CHECK(contains(edited([](auto& m) { m["runs"][0]["name"] = "../elsewhere"; }),
                 "runs[0].name: must be a run directory's name like run-0007"));
  CHECK(contains(edited([](auto& m) { m["runs"][0]["values"] = 3; }),
                 "runs[0].values: must be an object"));
  CHECK(contains(edited([](auto& m) { m["runs"] = nlohmann::json::array(); }),
                 "manifest.json.runs: must be a non-empty list of runs"));
  CHECK(contains(edited([](auto& m) { m["extra"] = 1; }), "manifest.json.extra: unknown key"));
  CHECK(contains(edited([](auto& m) { m["runs"][2]["name"] = "run-0009"; }),
                 "run-0009/planned.json: missing"));
  CHECK(contains(edited([](auto& m) { m["runs"][0]["values"]["schedule.lrr"] = 1; }),
                 "values.schedule.lrr: 1 here, but"));
  CHECK(contains(plan_error(dir, "{\"runs\": "), "manifest.json: not JSON"));
  std::filesystem::remove(dir / "manifest.json");
  CHECK(contains(error_of([&] { read_sweep_plan(dir); }), "no sweep is planned here"));
}

TEST_CASE("a run is pending, running while its lock is held, then done or failed by its record") {
  TempDir tmp;
  const SweepPlan plan = read_sweep_plan(planned(tmp));
  auto states = [&] {
    std::vector<std::string> s;
    for (const auto& r : sweep_status(plan)) s.push_back(to_string(r.state));
    return s;
  };
  CHECK(states() == std::vector<std::string>{"pending", "pending", "pending"});
  TaskRecord rec;
  rec.state = "running";  // a task that was killed leaves this behind: the run is pending
  rec.attempt = 1;
  write_task_record(plan.run_dir(0), rec);
  rec.state = "done";
  write_task_record(plan.run_dir(1), rec);
  rec.state = "failed";
  rec.error = "training diverged: the loss is NaN";
  write_task_record(plan.run_dir(2), rec);
  CHECK(states() == std::vector<std::string>{"pending", "done", "failed"});
  {
    const RunLock lock(plan.run_dir(0));
    const auto st = sweep_status(plan);
    CHECK(to_string(st[0].state) == std::string("running"));
    CHECK(st[0].holder == std::to_string(::getpid()));
    CHECK(st[2].task->error == "training diverged: the loss is NaN");
  }
  CHECK(states()[0] == "pending");
  // A record that is not one is named, and the run's other states still read.
  write_task_record(plan.run_dir(1), TaskRecord{});
  std::ofstream(plan.run_dir(1) / "task.json") << "{\"state\": \"finished\"}";
  const auto st = sweep_status(plan);
  CHECK(contains(st[1].problem, "task.json.state: must be running, done, failed or requeue"));
}
