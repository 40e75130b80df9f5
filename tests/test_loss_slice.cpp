// 2-D slices of the loss (core/analysis/loss_slice.h): filter-normalized directions match each
// unit's norm, the slice at (0, 0) is the run's own evaluation, the fast path (the first dense
// layer's output combined from three products) equals the naive one at every grid point, and
// a point off the centre equals the loss surface's evaluation of the same weights, as does
// every point of a convolution network's slice, whose wide layers run by parts.
#include "core/analysis/loss_slice.h"
#include "core/analysis/loss_surface.h"
#include "core/prune/prune.h"
#include "core/rng.h"
#include "trainer_fixtures.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <utility>

using namespace ts;
using namespace ts::testing;

TEST_CASE("a filter-normalized direction has each unit's norm of the weights, biases zero") {
  auto run = make_run(small_config());
  for (int i = 0; i < 50; ++i) run->train_step();
  const auto& net = run->network();
  const std::vector<float> w(net.params().values().begin(), net.params().values().end());
  const std::vector<float> d = filter_normalized_direction(net, w, 3);
  const auto wn = unit_norms(net, w), dn = unit_norms(net, d);
  REQUIRE(wn.size() == 32 + 16 + 3);  // a norm a unit of fc1, fc2, fc3
  for (std::size_t i = 0; i < wn.size(); ++i) CHECK(dn[i] == doctest::Approx(wn[i]).epsilon(1e-5));
  for (std::size_t t = 0; t < net.params().count(); ++t) {
    const ParamInfo& info = net.params().info(t);
    if (info.is_weight) continue;
    for (std::size_t i = 0; i < info.size; ++i) CHECK(d[info.offset + i] == 0.0f);
  }
  // Another seed, another direction.
  CHECK(filter_normalized_direction(net, w, 4) != d);
}

TEST_CASE("the slice's centre is the run's evaluation, the fast path equals the naive one") {
  auto run = make_run(small_config());
  for (int i = 0; i < 150; ++i) run->train_step();
  const auto& net = run->network();
  const Dataset& test = run->data().test;
  const std::vector<float> w(net.params().values().begin(), net.params().values().end());
  const auto d1 = filter_normalized_direction(net, w, 1),
             d2 = filter_normalized_direction(net, w, 2);
  const SliceGrid fast = loss_slice(net, run->config().loss, w, d1, d2, test, test.size(), 7, 0.8);
  const SliceGrid naive =
      loss_slice(net, run->config().loss, w, d1, d2, test, test.size(), 7, 0.8, SlicePath::naive);
  REQUIRE(fast.loss.size() == 49);
  const BatchStats own = run->evaluate(test);
  CHECK(fast.coordinate(3) == 0.0);
  CHECK(fast.loss[3 * 7 + 3] == doctest::Approx(own.loss).epsilon(1e-5));
  CHECK(fast.accuracy[3 * 7 + 3] == doctest::Approx(own.accuracy));
  for (std::size_t i = 0; i < 49; ++i) {
    CHECK(fast.loss[i] == doctest::Approx(naive.loss[i]).epsilon(1e-4));
    CHECK(std::abs(fast.accuracy[i] - naive.accuracy[i]) <= 1.0 / double(test.size()) + 1e-12);
  }
  // The corner (a, b) = (-0.8, 0.8), by the loss surface's own evaluation of those weights.
  std::vector<double> corner(w.size());
  for (std::size_t i = 0; i < w.size(); ++i)
    corner[i] = double(w[i]) - 0.8 * double(d1[i]) + 0.8 * double(d2[i]);
  LossSurface<double> surface(net.spec(), run->config().loss, test, test.size(),
                              net.params().masks());
  CHECK(naive.loss[6 * 7 + 0] == doctest::Approx(surface.evaluate(corner).loss).epsilon(1e-4));
  // Away from the minimum the loss rises: the centre is lower than the mean of the corners.
  const double corners = (fast.loss[0] + fast.loss[6] + fast.loss[42] + fast.loss[48]) / 4;
  CHECK(fast.loss[24] < corners);
}

