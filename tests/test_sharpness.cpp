// The loss as a function of the weights (core/analysis/loss_surface.h), its sharpness
// (core/analysis/sharpness.h) and the line between two weight vectors
// (core/analysis/interpolation.h): power iteration on a matrix of known eigenvalues,
// Hutchinson's trace on known traces, Hessian-vector products by central differences of
// gradients against the closed-form Hessian of a linear model with the mean squared error, and
// the line's ends against the run's own evaluation.
#include "core/analysis/interpolation.h"
#include "core/analysis/sharpness.h"
#include "core/layers/init.h"
#include "core/rng.h"
#include "temp_dir.h"
#include "trainer_fixtures.h"

#include <doctest/doctest.h>
#include <Eigen/Eigenvalues>

#include <cmath>

using namespace ts;

namespace {

// Q diag(lambda) Q' for a random orthogonal Q.
Eigen::MatrixXd with_spectrum(const Eigen::VectorXd& lambda, uint64_t seed) {
  const Index n = lambda.size();
  Rng rng(seed);
  Eigen::MatrixXd g(n, n);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) g(i, j) = rng.normal();
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  const Eigen::MatrixXd q = qr.householderQ();
  return q * lambda.asDiagonal() * q.transpose();
}

SymmetricOperator op(const Eigen::MatrixXd& a) {
  return [&a](std::span<const double> x, std::span<double> y) {
    Eigen::Map<Eigen::VectorXd>(y.data(), Index(y.size())) =
        a * Eigen::Map<const Eigen::VectorXd>(x.data(), Index(x.size()));
  };
}

// A linear model (one dense layer, no activation) on `n` random 4-feature samples, 3 classes.
struct Linear {
  ModelSpec spec;
  Dataset data;
  Linear(Index n, uint64_t seed) {
    spec.input = Shape3{1, 1, 4};
    LayerSpec fc;
    fc.kind = LayerKind::dense;
    fc.units = 3;
    fc.name = "fc1";
    spec.layers.push_back(fc);
    Rng rng(seed);
    data.name = "linear/train";
    data.sample_shape = Shape3{1, 1, 4};
    data.num_classes = 3;
    for (Index i = 0; i < n; ++i) {
      for (int f = 0; f < 4; ++f) data.features.push_back(float(rng.normal()));
      data.labels.push_back(int32_t(rng.below(3)));
    }
  }
};

// Random samples of `shape` with `classes` labels.
Dataset random_samples(Shape3 shape, Index n, int classes, uint64_t seed) {
  Dataset d;
  d.name = "random/train";
  d.sample_shape = shape;
  d.num_classes = classes;
  Rng rng(seed);
  for (Index i = 0; i < n * shape.size(); ++i) d.features.push_back(float(rng.normal()));
  for (Index i = 0; i < n; ++i) d.labels.push_back(int32_t(rng.below(uint64_t(classes))));
  return d;
}

LayerSpec layer(LayerKind kind, Index size = 0, ActivationKind act = ActivationKind::relu) {
  LayerSpec l;
  l.kind = kind;
  l.units = size;
  l.filters = size;
  l.activation = act;
  return l;
}

ModelSpec model(Shape3 input, std::vector<LayerSpec> layers) {
  ModelSpec m;
  m.input = input;
  m.layers = std::move(layers);
  assign_names(m);
  return m;
}

double relative_distance(std::span<const double> a, std::span<const double> b) {
  double d = 0, nb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d += (a[i] - b[i]) * (a[i] - b[i]), nb += b[i] * b[i];
  return std::sqrt(d / nb);
}

}  // namespace

TEST_CASE("power iteration finds the top eigenvalue and its vector of a known spectrum") {
  Eigen::VectorXd lambda = Eigen::VectorXd::LinSpaced(40, -3.0, 6.0);
  lambda(39) = 11.0;  // a gap: 11 against 6
  const Eigen::MatrixXd a = with_spectrum(lambda, 3);
  const PowerIteration p = power_iteration(op(a), 40, {}, 500, 1e-12, 7);
  CHECK(p.converged);
  CHECK(p.eigenvalue == doctest::Approx(11.0).epsilon(1e-9));
  REQUIRE(p.estimates.size() == std::size_t(p.iterations));  // one a product, the last its value
  CHECK(p.estimates.back() == p.eigenvalue);
  // Its eigenvector: A v = 11 v.
  const Eigen::Map<const Eigen::VectorXd> v(p.vector.data(), 40);
  CHECK((a * v - 11.0 * v).norm() < 1e-4);
  // Warm-started from it, one more iteration (two quotients) confirms it.
  const PowerIteration warm = power_iteration(op(a), 40, p.vector, 500, 1e-9, 7);
  CHECK(warm.iterations == 2);
  CHECK(warm.eigenvalue == doctest::Approx(11.0).epsilon(1e-9));
  // The largest magnitude wins: -20 over 11.
  lambda(0) = -20.0;
  const Eigen::MatrixXd b = with_spectrum(lambda, 3);
  CHECK(power_iteration(op(b), 40, {}, 1000, 1e-12, 7).eigenvalue ==
        doctest::Approx(-20.0).epsilon(1e-8));
}

