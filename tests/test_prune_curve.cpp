// Pruning curves: the removal orders of each criterion on hand-built weights, and the
// incremental curve against the naive full re-evaluation at every point.
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/prune/prune_curve.h"
#include "core/prune/prune_curve_set.h"
#include "core/run/run.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <tuple>
#include <utility>

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

// `second_alpha`: the slope of a leaky ReLU (or ELU's alpha) after the second layer, when not its
// default.
// `prepare` may change the data before training.
std::unique_ptr<Run> trained_run(const std::string& activation, const std::string& second = "relu",
                                 const std::string& second_alpha = "", int classes = 4,
                                 const std::function<void(DataSplits&)>& prepare = {}) {
  const ExperimentConfig c = parse_experiment_text(
      R"({
    "data": {"dataset": "blobs", "classes": )" +
          std::to_string(classes) +
          R"(, "dim": 10, "train_size": 800, "validation_size": 100, "test_size": 600, "stddev": 2.0},
    "model": {"layers": [{"type": "dense", "units": 40, "activation": ")" +
          activation + R"("},
                         {"type": "dense", "units": 12, "activation": ")" +
          second + "\"" + (second_alpha.empty() ? "" : ", \"alpha\": " + second_alpha) +
          R"(},
                         {"type": "dense", "units": )" +
          std::to_string(classes) + R"(}]},
    "optimizer": {"type": "adam"}, "schedule": {"type": "constant", "lr": 0.01},
    "training": {"batch_size": 32, "steps": 200, "seed": 4}})",
      "curve.json");
  auto data = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
  if (prepare) prepare(*data);
  auto run = std::make_unique<Run>(c, data);
  for (int i = 0; i < 200; ++i) run->train_step();
  return run;
}

}  // namespace