TEST_CASE("the row path equals the first-layer and naive paths at every grid point") {
  // ReLU and leaky ReLU after the first dense layer: the row path, whose slopes change where a
  // unit's input crosses zero along each row; an odd and an even grid, a rectangle of samples
  // that is not a whole number of batches. After the second dense layer (21 units: not a whole
  // number of vectors, so the padded rows stay zero) a ReLU or a leaky ReLU, then the output
  // layer: with cross-entropy and up to 16 classes the lean tail takes them (3 and 12 classes,
  // a vector's lanes partly used), with 17 classes or the squared error the network's layers.
  struct Case {
    const char *first, *second;
    int classes;
    const char* loss;
  };
  for (const Case& k :
       {Case{"relu", "relu", 3, "cross_entropy"}, Case{"leaky_relu", "relu", 3, "cross_entropy"},
        Case{"relu", "leaky_relu", 3, "cross_entropy"}, Case{"relu", "relu", 12, "cross_entropy"},
        Case{"relu", "relu", 17, "cross_entropy"}, Case{"relu", "relu", 3, "mse"}}) {
    const std::string first_activation = k.first, second_activation = k.second, loss = k.loss;
    CAPTURE(first_activation);
    CAPTURE(second_activation);
    CAPTURE(k.classes);
    CAPTURE(loss);
    const std::string classes = std::to_string(k.classes);
    const ExperimentConfig c = parse_experiment_text(
        R"({"data": {"dataset": "blobs", "classes": )" + classes +
            R"(, "dim": 8, "train_size": 600, "validation_size": 100, "test_size": 200},
            "model": {"layers": [{"type": "dense", "units": 32, "activation": ")" +
            first_activation + R"("}, {"type": "dense", "units": 21, "activation": ")" +
            second_activation + R"("}, {"type": "dense", "units": )" + classes + R"(}]},
            "loss": ")" +
            loss + R"(", "optimizer": {"type": "adam"},
            "schedule": {"type": "constant", "lr": 0.01},
            "training": {"batch_size": 32, "steps": 150, "seed": 5}})",
        "row-path.json");
    auto run = make_run(c);
    for (int i = 0; i < 150; ++i) run->train_step();
    const auto& net = run->network();
    const Dataset& test = run->data().test;
    const std::vector<float> w(net.params().values().begin(), net.params().values().end());
    auto d1 = filter_normalized_direction(net, w, 1), d2 = filter_normalized_direction(net, w, 2);
    // Directions with biases too, as a path's principal directions have.
    Rng rng(7);
    for (std::size_t i = 0; i < w.size(); ++i)
      if (d1[i] == 0.f) d1[i] = float(0.3 * rng.normal()), d2[i] = float(0.3 * rng.normal());
    // 35 points a side: two groups of rows, each walked down its own first column.
    for (const auto& grid : {std::pair{9, 200}, std::pair{6, 200}, std::pair{35, 70}}) {
      const int n = grid.first, samples = grid.second;
      CAPTURE(n);
      const LossKind l = run->config().loss;
      const SliceGrid rows = loss_slice(net, l, w, d1, d2, test, samples, n, 1.5);
      const SliceGrid first =
          loss_slice(net, l, w, d1, d2, test, samples, n, 1.5, SlicePath::first_layer);
      const SliceGrid naive =
          loss_slice(net, l, w, d1, d2, test, samples, n, 1.5, SlicePath::naive);
      for (std::size_t i = 0; i < rows.loss.size(); ++i) {
        CHECK(rows.loss[i] == doctest::Approx(naive.loss[i]).epsilon(1e-4));
        CHECK(first.loss[i] == doctest::Approx(naive.loss[i]).epsilon(1e-4));
        CHECK(std::abs(rows.accuracy[i] - naive.accuracy[i]) <= 1.0 / samples + 1e-12);
      }
    }
  }
}

namespace {

// Two convolutions of 16 filters on 12 x 12 images, the second by Winograd's transforms (16
// channels in), then a max-pool and two dense layers, with 300 random images of 3 classes and
// two filter-normalized directions: a slice through the whole network at every point.
struct ConvSlice {
  ModelSpec spec;
  Network<float> net;
  Dataset data;
  std::vector<float> w, d1, d2;

  static ModelSpec model() {
    LayerSpec conv;
    conv.kind = LayerKind::conv2d;
    conv.filters = 16;
    conv.kernel = 3;
    conv.padding = 1;
    conv.activation = ActivationKind::relu;
    LayerSpec pool;
    pool.kind = LayerKind::max_pool;
    LayerSpec flatten;
    flatten.kind = LayerKind::flatten;
    LayerSpec fc1;
    fc1.kind = LayerKind::dense;
    fc1.units = 6;
    fc1.activation = ActivationKind::relu;
    LayerSpec fc2;
    fc2.kind = LayerKind::dense;
    fc2.units = 3;
    ModelSpec spec;
    spec.input = Shape3{12, 12, 1};
    spec.layers = {conv, conv, pool, flatten, fc1, fc2};
    assign_names(spec);
    return spec;
  }