TEST_CASE("a sharpness measurement's progress: products left from how fast the estimate settles") {
  // Quotients 10 (1 - 0.5^k): the change shrinks by half an iteration, so from the third
  // product on, the products left are those that bring it under 1e-3.
  SharpnessProgress p(100, 1e-3, 4);
  std::vector<double> fractions;
  int k = 0;
  double change = 1;
  do {
    ++k;
    const double q = 10 * (1 - std::pow(0.5, k)), before = 10 * (1 - std::pow(0.5, k - 1));
    change = k > 1 ? std::abs(q - before) / q : 1;
    fractions.push_back(p.power_product(q));
  } while (change > 1e-3);
  // The change 0.5^k / (1 - 0.5^k) first falls under 1e-3 at k = 10 (9.8e-4).
  CHECK(k == 10);
  // After three products (changes 1/3 and 1/7: a factor of 3/7), the guess of 20 has become
  // 3 + ceil(log(1e-3 / (1/7)) / log(3/7)) = 3 + 6 = 9 products in all (10, it turns out),
  // plus 4 probes: 3/13.
  CHECK(fractions[2] == doctest::Approx(3.0 / 13));
  // At the fourth: change 1/15, a factor of 7/15, ceil(log(0.015) / log(7/15)) = 6 left:
  // 4 of 14.
  CHECK(fractions[3] == doctest::Approx(4.0 / 14));
  // Converged: 10 products, then the probes one by one, to 1.
  CHECK(fractions.back() == doctest::Approx(10.0 / 14));
  for (int i = 1; i <= 4; ++i) fractions.push_back(p.trace_product());
  CHECK(fractions.back() == 1.0);
  for (std::size_t i = 1; i < fractions.size(); ++i) CHECK(fractions[i] >= fractions[i - 1]);
  // Before two changes are known: the first product of a guess of 20, no probes.
  SharpnessProgress first(100, 1e-3, 0);
  CHECK(first.power_product(5.0) == doctest::Approx(1.0 / 20));
  // A measurement that stops at max_iterations, unconverged, then has only its probes left.
  SharpnessProgress capped(3, 1e-9, 2);
  capped.power_product(1);
  capped.power_product(2);
  CHECK(capped.power_product(2.5) == doctest::Approx(3.0 / 5));
}

TEST_CASE("Hutchinson's estimate is exact on a diagonal and close on a dense matrix") {
  Eigen::VectorXd d(5);
  d << 1, -2, 3.5, 0.25, 7;
  const Eigen::MatrixXd diag = d.asDiagonal();
  CHECK(hutchinson_trace(op(diag), 5, 1, 3) == doctest::Approx(9.75).epsilon(1e-14));
  const Eigen::MatrixXd a = with_spectrum(Eigen::VectorXd::LinSpaced(30, 0.5, 3.0), 5);
  // The trace is the eigenvalues' sum (52.5); 4000 probes put the estimate within 2%.
  CHECK(hutchinson_trace(op(a), 30, 4000, 9) == doctest::Approx(52.5).epsilon(0.02));
  CHECK(std::isnan(hutchinson_trace(op(a), 30, 0, 9)));
}

