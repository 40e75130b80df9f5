// The lottery ticket experiment and pruning with retraining, checked against the same
// protocol carried out step by step on a Run.
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/procedures/lottery.h"
#include "core/procedures/prune_retrain.h"
#include "core/prune/prune.h"
#include "core/run/run.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace ts;

namespace {

ExperimentConfig blobs_config() {
  return parse_experiment_text(R"({
    "data": {"dataset": "blobs", "classes": 4, "dim": 10, "train_size": 800, "validation_size": 100, "test_size": 400, "stddev": 2.0},
    "model": {"layers": [{"type": "dense", "units": 32, "activation": "relu"},
                         {"type": "dense", "units": 16, "activation": "relu"},
                         {"type": "dense", "units": 4}]},
    "optimizer": {"type": "momentum", "momentum": 0.9}, "schedule": {"type": "constant", "lr": 0.02},
    "training": {"batch_size": 32, "steps": 60, "seed": 5}})",
                               "lottery.json");
}

std::shared_ptr<const DataSplits> blobs(const ExperimentConfig& c) {
  return std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
}

double fraction_kept(const Run& run, const std::string& layer) {
  const auto& p = run.network().params();
  const auto m = p.masks(std::size_t(p.find(layer + ".weight")));
  double kept = 0;
  for (float v : m) kept += v != 0.0f;
  return kept / double(m.size());
}

}  // namespace

TEST_CASE("lottery rounds prune, rewind and retrain as the protocol says") {
  const ExperimentConfig c = blobs_config();
  const auto data = blobs(c);
  LotterySettings s;
  s.rounds = 2;
  s.rate = 0.5;
  s.output_rate = 0.25;
  std::vector<int> seen;
  std::vector<double> fractions;
  const auto rounds = lottery_ticket(
      c, data, s, {}, nullptr, [&](const LotteryRound& r) { seen.push_back(r.round); },
      [&](double f) { fractions.push_back(f); });
  REQUIRE(rounds.size() == 3);
  CHECK(seen == std::vector<int>{0, 1, 2});
  CHECK(fractions.back() == doctest::Approx(1.0));
  // Hidden layers lose half of what is left per round, the output layer a quarter.
  CHECK(rounds[1].layers.at(0).remaining == doctest::Approx(0.5));
  CHECK(rounds[2].layers.at(0).remaining == doctest::Approx(0.25));
  CHECK(rounds[2].layers.at(1).remaining == doctest::Approx(0.25));
  CHECK(rounds[2].layers.at(2).remaining == doctest::Approx(0.5625).epsilon(0.02));
  const double sizes[3] = {320, 512, 64};
  const double expected =
      (sizes[0] * 0.25 + sizes[1] * 0.25 + sizes[2] * rounds[2].layers[2].remaining) / 896.0;
  CHECK(rounds[2].remaining == doctest::Approx(expected));
  CHECK(!rounds[0].control_accuracy);
  CHECK(rounds[1].control_accuracy);

  // The same protocol by hand: train, prune, back to W0 with the masks, train again.
  Run run(c, data);
  const RunState init = run.capture();
  for (int i = 0; i < 60; ++i) run.train_step();
  CHECK(run.evaluate(data->test).accuracy == rounds[0].ticket_accuracy);
  for (const std::string l : {"fc1", "fc2", "fc3"}) {
    PruneRequest r;
    r.layers = {l};
    r.amount = l == "fc3" ? 0.25 : 0.5;
    prune(run.network(), run.optimizer(), r);
  }
  const std::vector<float> masks(run.network().params().masks().begin(),
                                 run.network().params().masks().end());
  run.restore(init);
  run.set_masks(masks);
  CHECK(fraction_kept(run, "fc1") == doctest::Approx(0.5));
  // Survivors start from their own initial values.
  const auto& p = run.network().params();
  for (std::size_t i = 0; i < masks.size(); ++i)
    if (masks[i] != 0.0f) REQUIRE(p.values()[i] == run.initial_values()[i]);
  for (int i = 0; i < 60; ++i) run.train_step();
  const BatchStats ticket = run.evaluate(data->test);
  CHECK(ticket.accuracy == rounds[1].ticket_accuracy);
  CHECK(ticket.loss == rounds[1].ticket_loss);
  // The control has the same masks and other starting values: it ends elsewhere.
  run.restore(init);
  run.set_masks(masks);
  run.resample_weights(s.control_seed + 1);
  for (std::size_t i = 0; i < masks.size(); ++i)
    if (masks[i] == 0.0f) REQUIRE(p.values()[i] == 0.0f);
  for (int i = 0; i < 60; ++i) run.train_step();
  const BatchStats control = run.evaluate(data->test);
  CHECK(control.loss == *rounds[1].control_loss);
  CHECK(control.loss != ticket.loss);
}

TEST_CASE("lottery settings are checked and a cancelled experiment keeps its finished rounds") {
  const ExperimentConfig c = blobs_config();
  const auto data = blobs(c);
  LotterySettings s;
  s.rate = 1.0;
  CHECK_THROWS_WITH_AS(lottery_ticket(c, data, s), doctest::Contains("lottery.rate"), Error);
  s = {};
  s.rewind_step = 60;
  CHECK_THROWS_WITH_AS(lottery_ticket(c, data, s), doctest::Contains("lottery.rewind_step"), Error);
  s = {};
  s.layers = {"act1"};
  CHECK_THROWS_WITH_AS(lottery_ticket(c, data, s),
                       doctest::Contains("no prunable layer is named \"act1\""), Error);
  s = {};
  s.rounds = 5;
  s.rewind_step = 10;
  std::atomic<bool> cancel{false};
  const auto rounds = lottery_ticket(c, data, s, {}, &cancel, [&](const LotteryRound& r) {
    if (r.round == 1) cancel = true;
  });
  CHECK(rounds.size() == 2);
}

TEST_CASE("pruning with retraining: each target from the trained state, then fine-tuned") {
  const ExperimentConfig c = blobs_config();
  const auto data = blobs(c);
  Run run(c, data);
  for (int i = 0; i < 60; ++i) run.train_step();
  const RunState trained = run.capture();
  PruneRetrainSettings s;
  s.sparsities = {0.5, 0.9};
  s.steps = 40;
  s.lr = 0.01;
  const auto points = prune_retrain_curve(c, data, trained, s);
  REQUIRE(points.size() == 3);
  const BatchStats dense = run.evaluate(data->test);
  CHECK(points[0].accuracy_pruned == dense.accuracy);
  CHECK(points[0].removed == 0.0);
  CHECK(points[1].removed == doctest::Approx(0.5).epsilon(0.01));
  CHECK(points[2].removed == doctest::Approx(0.9).epsilon(0.01));

  // By hand: prune fc1 and fc2 to 90%, evaluate, 40 steps at a constant 0.01, evaluate.
  PruneRequest r;
  r.layers = {"fc1", "fc2"};
  r.amount = 0.9;
  prune(run.network(), run.optimizer(), r);
  CHECK(fraction_kept(run, "fc3") == 1.0);
  CHECK(run.evaluate(data->test).loss == points[2].loss_pruned);
  Schedule constant;
  constant.base_lr = 0.01;
  run.set_schedule(constant);
  for (int i = 0; i < 40; ++i) run.train_step();
  CHECK(run.evaluate(data->test).loss == points[2].loss_retrained);
  CHECK(points[2].loss_retrained < points[2].loss_pruned);

  s.sparsities = {1.0};
  CHECK_THROWS_WITH_AS(prune_retrain_curve(c, data, trained, s),
                       doctest::Contains("prune_retrain.sparsities"), Error);
}