  ConvSlice() : spec(model()), net(spec) {
    Rng rng(8);
    InitSpec bias;
    bias.kind = InitKind::gaussian;
    bias.sigma = 0.1;
    net.initialize(InitSpec{}, bias, rng);
    data.name = "images/test";
    data.sample_shape = spec.input;
    data.num_classes = 3;
    for (Index i = 0; i < 300 * 144; ++i) data.features.push_back(float(rng.normal()));
    for (Index i = 0; i < 300; ++i) data.labels.push_back(int32_t(rng.below(3)));
    w.assign(net.params().values().begin(), net.params().values().end());
    d1 = filter_normalized_direction(net, w, 1);
    d2 = filter_normalized_direction(net, w, 2);
  }
};

}  // namespace

TEST_CASE("a convolution network's slice, its wide layers a part of a chunk at a time") {
  // 2,304 floats a sample out of each convolution, so the layers before the first dense one
  // run by parts of 26 samples of a 256-sample chunk (ten parts, the last filled out with four
  // zero columns), joined at the dense layer, the parts after the first with the weights
  // packed and transformed for it; 276 samples end in a chunk of 20, narrower than a part.
  // Every point against the weights' own evaluation in double.
  const ConvSlice cs;
  const auto& [spec, net, data, w, d1, d2] = cs;
  const SliceGrid g = loss_slice(net, LossKind::cross_entropy, w, d1, d2, data, 276, 5, 0.5);
  LossSurface<double> surface(spec, LossKind::cross_entropy, data, 276);
  // No samples asked for is said so, not taken for an empty dataset.
  CHECK_THROWS_WITH_AS(loss_slice(net, LossKind::cross_entropy, w, d1, d2, data, 0, 5, 0.5),
                       "loss slice: needs at least 1 sample, got 0", Error);
  CHECK_THROWS_WITH_AS(LossSurface<double>(spec, LossKind::cross_entropy, data, 0),
                       "loss surface: needs at least 1 sample, got 0", Error);
  std::vector<double> at(w.size());
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 5; ++c) {
      CAPTURE(r);
      CAPTURE(c);
      for (std::size_t i = 0; i < w.size(); ++i)
        at[i] = double(w[i]) + g.coordinate(c) * double(d1[i]) + g.coordinate(r) * double(d2[i]);
      CHECK(g.loss[std::size_t(r * 5 + c)] ==
            doctest::Approx(surface.evaluate(at).loss).epsilon(1e-5));
    }
  // Progress by each point's chunks (two), rising to 1; cancelled after a fifth of them, the
  // points not finished are NaN and the others keep their values.
  std::vector<double> seen;
  std::mutex m;
  std::atomic<bool> cancel{false};
  const auto record = [&](double f) {
    std::lock_guard<std::mutex> lock(m);
    seen.push_back(f);
  };
  loss_slice(net, LossKind::cross_entropy, w, d1, d2, data, 276, 5, 0.5, SlicePath::automatic,
             &cancel, record);
  REQUIRE(seen.size() == 50);
  std::sort(seen.begin(), seen.end());
  CHECK(seen.front() == doctest::Approx(0.02));
  CHECK(seen.back() == 1.0);
  const SliceGrid part = loss_slice(net, LossKind::cross_entropy, w, d1, d2, data, 276, 5, 0.5,
                                    SlicePath::automatic, &cancel, [&](double f) {
                                      if (f >= 0.2) cancel = true;
                                    });
  int unfinished = 0;
  for (std::size_t i = 0; i < part.loss.size(); ++i) {
    if (std::isnan(part.loss[i])) {
      ++unfinished;
      CHECK(std::isnan(part.accuracy[i]));
    } else {
      CHECK(part.loss[i] == g.loss[i]);
    }
  }
  CHECK(unfinished >= 10);
  CHECK(unfinished < 25);
}

