// Early stopping (training.early_stopping): a run whose validation loss rises stops within
// patience + 1 evaluations of its best one, goes back to it, and its final checkpoint holds
// exactly the weights of the best evaluation (a second run trained to that step, compared
// bit for bit); the event says why, in the trainer's events and in events.csv.
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/io/csv_writer.h"
#include "core/run/checkpoint.h"
#include "core/train/trainer.h"
#include "tests/temp_dir.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <variant>

using namespace ts;
using namespace std::chrono_literals;

namespace {

// Few noisy training samples and a wide network: it memorizes the noise, and the validation
// loss falls, then rises.
ExperimentConfig overfitting(const std::string& early_stopping) {
  return parse_experiment_text(R"({
    "name": "overfit",
    "data": {"dataset": "blobs", "classes": 3, "dim": 16, "stddev": 1.2, "train_size": 48, "validation_size": 600,
             "test_size": 300},
    "model": {"layers": [{"type": "dense", "units": 256, "activation": "relu"}, {"type": "dense", "units": 3}]},
    "optimizer": {"type": "adam"},
    "schedule": {"type": "constant", "lr": 0.001},
    "training": {"batch_size": 16, "steps": 3000, "seed": 3, "eval_interval": 15, "checkpoint_interval": 15)" +
                                   early_stopping + R"(},
    "monitor": {"stats_interval": 0}})",
                               "overfit.json");
}

std::shared_ptr<const DataSplits> data_for(const ExperimentConfig& c) {
  return std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
}

}  // namespace

TEST_CASE(
    "early stopping: back to the best evaluation within patience + 1, and the final checkpoint is "
    "it") {
  const int patience = 4;
  const ExperimentConfig c =
      overfitting(R"(, "early_stopping": {"metric": "validation_loss", "patience": 4})");
  REQUIRE(c.training.early_stopping);
  testing::TempDir dir;
  TrainerOptions options;
  options.run_dir = dir / "run";
  options.stop_at_plan_end = true;
  auto data = data_for(c);
  int64_t best_step = 0, stopped_at = 0;
  std::string final_checkpoint;
  {
    Trainer t(std::make_unique<Run>(c, data), options);
    t.submit(cmd::Start{});
    REQUIRE(t.wait_settled(120s));
    const auto st = t.status();
    CHECK(st->state == TrainerState::stopped);
    std::vector<Event> events;
    t.events().copy_new(events);
    const auto stop = std::find_if(events.begin(), events.end(),
                                   [](const Event& e) { return e.kind == EventKind::early_stop; });
    REQUIRE(stop != events.end());
    MESSAGE(stop->detail);
    best_step = stop->step;
    CHECK(stop->detail.find("validation loss did not improve") != std::string::npos);
    CHECK(t.step() == best_step);  // the run went back to its best evaluation
    final_checkpoint = st->final_checkpoint;
  }
  // The validation losses of metrics.csv, evaluation by evaluation, up to the stop.
  const CsvTable table = parse_csv_file(dir / "run" / "metrics.csv");
  REQUIRE(!table.rows.empty());
  const auto& header = table.rows.front();
  const auto col = [&](const char* name) {
    const auto it = std::find(header.begin(), header.end(), name);
    REQUIRE(it != header.end());
    return std::size_t(it - header.begin());
  };
  const std::size_t step_col = col("step"), val_col = col("validation_loss");
  std::vector<std::pair<int64_t, double>> evals;
  for (std::size_t r = 1; r < table.rows.size(); ++r)
    if (const auto& row = table.rows[r]; !row[val_col].empty())
      evals.emplace_back(std::stoll(row[step_col]), std::stod(row[val_col]));
  REQUIRE(evals.size() > std::size_t(patience + 1));
  stopped_at = evals.back().first;
  // The best evaluation is the smallest loss, and the run stopped `patience` evaluations later.
  const auto best = std::min_element(
      evals.begin(), evals.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  CHECK(best->first == best_step);
  CHECK(best != evals.begin());  // it trained a while before overfitting
  const auto after = std::distance(best, evals.end()) - 1;
  CHECK(after <= patience + 1);
  CHECK(after == patience);
  CHECK(stopped_at < c.training.steps);  // well before the plan's end
  // The validation loss really rose: the last evaluation is worse than the best.
  CHECK(evals.back().second > best->second);

  // The final checkpoint holds the best evaluation's weights: a plain run trained to that
  // step, bit for bit.
  REQUIRE(!final_checkpoint.empty());
  Run back(checkpoint_config(final_checkpoint), data);
  load_checkpoint(back, final_checkpoint);
  CHECK(back.steps_done() == best_step);
  ExperimentConfig plain_config = c;
  plain_config.training.early_stopping.reset();
  Run plain(plain_config, data);
  while (plain.steps_done() < best_step) plain.train_step();
  const auto a = back.network().params().values(), b = plain.network().params().values();
  CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  // events.csv has the line.
  std::ifstream ev(dir / "run" / "events.csv");
  std::stringstream events_text;
  events_text << ev.rdbuf();
  CHECK(events_text.str().find("early_stop") != std::string::npos);
}

TEST_CASE(
    "early stopping on accuracy waits for an improvement above min_delta, bad settings are named") {
  // Accuracy must rise by more than 0.5 to count: it never does, so the run stops
  // `patience` evaluations after its first. The window's trainer pauses there, so the curves
  // keep the rise, with the first evaluation's state kept for one click to rewind to.
  const ExperimentConfig c = overfitting(
      R"(, "early_stopping": {"metric": "validation_accuracy", "patience": 2, "min_delta": 0.5})");
  Trainer t(std::make_unique<Run>(c, data_for(c)));
  t.submit(cmd::Start{});
  REQUIRE(t.wait_settled(60s));
  CHECK(t.state() == TrainerState::paused);
  CHECK(t.step() == 45);
  auto st = t.status();
  CHECK(st->rewind_to == 15);
  CHECK(st->notice.find("Stopped early: validation accuracy did not improve") != std::string::npos);
  REQUIRE(st->snapshots.size() == 1);
  CHECK(st->snapshots[0].label == "best validation accuracy (step 15)");
  CHECK(st->snapshots[0].step == 15);
  cmd::Rewind back;
  back.target = RewindTarget::step;
  back.step = *st->rewind_to;
  t.submit(back);
  REQUIRE(t.wait_settled(60s));
  CHECK(t.step() == 15);
  st = t.status();
  CHECK(st->notice.empty());
  CHECK_FALSE(st->early_best);  // a new line of history watches afresh

  const auto refused = [](const std::string& es, const char* needle) {
    CHECK_THROWS_WITH_AS(overfitting(es), doctest::Contains(needle), Error);
  };
  refused(R"(, "early_stopping": {"patience": 0})",
          "training.early_stopping.patience: must be in [1, 1000000]");
  refused(R"(, "early_stopping": {"metric": "test_loss"})",
          "training.early_stopping.metric: must be");
  refused(R"(, "early_stopping": {"min_delta": -1})",
          "training.early_stopping.min_delta: must be >= 0");
  ExperimentConfig no_validation = c;
  no_validation.data.synthetic = std::visit(
      [](auto p) -> SyntheticParams {
        p.sizes.validation = 0;
        return p;
      },
      *c.data.synthetic);
  CHECK_THROWS_WITH_AS(Run(no_validation, data_for(no_validation)),
                       doctest::Contains("training.early_stopping"), Error);
  // The setting survives the config's round trip.
  CHECK(parse_experiment(to_json(c), "again").training.early_stopping == c.training.early_stopping);
}
