// Following a run directory another process writes (core/train/run_follower.h): the rows read
// back are the trainer's own series; a torn last line waits; a table that goes back in steps
// starts a new generation.
#include "core/train/run_follower.h"
#include "temp_dir.h"
#include "trainer_fixtures.h"

#include <doctest/doctest.h>

#include <fstream>

using namespace ts;
using namespace ts::testing;

namespace {

void append(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::app | std::ios::binary);
  out << text;
}

bool close(const std::vector<SeriesPoint>& a, const std::vector<SeriesPoint>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].step != b[i].step || a[i].value != doctest::Approx(b[i].value).epsilon(1e-6))
      return false;
  return true;
}

}  // namespace

TEST_CASE("a followed run directory reads back as the trainer's series, growing as it trains") {
  TempDir tmp;
  const auto dir = tmp.path() / "run";
  TrainerOptions o;
  o.run_dir = dir;
  ExperimentConfig c = small_config();
  c.monitor.sharpness_interval = 30;
  c.monitor.sharpness_samples = 100;
  Trainer trainer(make_run(c), o);
  trainer.submit(cmd::Step{60});
  run_to_settled(trainer);
  trainer.capture().get();  // flushes the files
  RunFollower f(dir);
  CHECK(f.config().name == "trainer test");
  REQUIRE(f.poll());
  CHECK(f.step() == 60);
  const auto m = trainer.metrics();
  CHECK(close(points(f.metrics()->loss), points(m->loss)));
  CHECK(close(points(f.metrics()->validation_accuracy), points(m->validation_accuracy)));
  CHECK(close(points(f.metrics()->seconds), points(m->seconds)));
  CHECK(points(m->seconds).size() == 60);
  REQUIRE(f.metrics()->layers.size() == m->layers.size());
  CHECK(f.metrics()->layers[0]->name == m->layers[0]->name);
  CHECK(f.metrics()->layers[0]->activation == m->layers[0]->activation);
  CHECK(close(points(f.metrics()->layers[1]->act_std), points(m->layers[1]->act_std)));
  CHECK(close(points(f.metrics()->layers[0]->grad_norm), points(m->layers[0]->grad_norm)));
  REQUIRE(f.metrics()->layers[0]->histograms.size() == m->layers[0]->histograms.size());
  CHECK(f.metrics()->layers[0]->histograms[3].counts == m->layers[0]->histograms[3].counts);
  CHECK(f.metrics()->layers[2]->singular_values.size() == m->layers[2]->singular_values.size());
  CHECK(points(m->sharpness).size() == 2);  // steps 30 and 60
  CHECK(close(points(f.metrics()->sharpness), points(m->sharpness)));
  CHECK_FALSE(f.poll());  // nothing new
  // It grows: the next rows only.
  trainer.submit(cmd::Step{40});
  run_to_settled(trainer);
  trainer.capture().get();
  REQUIRE(f.poll());
  CHECK(f.step() == 100);
  CHECK(close(points(f.metrics()->loss), points(trainer.metrics()->loss)));
  CHECK(f.metrics()->generation == 0);
}

TEST_CASE("a torn last line waits for its end, a table going back starts a new generation") {
  TempDir tmp;
  const auto dir = tmp.path() / "run";
  {
    TrainerOptions o;
    o.run_dir = dir;
    Trainer trainer(make_run(small_config()), o);
    trainer.submit(cmd::Step{3});
    run_to_settled(trainer);
  }
  RunFollower f(dir);
  REQUIRE(f.poll());
  REQUIRE(f.step() == 3);
  const std::size_t width = f.metrics()->layers.size() * 2 + 12;
  auto row = [&](int step, double loss) {
    std::string r = std::to_string(step) + ",0.5,0.01," + std::to_string(loss) + ",0.5,1,0,,,,";
    for (std::size_t i = 11; i < width; ++i) r += ",";
    return r + "\n";
  };
  const std::string four = row(4, 0.25);
  append(dir / "metrics.csv", four.substr(0, 9));  // a row cut mid-number
  CHECK_FALSE(f.poll());
  CHECK(f.step() == 3);
  append(dir / "metrics.csv", four.substr(9));
  REQUIRE(f.poll());
  CHECK(f.step() == 4);
  CHECK(points(f.metrics()->loss).back().value == doctest::Approx(0.25));
  // A rewind to step 2 writes step 3 again: the points after step 2 are dropped.
  append(dir / "metrics.csv", row(3, 0.125));
  REQUIRE(f.poll());
  const auto loss = points(f.metrics()->loss);
  REQUIRE(loss.size() == 3);
  CHECK(loss[2].step == 3);
  CHECK(loss[2].value == doctest::Approx(0.125));
  CHECK(f.metrics()->generation == 1);
  // A malformed row stops that table, with the file named; the others go on.
  append(dir / "metrics.csv", "5,0.5\n");
  CHECK(f.poll());
  CHECK(f.problem().find("metrics.csv: a row of 2 cells") != std::string::npos);
  // Not a run directory: named.
  CHECK_THROWS_WITH_AS(RunFollower(tmp.path()),
                       doctest::Contains("not a run directory written by trainscope"), Error);
}