TEST_CASE("the slice's route: rows, the first layer's products, or the whole network") {
  const auto route = [](std::vector<LayerSpec> layers) {
    ModelSpec spec;
    spec.input = Shape3{8, 8, 1};
    spec.layers = std::move(layers);
    assign_names(spec);
    return slice_route(Network<float>(spec));
  };
  const auto dense = [](Index units) {
    LayerSpec l;
    l.units = units;
    return l;
  };
  // An experiment's "activation" of a layer becomes a layer of its own after it.
  const auto act = [](ActivationKind a) {
    LayerSpec l;
    l.kind = LayerKind::activation;
    l.activation = a;
    return l;
  };
  LayerSpec flatten;
  flatten.kind = LayerKind::flatten;
  LayerSpec conv;
  conv.kind = LayerKind::conv2d;
  conv.filters = 4;
  conv.kernel = 3;
  using A = ActivationKind;
  // LeNet's shape, after a flatten that has no parameters: a ReLU, then a second dense layer.
  CHECK(route({flatten, dense(16), act(A::relu), dense(8), act(A::relu), dense(3)}) ==
        SliceRoute::rows);
  // tanh bends everywhere: the first layer's products alone.
  CHECK(route({flatten, dense(16), act(A::tanh), dense(3)}) == SliceRoute::first_layer);
  // One dense layer: nothing after it to take by rows.
  CHECK(route({flatten, dense(3)}) == SliceRoute::first_layer);
  // A convolution first, as Conv-2: every point through the whole network.
  CHECK(route({conv, act(A::relu), flatten, dense(3)}) == SliceRoute::whole_network);
}

TEST_CASE("a pruned weight stays zero along the slice's directions") {
  auto run = make_run(small_config());
  for (int i = 0; i < 50; ++i) run->train_step();
  PruneRequest req;
  req.layers = {"fc1"};
  req.amount = 0.5;
  prune(run->network(), run->optimizer(), req);
  const auto& net = run->network();
  const std::vector<float> w(net.params().values().begin(), net.params().values().end());
  const auto d = filter_normalized_direction(net, w, 5);
  const auto masks = net.params().masks();
  std::size_t pruned = 0;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (masks[i] == 0.0f) {
      ++pruned;
      CHECK(d[i] == 0.0f);
    }
  CHECK(pruned > 100);
}

TEST_CASE("the trajectory's plane: its two principal directions, shares and path") {
  // States moving along two orthogonal directions, three times further along the first.
  const std::size_t n = 50;
  std::vector<float> e1(n, 0.0f), e2(n, 0.0f), end(n);
  for (std::size_t i = 0; i < n; ++i) end[i] = float(std::sin(double(i)));
  e1[3] = 0.6f, e1[7] = 0.8f;     // unit
  e2[10] = 0.8f, e2[20] = -0.6f;  // unit, orthogonal to e1
  std::vector<std::vector<float>> states;
  const double t[] = {3.0, 2.1, 1.4, 0.6, 0.0}, s[] = {0.5, -0.4, 0.3, -0.2, 0.0};
  for (int k = 0; k < 5; ++k) {
    std::vector<float> w = end;
    for (std::size_t i = 0; i < n; ++i) w[i] += float(3 * t[k] * e1[i] + s[k] * e2[i]);
    states.push_back(w);
  }
  const TrajectoryPlane p = trajectory_plane(states);
  double dot1 = 0, dot2 = 0, norm1 = 0;
  for (std::size_t i = 0; i < n; ++i)
    dot1 += double(p.d1[i]) * e1[i], dot2 += double(p.d2[i]) * e2[i],
        norm1 += double(p.d1[i]) * p.d1[i];
  CHECK(norm1 == doctest::Approx(1.0).epsilon(1e-5));
  CHECK(std::abs(dot1) == doctest::Approx(1.0).epsilon(1e-3));
  CHECK(std::abs(dot2) == doctest::Approx(1.0).epsilon(1e-2));
  // No motion outside the plane: the two shares make the whole.
  CHECK(p.explained[0] + p.explained[1] == doctest::Approx(1.0).epsilon(1e-5));
  CHECK(p.explained[0] > 0.9);
  // The path: the first state 9 along e1 (up to the direction's sign), the last at the origin.
  REQUIRE(p.path.size() == 5);
  CHECK(std::abs(p.path[0].first) == doctest::Approx(9.0).epsilon(1e-3));
  CHECK(p.path[4].first == doctest::Approx(0.0));
  CHECK(p.path[4].second == doctest::Approx(0.0));
  CHECK_THROWS_AS(trajectory_plane({end, end}), Error);
  // A run that did not move (a rate of 0): no direction, said so, not a plane of zeros.
  CHECK_THROWS_WITH_AS(trajectory_plane({end, end, end}),
                       doctest::Contains("every kept state equals the last one"), Error);
}

