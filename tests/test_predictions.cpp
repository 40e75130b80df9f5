// Predictions over a dataset (core/analysis/predictions.h) against the run's own evaluation,
// and the decision grid of hand-set networks whose regions are known.
#include "core/analysis/predictions.h"
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/run/run.h"

#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

using namespace ts;

TEST_CASE("predict_dataset agrees with the run's evaluation and sorts the mistakes") {
  ExperimentConfig c = parse_experiment_text(R"({
    "name": "predict",
    "data": {"dataset": "blobs", "classes": 5, "dim": 6, "stddev": 1.6, "train_size": 400, "validation_size": 50, "test_size": 700},
    "model": {"layers": [{"type": "dense", "units": 16, "activation": "relu"}, {"type": "dense", "units": 5}]},
    "training": {"batch_size": 20, "seed": 3}
  })",
                                             "predict.json");
  auto data = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, 3));
  Run run(c, data);
  for (int i = 0; i < 30; ++i) run.train_step();
  std::vector<int32_t> expected;
  const BatchStats eval = run.evaluate(data->test, &expected);
  const Predictions p = predict_dataset(run.network(), c.loss, data->test, 25);
  CHECK(p.predicted == expected);
  CHECK(p.accuracy == doctest::Approx(eval.accuracy).epsilon(1e-12));
  CHECK(p.mean_loss == doctest::Approx(eval.loss).epsilon(1e-5));
  // The confusion matrix counts every sample once, by its true and its predicted class.
  REQUIRE(p.classes == 5);
  std::vector<int64_t> rows(5, 0);
  int64_t diagonal = 0;
  for (int t = 0; t < 5; ++t)
    for (int g = 0; g < 5; ++g) {
      rows[std::size_t(t)] += p.confusion[std::size_t(t * 5 + g)];
      if (t == g) diagonal += p.confusion[std::size_t(t * 5 + g)];
    }
  for (int t = 0; t < 5; ++t)
    CHECK(rows[std::size_t(t)] ==
          std::count(data->test.labels.begin(), data->test.labels.end(), t));
  CHECK(diagonal == std::llround(eval.accuracy * 700));
  // Mistakes: misclassified, highest loss first, at most 25, and none of higher loss left out.
  REQUIRE(!p.worst.empty());
  CHECK(p.worst.size() <= 25);
  float lowest_kept = INFINITY;
  for (std::size_t i = 0; i < p.worst.size(); ++i) {
    const uint32_t s = p.worst[i];
    CHECK(p.predicted[s] != data->test.labels[s]);
    if (i > 0) CHECK(p.loss[p.worst[i - 1]] >= p.loss[s]);
    lowest_kept = std::min(lowest_kept, p.loss[s]);
  }
  const auto wrong = std::count_if(
      p.predicted.begin(), p.predicted.end(),
      [&, i = 0](int32_t g) mutable { return g != data->test.labels[std::size_t(i++)]; });
  if (wrong > 25) {
    int higher_left_out = 0;
    for (std::size_t s = 0; s < p.predicted.size(); ++s)
      if (p.predicted[s] != data->test.labels[s] && p.loss[s] > lowest_kept &&
          std::find(p.worst.begin(), p.worst.end(), uint32_t(s)) == p.worst.end())
        ++higher_left_out;
    CHECK(higher_left_out == 0);
  }
  // A set of another shape is refused with its name.
  Dataset other = data->test;
  other.sample_shape = Shape3{1, 1, 3};
  CHECK_THROWS_WITH_AS(predict_dataset(run.network(), c.loss, other, 5), doctest::Contains("blobs"),
                       Error);
}

TEST_CASE("decision_grid: the regions of hand-set two-input networks") {
  ModelSpec spec;
  spec.input = Shape3{1, 1, 2};
  LayerSpec dense;
  dense.kind = LayerKind::dense;
  dense.units = 2;
  spec.layers = {dense};
  Network<float> net(spec);
  auto w = net.params().values(0), b = net.params().values(1);
  // z0 = x, z1 = -x: class 0 right of the y axis, with p = 1 / (1 + e^(-2x)).
  w[0] = 1;
  w[1] = 0;
  w[2] = -1;
  w[3] = 0;
  b[0] = 0;
  b[1] = 0;
  DecisionGrid g = decision_grid(net, -1.f, 1.f, 4);
  REQUIRE(g.cls.size() == 16);
  for (int r = 0; r < 4; ++r)
    for (int col = 0; col < 4; ++col) {
      CHECK(g.cls[std::size_t(r * 4 + col)] == (col < 2 ? 1 : 0));
      const double x = -1.0 + (col + 0.5) * 0.5;
      CHECK(g.confidence[std::size_t(r * 4 + col)] ==
            doctest::Approx(1.0 / (1.0 + std::exp(-2.0 * std::abs(x)))).epsilon(1e-6));
    }
  // z0 = y, z1 = -y: class 0 in the upper half, which is rows 0 and 1.
  w[0] = 0;
  w[1] = 1;
  w[2] = 0;
  w[3] = -1;
  g = decision_grid(net, -1.f, 1.f, 4);
  for (int r = 0; r < 4; ++r)
    for (int col = 0; col < 4; ++col) CHECK(g.cls[std::size_t(r * 4 + col)] == (r < 2 ? 0 : 1));
  CHECK_THROWS_AS(decision_grid(net, 1.f, -1.f, 4), Error);
  ModelSpec three = spec;
  three.input = Shape3{1, 1, 3};
  CHECK_THROWS_WITH_AS(decision_grid(Network<float>(three), -1.f, 1.f, 4),
                       doctest::Contains("not 2"), Error);
}