TEST_CASE("Hessian-vector products by differences of gradients equal a linear model's Hessian") {
  const Linear m(300, 11);  // two chunks of samples
  LossSurface<double> surface(m.spec, LossKind::mse, m.data, 300);
  // fc1.weight [3, 4] and fc1.bias [3], where the parameters' layout puts them.
  const Network<double> net(m.spec);
  const std::size_t n = net.params().total_size();
  REQUIRE(surface.size() == n);
  const Index wo = Index(net.params().info(0).offset), bo = Index(net.params().info(1).offset);
  REQUIRE(net.params().info(0).size == 12);
  REQUIRE(net.params().info(1).size == 3);
  // L = 1/n sum_b 1/K sum_k (z_bk - t_bk)^2, z = W x + b: the Hessian is the same everywhere,
  // 2/(K n) sum_b x~ x~' for each class's row (x~ = [x; 1]), whatever W.
  Eigen::MatrixXd xx = Eigen::MatrixXd::Zero(5, 5);
  for (Index b = 0; b < 300; ++b) {
    Eigen::VectorXd x(5);
    for (int f = 0; f < 4; ++f) x(f) = m.data.features[std::size_t(b * 4 + f)];
    x(4) = 1.0;
    xx += x * x.transpose();
  }
  xx *= 2.0 / (3.0 * 300.0);
  // Padding between the tensors (none is a weight) has no curvature.
  Eigen::MatrixXd h = Eigen::MatrixXd::Zero(Index(n), Index(n));
  for (Index k = 0; k < 3; ++k) {
    for (Index i = 0; i < 4; ++i) {
      for (Index j = 0; j < 4; ++j) h(wo + k * 4 + i, wo + k * 4 + j) = xx(i, j);
      h(wo + k * 4 + i, bo + k) = h(bo + k, wo + k * 4 + i) = xx(i, 4);
    }
    h(bo + k, bo + k) = xx(4, 4);
  }
  Rng rng(2);
  std::vector<double> w(n), v(n), hv(n);
  for (double& x : w) x = rng.normal();
  for (double& x : v) x = rng.normal();
  surface.hessian_vector(w, v, hv, 1e-3);
  const Eigen::VectorXd expect = h * Eigen::Map<Eigen::VectorXd>(v.data(), Index(n));
  for (std::size_t i = 0; i < n; ++i)
    CHECK(hv[i] == doctest::Approx(expect(Index(i))).epsilon(1e-7));
  // The top eigenvalue by power iteration on those products is the Hessian's.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(h);
  SharpnessSettings s;
  s.tolerance = 1e-10;
  s.max_iterations = 2000;
  s.trace_probes = 1;  // Rademacher probes: exact only in expectation, so just its sign here
  s.step = 1e-3;
  const Sharpness sh = sharpness<double>(surface, w, s);
  CHECK(sh.top_eigenvalue == doctest::Approx(eig.eigenvalues()(Index(n) - 1)).epsilon(1e-6));
  CHECK(sh.trace > 0);
  CHECK(sh.samples == 300);
  // In float, the same products to a part in a thousand.
  LossSurface<float> fsurface(m.spec, LossKind::mse, m.data, 300);
  std::vector<float> wf(w.begin(), w.end()), vf(v.begin(), v.end()), hvf(n);
  fsurface.hessian_vector(wf, vf, hvf, 1e-2);
  for (std::size_t i = 0; i < n; ++i)
    CHECK(double(hvf[i]) == doctest::Approx(expect(Index(i))).epsilon(2e-3));
}

TEST_CASE("a pruned weight has no gradient and no curvature along it") {
  const Linear m(50, 4);
  const std::size_t n = Network<double>(m.spec).params().total_size();
  std::vector<float> masks(n, 1.0f);
  masks[5] = 0.0f;  // a weight of fc1.weight
  LossSurface<double> surface(m.spec, LossKind::cross_entropy, m.data, 50, masks);
  std::vector<double> w(n, 0.1), g(n), v(n, 1.0), hv(n);
  for (std::size_t i = 0; i < n; ++i) w[i] += 0.01 * double(i);  // logits that differ
  const auto value = surface.evaluate(w, g);
  CHECK(value.loss > 0);
  CHECK(g[5] == 0.0);
  CHECK(g[4] != 0.0);
  surface.hessian_vector(w, v, hv, 1e-4);
  CHECK(hv[5] == 0.0);
  // Whatever the pruned weight holds, the loss is the same.
  std::vector<double> w2 = w;
  w2[5] = 40.0;
  CHECK(surface.evaluate(w2).loss == surface.evaluate(w).loss);
}