TEST_CASE("a slice through the whole network goes coarse to fine, with a preview a level") {
  // The strides: the largest power of two with two lattice points on each side of the centre
  // ((n - 1) / 2), halved down to 1.
  CHECK(slice_strides(41) == std::vector<int>{8, 4, 2, 1});  // 4 12 20 28 36 first
  CHECK(slice_strides(40) == std::vector<int>{8, 4, 2, 1});  // 3 11 19 27 35
  CHECK(slice_strides(21) == std::vector<int>{4, 2, 1});
  CHECK(slice_strides(9) == std::vector<int>{2, 1});
  CHECK(slice_strides(8) == std::vector<int>{1});  // centre 3: 1 and 5 would leave one below
  CHECK(slice_strides(5) == std::vector<int>{1});
  CHECK(slice_strides(1) == std::vector<int>{1});
  CHECK(on_lattice(41, 8, 4));
  CHECK(on_lattice(41, 8, 36));
  CHECK_FALSE(on_lattice(41, 8, 0));
  // Nearest lattice points of stride 2 about 4 (0 2 4 6 8): half way goes to the one nearer
  // the centre; past the last lattice point, the last.
  CHECK(lattice_nearest(9, 2, 1) == 2);
  CHECK(lattice_nearest(9, 2, 3) == 4);
  CHECK(lattice_nearest(9, 2, 5) == 4);
  CHECK(lattice_nearest(9, 2, 7) == 6);
  CHECK(lattice_nearest(9, 2, 8) == 8);
  CHECK(lattice_nearest(10, 2, 9) == 8);
  // Stride 8 about 20 (4 12 20 28 36): 16 and 24 half way, to 20; 17 past half way from 12.
  CHECK(lattice_nearest(41, 8, 0) == 4);
  CHECK(lattice_nearest(41, 8, 16) == 20);
  CHECK(lattice_nearest(41, 8, 24) == 20);
  CHECK(lattice_nearest(41, 8, 15) == 12);
  CHECK(lattice_nearest(41, 8, 40) == 36);
  // 5 x 5, stride 2 (0 2 4 a side): rows 1 and 3 take the centre row, columns alike.
  SliceGrid g5;
  g5.n = 5;
  for (int i = 0; i < 25; ++i) {
    g5.loss.push_back(i);
    g5.accuracy.push_back(100 + i);
  }
  const SliceGrid f5 = coarse_fill(g5, 2);
  CHECK(f5.loss == std::vector<double>{0,  2,  2,  2,  4,  10, 12, 12, 12, 14, 10, 12, 12,
                                       12, 14, 10, 12, 12, 12, 14, 20, 22, 22, 22, 24});
  CHECK(f5.accuracy[0] == 100);
  CHECK(f5.accuracy[6] == 112);
  CHECK(f5.accuracy[18] == 112);
  CHECK(f5.accuracy[24] == 124);

  // On the convolution network, 9 x 9 points over 60 images: one preview, of the 25 points
  // of stride 2 with every other point filled from them, each with the bits of the final grid.
  const ConvSlice cs;
  const auto& [spec, net, data, w, d1, d2] = cs;
  std::vector<std::pair<SliceGrid, std::size_t>> previews;
  const auto keep = [&](const SliceGrid& g, int, std::size_t computed) {
    previews.emplace_back(g, computed);
  };
  const SliceGrid g = loss_slice(net, LossKind::cross_entropy, w, d1, d2, data, 60, 9, 0.5,
                                 SlicePath::automatic, nullptr, {}, keep);
  REQUIRE(previews.size() == 1);
  CHECK(previews[0].second == 25);
  const SliceGrid& p = previews[0].first;
  CHECK(p.n == 9);
  CHECK(p.loss == coarse_fill(g, 2).loss);
  CHECK(p.accuracy == coarse_fill(g, 2).accuracy);
  CHECK(p.loss[4 * 9 + 4] == g.loss[4 * 9 + 4]);  // the centre: its own
  CHECK(p.loss[4 * 9 + 5] != g.loss[4 * 9 + 5]);  // beside it: the centre's
  // The same grid without a preview; none after a cancel.
  CHECK(loss_slice(net, LossKind::cross_entropy, w, d1, d2, data, 60, 9, 0.5).loss == g.loss);
  std::atomic<bool> cancel{true};
  previews.clear();
  loss_slice(net, LossKind::cross_entropy, w, d1, d2, data, 60, 9, 0.5, SlicePath::automatic,
             &cancel, {}, keep);
  CHECK(previews.empty());
}
