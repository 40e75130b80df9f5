// Pruning curves: the removal orders of each criterion on hand-built weights, and the
// incremental curve against the naive full re-evaluation at every point.
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/io/experiment_config.h"
#include "core/prune/prune_curve.h"
#include "core/train/run.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

using namespace ts;

namespace {

// A network whose first dense layer has the given rows (4 inputs each).
Network<float> with_fc1(const std::vector<std::vector<float>>& rows) {
  ModelSpec spec;
  spec.input = Shape3{1, 1, 4};
  LayerSpec fc1;
  fc1.kind = LayerKind::dense;
  fc1.units = Index(rows.size());
  LayerSpec act;
  act.kind = LayerKind::activation;
  act.activation = ActivationKind::relu;
  LayerSpec fc2;
  fc2.kind = LayerKind::dense;
  fc2.units = 2;
  spec.layers = {fc1, act, fc2};
  assign_names(spec);
  Network<float> net(spec);
  auto w = net.params().values(std::size_t(net.layer(0).weight_index()));
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < 4; ++c) w[r * 4 + c] = rows[r][c];
  return net;
}

std::unique_ptr<Run> trained_run(const std::string& activation) {
  const ExperimentConfig c = parse_experiment_text(R"({
    "data": {"dataset": "blobs", "classes": 4, "dim": 10, "train_size": 800, "validation_size": 100, "test_size": 600, "stddev": 2.0},
    "model": {"layers": [{"type": "dense", "units": 40, "activation": ")" + activation + R"("},
                         {"type": "dense", "units": 12, "activation": "relu"},
                         {"type": "dense", "units": 4}]},
    "optimizer": {"type": "adam"}, "schedule": {"type": "constant", "lr": 0.01},
    "training": {"batch_size": 32, "steps": 200, "seed": 4}})",
                                                   "curve.json");
  auto data = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
  auto run = std::make_unique<Run>(c, data);
  for (int i = 0; i < 200; ++i) run->train_step();
  return run;
}

}  // namespace

TEST_CASE("removal orders follow each criterion on hand-built weights") {
  // Norms 3, 1, 2, 0 (row 3 is already pruned, so it comes first either way).
  const Network<float> net = with_fc1({{3, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 0, 2}, {0, 0, 0, 0}});
  CHECK(unit_removal_order(net, "fc1", UnitCriterion::magnitude) == std::vector<Index>{3, 1, 2, 0});
  CHECK(unit_removal_order(net, "fc1", UnitCriterion::magnitude, true) == std::vector<Index>{3, 0, 2, 1});
  // Three copies of one direction and one orthogonal unit: shares 3, 3, 3 and 1.
  const Network<float> fp = with_fc1({{1, 1, 0, 0}, {2, 2, 0, 0}, {0.5, 0.5, 0, 0}, {0, 0, 1, 0}});
  CHECK(unit_removal_order(fp, "fc1", UnitCriterion::frame_potential) == std::vector<Index>{3, 0, 1, 2});
  // Largest first takes one copy, then the next (share 2), then the last copy and the
  // orthogonal unit tie at 1 (the lower index goes first).
  CHECK(unit_removal_order(fp, "fc1", UnitCriterion::frame_potential, true) == std::vector<Index>{0, 1, 2, 3});
  // Random: a permutation, the same for the same seed, another for another seed.
  const Network<float> wide = with_fc1(std::vector<std::vector<float>>(30, {1, 2, 3, 4}));
  const auto r1 = unit_removal_order(wide, "fc1", UnitCriterion::random, false, 1);
  auto sorted = r1;
  std::sort(sorted.begin(), sorted.end());
  std::vector<Index> all(30);
  std::iota(all.begin(), all.end(), Index(0));
  CHECK(sorted == all);
  CHECK(unit_removal_order(wide, "fc1", UnitCriterion::random, false, 1) == r1);
  CHECK(unit_removal_order(wide, "fc1", UnitCriterion::random, false, 2) != r1);
  const std::string act = net.layer(1).name();
  CHECK_THROWS_WITH_AS(unit_removal_order(net, act, UnitCriterion::magnitude),
                       doctest::Contains(("\"" + act + "\" is not a dense layer").c_str()), Error);
  CHECK_THROWS_WITH_AS(unit_removal_order(net, "fc9", UnitCriterion::magnitude),
                       doctest::Contains("no layer of the model is named \"fc9\""), Error);
}

TEST_CASE("incremental and naive pruning curves agree at every point") {
  for (const char* activation : {"relu", "tanh", "sigmoid"}) {
    CAPTURE(activation);
    auto run = trained_run(activation);
    const Network<float>& net = run->network();
    const Dataset& test = run->data().test;
    const PruneCurve curve(net, "fc1", test);
    CHECK(curve.units() == 40);
    CHECK(curve.samples() == 600);
    for (UnitCriterion c : {UnitCriterion::magnitude, UnitCriterion::frame_potential, UnitCriterion::random}) {
      for (bool largest : {false, true}) {
        CAPTURE(to_string(c));
        CAPTURE(largest);
        const auto order = unit_removal_order(net, "fc1", c, largest, 7);
        const auto fast = curve.accuracies(order);
        const auto naive = curve.naive_accuracies<double>(order);
        REQUIRE(fast.size() == 41);
        CHECK(fast == naive);
        // The full network's accuracy first; with every unit gone, one constant prediction.
        CHECK(fast.front() == doctest::Approx(run->evaluate(test).accuracy));
        CHECK(fast.back() <= 0.5);
      }
    }
  }
}

TEST_CASE("a pruning curve can be cancelled and reports progress") {
  auto run = trained_run("relu");
  const PruneCurve curve(run->network(), "fc1", run->data().test);
  const auto order = unit_removal_order(run->network(), "fc1", UnitCriterion::magnitude);
  std::atomic<bool> cancel{false};
  std::vector<double> seen;
  const auto part = curve.accuracies(order, &cancel, [&](double f) {
    seen.push_back(f);
    if (seen.size() == 10) cancel = true;
  });
  CHECK(part.size() == 11);
  CHECK(seen.back() == doctest::Approx(10.0 / 40.0));
  CHECK_THROWS_WITH_AS(curve.accuracies(std::vector<Index>{1, 1}), doctest::Contains("appears twice"), Error);
  CHECK_THROWS_WITH_AS(curve.accuracies(std::vector<Index>{40}), doctest::Contains("out of range"), Error);
}