TEST_CASE("the line from the initialization to the trained weights ends at both evaluations") {
  auto run = testing::make_run(testing::small_config());
  for (int i = 0; i < 120; ++i) run->train_step();
  const DataSplits& d = run->data();
  const auto& net = run->network();
  const auto masks = net.params().masks();
  LossSurface<float> train(net.spec(), run->config().loss, d.train, d.train.size(), masks);
  LossSurface<float> test(net.spec(), run->config().loss, d.test, d.test.size(), masks);
  const std::vector<float> now(net.params().values().begin(), net.params().values().end());
  const auto line = interpolate(train, test, run->initial_values(), now, -0.5, 1.5, 9);
  REQUIRE(line.size() == 9);
  CHECK(line[2].alpha == doctest::Approx(0.0));
  CHECK(line[6].alpha == doctest::Approx(1.0));
  // alpha 1: the run's own test evaluation; alpha 0: its initial weights'.
  const BatchStats at_end = run->evaluate(d.test);
  CHECK(line[6].test_loss == doctest::Approx(at_end.loss).epsilon(1e-5));
  CHECK(line[6].test_accuracy == doctest::Approx(at_end.accuracy));
  const BatchStats at_init = run->evaluate_weights(run->initial_values(), d.test);
  CHECK(line[2].test_loss == doctest::Approx(at_init.loss).epsilon(1e-5));
  // Trained, the loss went down along the line.
  CHECK(line[6].train_loss < line[2].train_loss);
  CHECK_THROWS_AS(interpolate(train, test, now, now, 0, 1, 1), Error);
}

TEST_CASE("on a ReLU network the default step gives a symmetric Hessian, a coarse one does not") {
  // u'(H v) = v'(H u) for a Hessian. Differences of gradients over a step that carries units
  // across their ReLU kink measure jumps, not curvature, and lose that symmetry.
  auto run = testing::make_run(testing::small_config());
  for (int i = 0; i < 200; ++i) run->train_step();
  const auto& net = run->network();
  LossSurface<double> surface(net.spec(), run->config().loss, run->data().train, 600,
                              net.params().masks());
  const std::size_t n = surface.size();
  std::vector<double> w(net.params().values().begin(), net.params().values().end());
  std::vector<double> u(n), v(n), hu(n), hv(n);
  Rng rng(8);
  for (double& x : u) x = rng.normal();
  for (double& x : v) x = rng.normal();
  auto asymmetry = [&](double step) {
    surface.hessian_vector(w, u, hu, step);
    surface.hessian_vector(w, v, hv, step);
    double uhv = 0, vhu = 0;
    for (std::size_t i = 0; i < n; ++i) uhv += u[i] * hv[i], vhu += v[i] * hu[i];
    return std::abs(uhv - vhu) / std::abs(uhv);
  };
  CHECK(asymmetry(SharpnessSettings{}.step) < 1e-5);
  CHECK(asymmetry(0.3) > 1e-3);
}

TEST_CASE("exact Hessian-vector products equal central differences of gradients on every layer") {
  using K = LayerKind;
  using A = ActivationKind;
  struct Case {
    const char* what;
    ModelSpec spec;
    LossKind loss;
  };
  LayerSpec maxout = layer(K::maxout);
  maxout.pieces = 2;
  LayerSpec conv1 = layer(K::conv2d, 3);
  conv1.padding = 1;
  LayerSpec conv2 = layer(K::conv2d, 4);
  conv2.kernel = 2;
  LayerSpec leaky = layer(K::activation, 0, A::leaky_relu);
  leaky.alpha = 0.2;
  LayerSpec dropout = layer(K::dropout);
  dropout.rate = 0.3;
  const std::vector<Case> cases = {
      {"dense, tanh, sigmoid, maxout, cross-entropy",
       model({1, 1, 6}, {layer(K::dense, 5), layer(K::activation, 0, A::tanh), layer(K::dense, 4),
                         layer(K::activation, 0, A::sigmoid), maxout, layer(K::dense, 3)}),
       LossKind::cross_entropy},
      {"dense, ELU, SELU, GELU, PReLU, mean squared error",
       model({1, 1, 6}, {layer(K::dense, 6), layer(K::activation, 0, A::elu), layer(K::dense, 6),
                         layer(K::activation, 0, A::selu), layer(K::dense, 5),
                         layer(K::activation, 0, A::gelu), layer(K::prelu), layer(K::dense, 3)}),
       LossKind::mse},
      {"conv, leaky ReLU, max-pool, conv, PReLU, flatten, dropout, dense, ReLU",
       model({6, 6, 2},
             {conv1, leaky, layer(K::max_pool), conv2, layer(K::prelu), layer(K::flatten), dropout,
              layer(K::dense, 5), layer(K::activation, 0, A::relu), layer(K::dense, 3)}),
       LossKind::cross_entropy},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    const Dataset data = random_samples(c.spec.input, 300, 3, 5);  // two chunks of samples
    Network<double> net(c.spec);
    Rng rng(3);
    InitSpec init;
    init.kind = InitKind::gaussian;
    init.sigma = 0.6;
    InitSpec bias = init;
    bias.sigma = 0.2;
    net.initialize(init, bias, rng);
    const std::size_t n = net.params().total_size();
    const std::vector<double> w(net.params().values().begin(), net.params().values().end());
    std::vector<double> v(n), u(n), exact(n), hu(n), diff(n);
    for (double& x : v) x = rng.normal();
    for (double& x : u) x = rng.normal();
    LossSurface<double> surface(c.spec, c.loss, data, 300);
    surface.exact_hessian_vector(w, v, exact);
    surface.hessian_vector(w, v, diff, 1e-6);
    CHECK(relative_distance(exact, diff) < 1e-6);
    // Symmetric, as a Hessian is: u'(H v) = v'(H u).
    surface.exact_hessian_vector(w, u, hu);
    double uhv = 0, vhu = 0;
    for (std::size_t i = 0; i < n; ++i) uhv += u[i] * exact[i], vhu += v[i] * hu[i];
    CHECK(uhv == doctest::Approx(vhu).epsilon(1e-10));
    // In float, the same products to a part in ten thousand.
    LossSurface<float> fsurface(c.spec, c.loss, data, 300);
    std::vector<float> wf(w.begin(), w.end()), vf(v.begin(), v.end()), hvf(n);
    fsurface.exact_hessian_vector(wf, vf, hvf);
    const std::vector<double> hvd(hvf.begin(), hvf.end());
    CHECK(relative_distance(hvd, exact) < 1e-4);
  }
}