TEST_CASE("removal orders follow each criterion on hand-built weights") {
  // Norms 3, 1, 2, 0 (row 3 is already pruned, so it comes first either way).
  const Network<float> net = with_fc1({{3, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 0, 2}, {0, 0, 0, 0}});
  CHECK(unit_removal_order(net, "fc1", UnitCriterion::magnitude) == std::vector<Index>{3, 1, 2, 0});
  CHECK(unit_removal_order(net, "fc1", UnitCriterion::magnitude, true) ==
        std::vector<Index>{3, 0, 2, 1});
  // Three copies of one direction and one orthogonal unit: shares 3, 3, 3 and 1.
  const Network<float> fp = with_fc1({{1, 1, 0, 0}, {2, 2, 0, 0}, {0.5, 0.5, 0, 0}, {0, 0, 1, 0}});
  CHECK(unit_removal_order(fp, "fc1", UnitCriterion::frame_potential) ==
        std::vector<Index>{3, 0, 1, 2});
  // Largest first takes one copy, then the next (share 2), then the last copy and the
  // orthogonal unit tie at 1 (the lower index goes first).
  CHECK(unit_removal_order(fp, "fc1", UnitCriterion::frame_potential, true) ==
        std::vector<Index>{0, 1, 2, 3});
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
  // After N: a ReLU (the ball around a sample is of its output), a leaky ReLU (with its default
  // slope and with a steep one, where the part below zero weighs in every distance), tanh, the
  // sigmoid and ELU (of Z), and GELU, which bounds nothing (every sample that moves runs again).
  // The logits lie a class a lane, in vectors of 8 taken two at a time: 4 classes fill part of one
  // vector, 10 part of two, 19 two vectors and part of a third.
  for (const auto& [activation, second, alpha, classes] :
       {std::tuple{"relu", "relu", "", 4}, std::tuple{"tanh", "relu", "", 4},
        std::tuple{"sigmoid", "relu", "", 4}, std::tuple{"relu", "leaky_relu", "", 4},
        std::tuple{"relu", "leaky_relu", "0.7", 4}, std::tuple{"relu", "tanh", "", 4},
        std::tuple{"relu", "gelu", "", 4}, std::tuple{"relu", "relu", "", 10},
        std::tuple{"relu", "relu", "", 19}, std::tuple{"relu", "tanh", "", 19},
        std::tuple{"relu", "sigmoid", "", 10}, std::tuple{"relu", "elu", "0.8", 4}}) {
    // Copies: CAPTURE's lambda cannot take a structured binding under Clang.
    const std::string first_activation = activation, after_n = second, slope = alpha;
    const int output_classes = classes;
    CAPTURE(first_activation);
    CAPTURE(after_n);
    CAPTURE(slope);
    CAPTURE(output_classes);
    auto run = trained_run(activation, second, alpha, output_classes);
    const Network<float>& net = run->network();
    const Dataset& test = run->data().test;
    const PruneCurve curve(net, "fc1", test);
    CHECK(curve.units() == 40);
    CHECK(curve.samples() == 600);
    const auto saliency = unit_saliency(net, "fc1", run->data().train, LossKind::cross_entropy);
    for (UnitCriterion c : {UnitCriterion::magnitude, UnitCriterion::frame_potential,
                            UnitCriterion::fisher, UnitCriterion::taylor, UnitCriterion::random}) {
      for (bool largest : {false, true}) {
        CAPTURE(to_string(c));
        CAPTURE(largest);
        const auto order = unit_removal_order(net, "fc1", c, largest, 7, saliency.scores(c));
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

TEST_CASE("pruning curves agree where most inputs share one value, as an image's background") {
  // Features below 1.5 raised to it, like an image's dark pixels to its background, and the first
  // one always (so the first entry of each chunk the curve caches, which it takes for the common
  // value, is it), in training and in the test. A feature for each class, 3 higher in its
  // samples, keeps them apart. The curve takes fc1's product by the inputs that differ,
  // W (x - c) + (b + c W 1); the naive one the whole product. Curves of fc2 too, which run fc1
  // the same way before it.
  const auto background = [&](Dataset& d) {
    const Index dim = d.sample_size();
    for (Index j = 0; j < d.size(); ++j)
      for (Index f = 0; f < dim; ++f) {
        float& x = d.features[std::size_t(j * dim + f)];
        const bool marks_class = f == 1 + 2 * Index(d.labels[std::size_t(j)]);
        x = f == 0 ? 1.5f : std::max(x + (marks_class ? 3.0f : 0.0f), 1.5f);
      }
  };
  auto run = trained_run("relu", "relu", "", 4, [&](DataSplits& s) {
    background(s.train);
    background(s.test);
  });
  const Network<float>& net = run->network();
  const Dataset& test = run->data().test;
  // Each chunk the curve caches (500 samples) has at most a third of its entries off 1.5, where
  // the curve takes the shorter product.
  for (Index start = 0; start < test.size(); start += 500) {
    const auto first = test.features.begin() + std::ptrdiff_t(start * test.sample_size());
    const auto last = test.features.begin() +
                      std::ptrdiff_t(std::min(test.size(), start + 500) * test.sample_size());
    CAPTURE(start);
    CHECK(3 * std::count_if(first, last, [](float x) { return x != 1.5f; }) <= last - first);
  }
  for (const char* layer : {"fc1", "fc2"}) {
    CAPTURE(layer);
    const PruneCurve curve(net, layer, test);
    for (UnitCriterion c : {UnitCriterion::magnitude, UnitCriterion::random}) {
      CAPTURE(to_string(c));
      const auto order = unit_removal_order(net, layer, c, false, 3);
      const auto fast = curve.accuracies(order);
      CHECK(fast == curve.naive_accuracies<double>(order));
      CHECK(fast.front() == doctest::Approx(run->evaluate(test).accuracy));
      CHECK(fast.front() > 0.5);  // what is left of the features still tells the classes apart
    }
  }
}

TEST_CASE("a pruning curve with an infinite output weight agrees with the naive one") {
  // 0 times infinity is not 0: the logits' sum may not skip the zero outputs of fc2's ReLU then
  // (a unit with the infinite weight and output 0 makes its class's logit NaN).
  auto run = trained_run("relu");
  Network<float> net(run->network().spec());
  const auto src = run->network().params().values();
  std::copy(src.begin(), src.end(), net.params().values().begin());
  const auto last = std::size_t(net.find_layer("fc3"));
  net.params().values(std::size_t(net.layer(last).weight_index()))[5] =
      std::numeric_limits<float>::infinity();
  const PruneCurve curve(net, "fc1", run->data().test);
  const auto order = unit_removal_order(net, "fc1", UnitCriterion::magnitude);
  CHECK(curve.accuracies(order) == curve.naive_accuracies<double>(order));
}

// fc1 passes three inputs through (a ReLU after it), N = [[1, 0, 1], [0, 1, -1]], then a
// sigmoid when asked, and the output layer T = I. Removing unit 2 moves Z by x_2 (-1, 1).
// The curve of `sample` (label 0) for the order 2, 0, 1.
std::vector<double> ball_edge_curve(std::vector<float> sample, bool sigmoid_after_n, bool naive) {
  ModelSpec spec;
  spec.input = Shape3{1, 1, 3};
  LayerSpec fc1, relu, fc2, sigmoid, fc3;
  fc1.kind = fc2.kind = fc3.kind = LayerKind::dense;
  fc1.units = 3;
  fc2.units = fc3.units = 2;
  relu.kind = sigmoid.kind = LayerKind::activation;
  relu.activation = ActivationKind::relu;
  sigmoid.activation = ActivationKind::sigmoid;
  spec.layers = sigmoid_after_n ? std::vector<LayerSpec>{fc1, relu, fc2, sigmoid, fc3}
                                : std::vector<LayerSpec>{fc1, relu, fc2, fc3};
  assign_names(spec);
  Network<float> net(spec);
  auto& params = net.params();
  const auto set = [&](std::size_t layer, std::vector<float> w) {
    auto values = params.values(std::size_t(net.layer(layer).weight_index()));
    REQUIRE(values.size() == w.size());
    std::copy(w.begin(), w.end(), values.begin());
    for (float& b : params.values(std::size_t(net.layer(layer).bias_index()))) b = 0.0f;
  };
  set(0, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  set(2, {1, 0, 1, 0, 1, -1});
  set(sigmoid_after_n ? 4 : 3, {1, 0, 0, 1});
  Dataset data;
  data.name = "ball/test";
  data.sample_shape = Shape3{1, 1, 3};
  data.num_classes = 2;
  data.features = std::move(sample);
  data.labels = {0};
  const PruneCurve curve(net, "fc1", data);
  const std::vector<Index> order{2, 0, 1};
  return naive ? curve.naive_accuracies<double>(order) : curve.accuracies(order);
}

TEST_CASE("a removal that moves a sample just past its ball changes its prediction") {
  // The logits are Z. The sample (0.9, 0.91, 0.06) has Z = (0.96, 0.85), class 0 by a margin
  // of 0.11, and a ball of radius 0.11 / |T_0 - T_1| = 0.0778. Removing unit 2 moves Z by a
  // distance of 0.0849, just past the ball and across the boundary: Z = (0.9, 0.91), class 1.
  // A ball even 10% too wide would keep the old prediction. Then unit 0 (Z = (0, 0.91), class
  // 1) and unit 1 (Z = 0, a tie: the first class).
  const std::vector<float> sample{0.9f, 0.91f, 0.06f};
  CHECK(ball_edge_curve(sample, false, true) == std::vector<double>{1, 0, 0, 1});
  CHECK(ball_edge_curve(sample, false, false) == std::vector<double>{1, 0, 0, 1});
}

TEST_CASE("a sigmoid after N widens the ball fourfold, and no more") {
  // The logits are sigmoid(Z), whose slope is at most 1/4 (at 0): the ball is 4 times the
  // margin over |T_0 - T_1|. The sample (0.01, 0.011, 0.00606) has Z = (0.01606, 0.00494),
  // class 0 by a margin of 0.00278 in the logits, and a ball of radius 0.00786. Removing unit
  // 2 moves Z by 0.00857, 9% past it and across the boundary. A ball 10% wider (a bound on
  // the slope of 0.227) would keep the old prediction.
  const std::vector<float> sample{0.01f, 0.011f, 0.00606f};
  CHECK(ball_edge_curve(sample, true, true) == std::vector<double>{1, 0, 0, 1});
  CHECK(ball_edge_curve(sample, true, false) == std::vector<double>{1, 0, 0, 1});
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
  CHECK_THROWS_WITH_AS(curve.accuracies(std::vector<Index>{1, 1}),
                       doctest::Contains("appears twice"), Error);
  CHECK_THROWS_WITH_AS(curve.accuracies(std::vector<Index>{40}), doctest::Contains("out of range"),
                       Error);
}

namespace {

// Runs layers [from, to) of a double copy of a network on x, in evaluation mode.
Matrix<double> run_range(const Network<double>& net, std::size_t from, std::size_t to,
                         Matrix<double> x) {
  Matrix<double> y;
  for (std::size_t i = from; i < to; ++i) {
    LayerCache<double> cache;
    net.layer(i).forward(net.params().values(), x, y, cache, PassContext{});
    std::swap(x, y);
  }
  return x;
}

double cross_entropy(const Matrix<double>& logits, int32_t label) {
  const double m = logits.maxCoeff();
  double sum = 0.0;
  for (Index k = 0; k < logits.rows(); ++k) sum += std::exp(logits(k, 0) - m);
  return m + std::log(sum) - logits(label, 0);
}

}  // namespace

TEST_CASE(
    "Fisher scores are (1/2N) sum (activation x gradient)^2, with gradients by central "
    "differences") {
  auto run = trained_run("tanh");
  const Network<float>& net = run->network();
  const Dataset& train = run->data().train;
  constexpr Index kSamples = 120;
  const UnitSaliency saliency = unit_saliency(net, "fc1", train, LossKind::cross_entropy, kSamples);
  const std::vector<double>& scores = saliency.fisher;
  REQUIRE(scores.size() == 40);

  Network<double> dnet(net.spec());
  for (std::size_t i = 0; i < net.params().values().size(); ++i)
    dnet.params().values()[i] = net.params().values()[i];
  const std::size_t next = 2;  // fc1, act1, fc2
  REQUIRE(dnet.layer(next).name() == "fc2");
  std::vector<double> expected(40, 0.0);
  std::vector<uint32_t> idx(1);
  std::vector<int32_t> y(1);
  Matrix<float> xf;
  for (Index n = 0; n < kSamples; ++n) {
    idx[0] = uint32_t(n);
    fill_batch(train, idx, xf, y);
    const Matrix<double> a = run_range(dnet, 0, next, xf.cast<double>());
    for (Index u = 0; u < 40; ++u) {
      const double h = 1e-5;
      Matrix<double> up = a, down = a;
      up(u, 0) += h;
      down(u, 0) -= h;
      const double g = (cross_entropy(run_range(dnet, next, dnet.num_layers(), up), y[0]) -
                        cross_entropy(run_range(dnet, next, dnet.num_layers(), down), y[0])) /
                       (2 * h);
      expected[std::size_t(u)] += std::pow(a(u, 0) * g, 2) / (2.0 * double(kSamples));
    }
  }
  for (std::size_t u = 0; u < 40; ++u) {
    CAPTURE(u);
    CHECK(scores[u] == doctest::Approx(expected[u]).epsilon(1e-3).scale(1e-9));
  }

  // A unit whose output nobody reads costs nothing to remove: it goes first, and last when
  // the largest go first.
  auto& w2 = run->network().params();
  const auto fc2 = std::size_t(w2.find("fc2.weight"));
  for (Index r = 0; r < 12; ++r) w2.values(fc2)[std::size_t(r * 40 + 17)] = 0.0f;
  const auto zeroed = unit_saliency(net, "fc1", train, LossKind::cross_entropy, kSamples).fisher;
  CHECK(zeroed[17] == 0.0);
  const auto order = unit_removal_order(net, "fc1", UnitCriterion::fisher, false, 1, zeroed);
  CHECK(order.front() == 17);
  for (std::size_t k = 1; k < order.size(); ++k)
    CHECK(zeroed[std::size_t(order[k - 1])] <= zeroed[std::size_t(order[k])]);
  CHECK(unit_removal_order(net, "fc1", UnitCriterion::fisher, true, 1, zeroed).back() == 17);
  CHECK_THROWS_WITH_AS(unit_removal_order(net, "fc1", UnitCriterion::fisher),
                       doctest::Contains("needs one score per unit"), Error);
}

TEST_CASE(
    "Taylor scores are |(1/N) sum activation x gradient|: the slope of the mean loss in the unit's "
    "scale") {
  // Scaling unit u's output by s scales column u of W_fc2 by s, so by the chain rule
  // d/ds (1/N) sum_n C_n at s = 1 is (1/N) sum_n a_n g_n: central differences on W_fc2's
  // column, in double, over the mean loss of the samples.
  auto run = trained_run("tanh");
  const Network<float>& net = run->network();
  const Dataset& train = run->data().train;
  constexpr Index kSamples = 150;
  const UnitSaliency saliency = unit_saliency(net, "fc1", train, LossKind::cross_entropy, kSamples);
  REQUIRE(saliency.taylor.size() == 40);

  Network<double> dnet(net.spec());
  for (std::size_t i = 0; i < net.params().values().size(); ++i)
    dnet.params().values()[i] = net.params().values()[i];
  const std::size_t next = 2;
  REQUIRE(dnet.layer(next).name() == "fc2");
  std::vector<uint32_t> idx(static_cast<std::size_t>(kSamples));
  std::iota(idx.begin(), idx.end(), 0u);
  std::vector<int32_t> y(idx.size());
  Matrix<float> xf;
  fill_batch(train, idx, xf, y);
  const Matrix<double> a = run_range(dnet, 0, next, xf.cast<double>());
  const auto mean_loss = [&](Index unit, double scale) {
    Matrix<double> scaled = a;
    scaled.row(unit) *= scale;
    const Matrix<double> logits = run_range(dnet, next, dnet.num_layers(), scaled);
    double sum = 0;
    for (Index n = 0; n < kSamples; ++n)
      sum += cross_entropy(Matrix<double>(logits.col(n)), y[std::size_t(n)]);
    return sum / double(kSamples);
  };
  double largest = 0;
  for (Index u = 0; u < 40; ++u) {
    CAPTURE(u);
    const double h = 1e-5;
    const double expected = std::abs((mean_loss(u, 1 + h) - mean_loss(u, 1 - h)) / (2 * h));
    CHECK(saliency.taylor[std::size_t(u)] == doctest::Approx(expected).epsilon(1e-3).scale(1e-8));
    largest = std::max(largest, expected);
  }
  CHECK(largest > 1e-4);  // the scores are not all zero
  // Taylor ranks by its own scores, smallest first.
  const auto order =
      unit_removal_order(net, "fc1", UnitCriterion::taylor, false, 1, saliency.taylor);
  for (std::size_t k = 1; k < order.size(); ++k)
    CHECK(saliency.taylor[std::size_t(order[k - 1])] <= saliency.taylor[std::size_t(order[k])]);
  CHECK_THROWS_WITH_AS(unit_removal_order(net, "fc1", UnitCriterion::taylor),
                       doctest::Contains("the taylor criterion needs one score per unit"), Error);
}

TEST_CASE(
    "a curve set holds each criterion's curve by the naive oracle and the random mean and std by "
    "hand") {
  auto run = trained_run("relu");
  const Network<float>& net = run->network();
  double last = -1;
  const PruneCurveSet set = prune_curve_set(net, "fc1", run->data(), LossKind::cross_entropy, 3,
                                            nullptr, [&](double f) { last = f; });
  CHECK(last == doctest::Approx(1.0));
  CHECK(set.complete);
  CHECK(set.units == 40);
  REQUIRE(set.curves.size() == 8);
  const PruneCurve curve(net, "fc1", run->data().test);
  for (const CriterionCurve& c : set.curves) {
    CAPTURE(c.name());
    REQUIRE(c.order.size() == 40);
    CHECK(c.accuracy == curve.naive_accuracies<double>(c.order));
  }
  CHECK(set.curves[2].name() == "frame_potential_smallest_first");
  CHECK(set.curves[3].label() == "frame potential, largest first");
  REQUIRE(set.random.size() == 3);
  for (std::size_t k : {std::size_t(0), std::size_t(17), std::size_t(40)}) {
    const double a = set.random[0][k], b = set.random[1][k], c = set.random[2][k];
    const double mean = (a + b + c) / 3;
    const double sd = std::sqrt(
        ((a - mean) * (a - mean) + (b - mean) * (b - mean) + (c - mean) * (c - mean)) / 2);
    CHECK(set.random_mean[k] == doctest::Approx(mean).epsilon(1e-12));
    CHECK(set.random_std[k] == doctest::Approx(sd).epsilon(1e-12));
  }
  CHECK(set.random[1] ==
        curve.accuracies(unit_removal_order(net, "fc1", UnitCriterion::random, false, 2)));
  // Removing 0 units: the dense network, for every curve.
  CHECK(set.random_std[0] == 0.0);
  CHECK(units_removable({0.9, 0.9, 0.895, 0.889, 0.95}, 0.01) == 2);
  CHECK_THROWS_WITH_AS(prune_curve_set(net, "fc3", run->data(), LossKind::cross_entropy),
                       doctest::Contains("fc3"), Error);
}