TEST_CASE("exact products give a linear model's Hessian and zero along pruned weights") {
  const Linear m(300, 11);
  const std::size_t n = Network<double>(m.spec).params().total_size();
  std::vector<float> masks(n, 1.0f);
  masks[5] = 0.0f;
  LossSurface<double> surface(m.spec, LossKind::mse, m.data, 300, masks);
  Rng rng(4);
  std::vector<double> w(n), v(n), exact(n), diff(n);
  for (double& x : w) x = rng.normal();
  for (double& x : v) x = rng.normal();
  surface.exact_hessian_vector(w, v, exact);
  surface.hessian_vector(w, v, diff, 1e-3);  // exact on a quadratic, up to rounding
  CHECK(relative_distance(exact, diff) < 1e-9);
  CHECK(exact[5] == 0.0);
  CHECK(exact[4] != 0.0);
}

TEST_CASE("the trainer tracks the sharpness every K steps, warm-started, and can turn it off") {
  ExperimentConfig c = testing::small_config(R"(, "monitor": {"sharpness_interval": 20,
      "sharpness_samples": 300, "stats_interval": 0})");
  c.training.threads = int(testing::kMaxTestThreads);
  Trainer t(testing::make_run(c));
  t.submit(cmd::Step{40});
  testing::run_to_settled(t);
  const auto points = testing::points(t.metrics()->sharpness);
  REQUIRE(points.size() == 2);
  CHECK(points[0].step == 20);
  CHECK(points[1].step == 40);
  // At step 40, the top eigenvalue by differences of gradients in double, to convergence.
  const auto weights = t.weights();
  REQUIRE(weights->step == 40);
  const auto data =
      std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
  ModelSpec spec = c.model;
  spec.input = data->train.sample_shape;
  LossSurface<double> surface(spec, c.loss, data->train, 300, weights->masks);
  const std::vector<double> w(weights->values.begin(), weights->values.end());
  SharpnessSettings s;
  s.exact = false;
  s.tolerance = 1e-9;
  s.max_iterations = 2000;
  const Sharpness expect = sharpness<double>(surface, w, s);
  CHECK(expect.converged);
  CHECK(double(points[1].value) == doctest::Approx(expect.top_eigenvalue).epsilon(0.01));
  // Off: no more points.
  t.submit(cmd::Set{Setting::sharpness_interval, 0});
  t.submit(cmd::Step{20});
  testing::run_to_settled(t);
  CHECK(t.metrics()->sharpness.size() == 2);
  CHECK(t.status()->config.monitor.sharpness_interval == 0);
  // A loaded checkpoint keeps the live setting, as it keeps stats_interval: saved while off,
  // loaded while on, it measures on.
  testing::TempDir dir;
  const std::string path = (dir.path() / "off.safetensors").string();
  t.submit(cmd::Save{path});
  t.submit(cmd::Set{Setting::sharpness_interval, 10});
  t.submit(cmd::Load{path});
  t.submit(cmd::Step{10});
  testing::run_to_settled(t);
  CHECK(t.status()->config.monitor.sharpness_interval == 10);
  const auto after = testing::points(t.metrics()->sharpness);
  REQUIRE_FALSE(after.empty());
  CHECK(after.back().step == 70);
}
