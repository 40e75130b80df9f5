// Layers, activations, losses and initializers: forward values against hand-computed ones,
// gradients against central differences in double precision, initializer spreads against
// their formulas.
#include "core/error.h"
#include "core/layers/activation.h"
#include "core/layers/conv2d.h"
#include "core/layers/init.h"
#include "core/layers/loss.h"
#include "core/layers/network.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

using namespace ts;

namespace {

struct LayerUnderTest {
  std::unique_ptr<Layer<double>> layer;
  Parameters<double> params;
};

LayerUnderTest make(const LayerSpec& spec, Shape3 in, Rng& rng) {
  LayerUnderTest t;
  t.layer = make_layer<double>(spec, in);
  t.layer->declare(t.params);
  t.params.finalize();
  for (auto& v : t.params.values()) v = rng.uniform(-0.5, 0.5);
  return t;
}

// Input entries kept at least `margin` away from zero so no kink (ReLU at 0) is crossed by
// the finite-difference step.
Matrix<double> random_input(Index rows, Index cols, Rng& rng, double margin) {
  Matrix<double> x(rows, cols);
  for (Index i = 0; i < x.size(); ++i) {
    double v = rng.uniform(-1.0, 1.0);
    if (std::abs(v) < margin) v = v < 0 ? v - margin : v + margin;
    x.data()[i] = v;
  }
  return x;
}

// L = sum(y .* r): dL/dy = r.
double probe_loss(const LayerUnderTest& t, const Matrix<double>& x, const Matrix<double>& r,
                  uint64_t seed) {
  Matrix<double> y;
  LayerCache<double> cache;
  Rng rng(seed);
  PassContext ctx{true, &rng};
  t.layer->forward(t.params.values(), x, y, cache, ctx);
  return (y.array() * r.array()).sum();
}

void check_gradients(const LayerSpec& spec, Shape3 in, Index batch, double tol,
                     double margin = 0.05) {
  Rng rng(42);
  LayerUnderTest t = make(spec, in, rng);
  Matrix<double> x = random_input(in.size(), batch, rng, margin);
  Matrix<double> y;
  LayerCache<double> cache;
  Rng pass_rng(7);
  PassContext ctx{true, &pass_rng};
  t.layer->forward(t.params.values(), x, y, cache, ctx);
  Matrix<double> r = random_input(y.rows(), y.cols(), rng, 0.0);
  Matrix<double> dx;
  std::vector<double> grads(t.params.total_size(), 0.0);
  t.layer->backward(t.params.values(), x, y, r, &dx, grads, cache);

  const double h = 1e-6;
  auto close = [&](double num, double ana) {
    return std::abs(num - ana) <= tol * std::max({1.0, std::abs(num), std::abs(ana)});
  };
  int bad = 0;
  for (std::size_t i = 0; i < t.params.total_size(); ++i) {
    const double saved = t.params.values()[i];
    t.params.values()[i] = saved + h;
    const double lp = probe_loss(t, x, r, 7);
    t.params.values()[i] = saved - h;
    const double lm = probe_loss(t, x, r, 7);
    t.params.values()[i] = saved;
    const double num = (lp - lm) / (2 * h);
    if (!close(num, grads[i]) && bad++ < 5)
      FAIL_CHECK(spec.name << " param " << i << ": numeric " << num << " analytic " << grads[i]);
  }
  for (Index i = 0; i < x.size(); ++i) {
    const double saved = x.data()[i];
    x.data()[i] = saved + h;
    const double lp = probe_loss(t, x, r, 7);
    x.data()[i] = saved - h;
    const double lm = probe_loss(t, x, r, 7);
    x.data()[i] = saved;
    const double num = (lp - lm) / (2 * h);
    if (!close(num, dx.data()[i]) && bad++ < 5)
      FAIL_CHECK(spec.name << " input " << i << ": numeric " << num << " analytic "
                           << dx.data()[i]);
  }
  CHECK(bad == 0);
}

LayerSpec activation(ActivationKind k, double alpha = 0.01) {
  LayerSpec s;
  s.kind = LayerKind::activation;
  s.name = to_string(k);
  s.activation = k;
  s.alpha = alpha;
  return s;
}

}  // namespace

TEST_CASE("dense: forward by hand and gradients by central differences") {
  LayerSpec s;
  s.kind = LayerKind::dense;
  s.name = "fc1";
  s.units = 2;
  auto layer = make_layer<double>(s, Shape3{1, 1, 3});
  Parameters<double> p;
  layer->declare(p);
  p.finalize();
  // W = [[1, 2, 3], [-1, 0, 1]] row-major, b = [0.5, -0.5]
  const double w[] = {1, 2, 3, -1, 0, 1}, b[] = {0.5, -0.5};
  std::copy(std::begin(w), std::end(w), p.values(0).begin());
  std::copy(std::begin(b), std::end(b), p.values(1).begin());
  CHECK(p.info(1).offset % kTensorAlignElements == 0);
  CHECK(p.info(0).name == "fc1.weight");
  CHECK(p.info(1).name == "fc1.bias");
  Matrix<double> x(3, 2);
  x << 1, 0, 2, 1, 3, -1;  // columns (1,2,3) and (0,1,-1)
  Matrix<double> y;
  LayerCache<double> c;
  layer->forward(p.values(), x, y, c, PassContext{});
  CHECK(y(0, 0) == doctest::Approx(14.5));  // 1+4+9+0.5
  CHECK(y(1, 0) == doctest::Approx(1.5));   // -1+0+3-0.5
  CHECK(y(0, 1) == doctest::Approx(-0.5));  // 0+2-3+0.5
  CHECK(y(1, 1) == doctest::Approx(-1.5));  // 0+0-1-0.5
  s.units = 5;
  check_gradients(s, Shape3{1, 1, 7}, 3, 1e-7);
}

TEST_CASE("activations: forward values by hand") {
  const double l = kSeluLambda, a = kSeluAlpha;
  CHECK(activate<double>(ActivationKind::sigmoid, 0.0, 0) == doctest::Approx(0.5));
  CHECK(activate<double>(ActivationKind::sigmoid, 2.0, 0) == doctest::Approx(0.8807970779778823));
  CHECK(activate<double>(ActivationKind::tanh, 1.0, 0) == doctest::Approx(0.7615941559557649));
  CHECK(activate<double>(ActivationKind::relu, -2.0, 0) == 0.0);
  CHECK(activate<double>(ActivationKind::relu, 2.5, 0) == 2.5);
  CHECK(activate<double>(ActivationKind::leaky_relu, -2.0, 0.1) == doctest::Approx(-0.2));
  CHECK(activate<double>(ActivationKind::elu, -1.0, 1.0) == doctest::Approx(-0.6321205588285577));
  CHECK(activate<double>(ActivationKind::selu, -1.0, 0) ==
        doctest::Approx(l * a * (std::exp(-1.0) - 1.0)));
  CHECK(activate<double>(ActivationKind::selu, 2.0, 0) == doctest::Approx(2.0 * l));
  CHECK(activate<double>(ActivationKind::gelu, 1.0, 0) == doctest::Approx(0.8413447460685429));
  CHECK(activate<double>(ActivationKind::gelu, -1.0, 0) == doctest::Approx(-0.15865525393145707));

  // The layer computes the same values as the scalar function.
  Rng rng(3);
  for (auto k : {ActivationKind::sigmoid, ActivationKind::tanh, ActivationKind::relu,
                 ActivationKind::leaky_relu, ActivationKind::elu, ActivationKind::selu,
                 ActivationKind::gelu}) {
    auto layer = make_layer<double>(activation(k, 0.2), Shape3{1, 1, 4});
    Matrix<double> x = random_input(4, 3, rng, 0.01) * 3.0;
    Matrix<double> y;
    LayerCache<double> c;
    layer->forward({}, x, y, c, PassContext{});
    for (Index i = 0; i < x.size(); ++i)
      CHECK(y.data()[i] == doctest::Approx(activate<double>(k, x.data()[i], 0.2)));
  }
}

TEST_CASE("activations: gradients by central differences") {
  for (auto k : {ActivationKind::identity, ActivationKind::sigmoid, ActivationKind::tanh,
                 ActivationKind::relu, ActivationKind::leaky_relu, ActivationKind::elu,
                 ActivationKind::selu, ActivationKind::gelu}) {
    CAPTURE(to_string(k));
    check_gradients(activation(k, 0.3), Shape3{1, 1, 6}, 4, 1e-6);
  }
}

TEST_CASE("prelu: forward and gradients, slope per channel") {
  LayerSpec s;
  s.kind = LayerKind::prelu;
  s.name = "act1";
  auto layer = make_layer<double>(s, Shape3{1, 2, 2});
  Parameters<double> p;
  layer->declare(p);
  p.finalize();
  CHECK(p.info(0).name == "act1.slope");
  CHECK(p.info(0).size == 2);
  p.values()[0] = 0.1;
  p.values()[1] = 0.5;
  Matrix<double> x(4, 1);
  x << -1, -1, 2, -4;  // features 0,2 are channel 0; 1,3 channel 1
  Matrix<double> y;
  LayerCache<double> c;
  layer->forward(p.values(), x, y, c, PassContext{});
  CHECK(y(0, 0) == doctest::Approx(-0.1));
  CHECK(y(1, 0) == doctest::Approx(-0.5));
  CHECK(y(2, 0) == doctest::Approx(2.0));
  CHECK(y(3, 0) == doctest::Approx(-2.0));
  check_gradients(s, Shape3{2, 2, 3}, 3, 1e-7);
}

TEST_CASE("maxout: forward and gradients") {
  LayerSpec s;
  s.kind = LayerKind::maxout;
  s.name = "act1";
  s.pieces = 3;
  auto layer = make_layer<double>(s, Shape3{1, 1, 6});
  CHECK(layer->output_shape().size() == 2);
  Matrix<double> x(6, 1);
  x << 1, 5, -2, -3, -1, -7;
  Matrix<double> y;
  LayerCache<double> c;
  layer->forward({}, x, y, c, PassContext{});
  CHECK(y(0, 0) == 5);
  CHECK(y(1, 0) == -1);
  check_gradients(s, Shape3{2, 2, 6}, 3, 1e-7);
}

TEST_CASE("max pool: forward by hand and gradients") {
  LayerSpec s;
  s.kind = LayerKind::max_pool;
  s.name = "pool1";
  s.pool = 2;
  s.pool_stride = 2;
  auto layer = make_layer<double>(s, Shape3{2, 4, 1});
  CHECK(layer->output_shape() == Shape3{1, 2, 1});
  Matrix<double> x(8, 1);
  x << 1, 9, 3, 4,  //
      5, 2, 8, 7;
  Matrix<double> y;
  LayerCache<double> c;
  layer->forward({}, x, y, c, PassContext{});
  CHECK(y(0, 0) == 9);
  CHECK(y(1, 0) == 8);
  check_gradients(s, Shape3{4, 6, 3}, 2, 1e-7);
  s.pool = 3;
  s.pool_stride = 2;
  check_gradients(s, Shape3{5, 5, 2}, 2, 1e-7);
}

TEST_CASE("max pool: ties go to the first of the window, a NaN only where it comes first") {
  // A plain reference: per output and channel, the window in row order, then the gradient
  // added into zeros in output order. Few distinct values make ties common.
  struct Case {
    Shape3 in;
    Index pool, stride;
  };
  Rng rng(23);
  for (const Case& k : {Case{{4, 6, 3}, 2, 2}, Case{{5, 5, 17}, 2, 2}, Case{{5, 5, 2}, 3, 2},
                        Case{{6, 7, 5}, 2, 3}, Case{{4, 4, 64}, 2, 2}}) {
    LayerSpec s;
    s.kind = LayerKind::max_pool;
    s.name = "pool1";
    s.pool = k.pool;
    s.pool_stride = k.stride;
    auto layer = make_layer<float>(s, k.in);
    const Shape3 o = layer->output_shape();
    const Index batch = 3;
    const float values[] = {-1.0f, 0.0f, -0.0f, 1.0f, 2.0f, std::nanf("")};
    Matrix<float> x(k.in.size(), batch), dy(o.size(), batch);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = values[rng.below(6)];
    for (Index i = 0; i < dy.size(); ++i) dy.data()[i] = i % 7 == 0 ? -0.0f : float(rng.normal());
    Matrix<float> want_y(o.size(), batch), want_dx = Matrix<float>::Zero(x.rows(), batch);
    for (Index b = 0; b < batch; ++b)
      for (Index oy = 0; oy < o.height; ++oy)
        for (Index ox = 0; ox < o.width; ++ox)
          for (Index c = 0; c < o.channels; ++c) {
            auto at = [&](Index ky, Index kx) {
              return ((oy * k.stride + ky) * k.in.width + ox * k.stride + kx) * k.in.channels + c;
            };
            Index best = at(0, 0);
            for (Index ky = 0; ky < k.pool; ++ky)
              for (Index kx = 0; kx < k.pool; ++kx)
                if (x(at(ky, kx), b) > x(best, b)) best = at(ky, kx);
            const Index out = (oy * o.width + ox) * o.channels + c;
            want_y(out, b) = x(best, b);
            want_dx(best, b) += dy(out, b);
          }
    Matrix<float> y, dx;
    LayerCache<float> cache;
    layer->forward({}, x, y, cache, PassContext{});
    layer->backward({}, x, y, dy, &dx, {}, cache);
    REQUIRE(y.size() == want_y.size());
    REQUIRE(dx.size() == want_dx.size());
    CHECK_MESSAGE(std::memcmp(y.data(), want_y.data(), sizeof(float) * std::size_t(y.size())) == 0,
                  "forward, " << k.in.height << "x" << k.in.width << "x" << k.in.channels);
    CHECK_MESSAGE(
        std::memcmp(dx.data(), want_dx.data(), sizeof(float) * std::size_t(dx.size())) == 0,
        "backward, " << k.in.height << "x" << k.in.width << "x" << k.in.channels);
  }
}

TEST_CASE("conv2d: im2col + GEMM equals direct convolution, and gradients") {
  Rng rng(11);
  for (auto [k, stride, pad] : {std::tuple{3, 1, 0}, std::tuple{3, 1, 1}, std::tuple{2, 2, 0},
                                std::tuple{3, 2, 1}, std::tuple{1, 1, 0}}) {
    LayerSpec s;
    s.kind = LayerKind::conv2d;
    s.name = "conv1";
    s.filters = 4;
    s.kernel = k;
    s.stride = stride;
    s.padding = pad;
    const Shape3 in{6, 5, 3};
    LayerUnderTest t = make(s, in, rng);
    Matrix<double> x = random_input(in.size(), 2, rng, 0.0);
    Matrix<double> y;
    LayerCache<double> c;
    t.layer->forward(t.params.values(), x, y, c, PassContext{});
    const Matrix<double> ref =
        conv2d_direct<double>(s, in, t.params.values(0), t.params.values(1), x);
    REQUIRE(y.rows() == ref.rows());
    CHECK((y - ref).cwiseAbs().maxCoeff() < 1e-12);
    check_gradients(s, in, 2, 1e-7);
  }
  // By hand: a 3x3 single-channel image, one 2x2 filter of ones, bias 1.
  LayerSpec s;
  s.kind = LayerKind::conv2d;
  s.name = "conv1";
  s.filters = 1;
  s.kernel = 2;
  auto layer = make_layer<double>(s, Shape3{3, 3, 1});
  Parameters<double> p;
  layer->declare(p);
  p.finalize();
  for (auto& v : p.values(0)) v = 1;
  p.values(1)[0] = 1;
  Matrix<double> x(9, 1);
  x << 1, 2, 3, 4, 5, 6, 7, 8, 9;
  Matrix<double> y;
  LayerCache<double> c;
  layer->forward(p.values(), x, y, c, PassContext{});
  CHECK(y(0, 0) == 13);  // 1+2+4+5+1
  CHECK(y(1, 0) == 17);
  CHECK(y(2, 0) == 25);
  CHECK(y(3, 0) == 29);
}

TEST_CASE("dropout: inverted scaling, identity at inference, gradients") {
  LayerSpec s;
  s.kind = LayerKind::dropout;
  s.name = "drop1";
  s.rate = 0.25;
  auto layer = make_layer<double>(s, Shape3{1, 1, 1000});
  Matrix<double> x = Matrix<double>::Ones(1000, 20);
  Matrix<double> y;
  LayerCache<double> c;
  Rng rng(5);
  layer->forward({}, x, y, c, PassContext{true, &rng});
  Index kept = 0;
  for (Index i = 0; i < y.size(); ++i) {
    const double v = y.data()[i];
    CHECK((v == 0.0 || v == doctest::Approx(1.0 / 0.75)));
    kept += v != 0.0;
  }
  CHECK(double(kept) / double(y.size()) == doctest::Approx(0.75).epsilon(0.02));
  layer->forward({}, x, y, c, PassContext{false, nullptr});
  CHECK(y == x);
  check_gradients(s, Shape3{1, 1, 9}, 3, 1e-7);
  LayerSpec bad = s;
  bad.rate = 1.0;
  CHECK_THROWS_AS(make_layer<double>(bad, Shape3{1, 1, 4}), Error);
}

TEST_CASE("dropout keeps exactly the features whose uniform draw is at least the rate") {
  // The rates include one so small that only a draw of 0 drops, and the largest below 1.
  for (const double rate : {0.25, 0.5, 0.1, 1e-300, 0.9, std::nextafter(1.0, 0.0)}) {
    LayerSpec s;
    s.kind = LayerKind::dropout;
    s.name = "drop1";
    s.rate = rate;
    auto layer = make_layer<float>(s, Shape3{1, 1, 700});
    const Matrix<float> x = Matrix<float>::Ones(700, 3);
    Matrix<float> y;
    LayerCache<float> c;
    Rng rng(11), expected(11);
    layer->forward({}, x, y, c, PassContext{true, &rng});
    const auto scale = float(1.0 / (1.0 - rate));
    Index mismatches = 0;
    for (Index i = 0; i < y.size(); ++i)
      mismatches += y.data()[i] != (expected.uniform() >= rate ? scale : 0.0f);
    CHECK_MESSAGE(mismatches == 0, "rate " << rate);
    CHECK(rng.next_u64() == expected.next_u64());  // one draw a feature, no more
  }
}

TEST_CASE("losses: values by hand and gradients by central differences") {
  Matrix<double> z(3, 2);
  z << 1, 0.5, 2, 0.5, 3, -1;
  const std::vector<int32_t> labels{2, 0};
  Matrix<double> dz;
  LossSum ce = loss_and_gradient<double>(LossKind::cross_entropy, z, labels, &dz, 1.0);
  const double l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0;
  const double l1 = std::log(2 * std::exp(0.5) + std::exp(-1.0)) - 0.5;
  CHECK(ce.loss == doctest::Approx(l0 + l1));
  CHECK(ce.correct == 2);  // column 1: ties resolve to the first maximum, label 0
  LossSum mse = loss_and_gradient<double>(LossKind::mse, z, labels, nullptr, 1.0);
  CHECK(mse.loss == doctest::Approx((1.0 + 4.0 + 4.0) / 3.0 + (0.25 + 0.25 + 1.0) / 3.0));
  // Stability: huge logits give a finite loss.
  Matrix<double> big(2, 1);
  big << 1000.0, -1000.0;
  const std::vector<int32_t> one{1};
  CHECK(std::isfinite(
      loss_and_gradient<double>(LossKind::cross_entropy, big, one, nullptr, 1.0).loss));
  CHECK(loss_and_gradient<double>(LossKind::cross_entropy, big, one, nullptr, 1.0).loss ==
        doctest::Approx(2000.0));

  for (LossKind kind : {LossKind::cross_entropy, LossKind::mse}) {
    Rng rng(9);
    Matrix<double> logits = random_input(5, 4, rng, 0.0) * 2.0;
    const std::vector<int32_t> y{0, 3, 4, 1};
    Matrix<double> g;
    loss_and_gradient<double>(kind, logits, y, &g, 0.25);
    for (Index i = 0; i < logits.size(); ++i) {
      const double h = 1e-6, saved = logits.data()[i];
      logits.data()[i] = saved + h;
      const double lp = loss_and_gradient<double>(kind, logits, y, nullptr, 1.0).loss;
      logits.data()[i] = saved - h;
      const double lm = loss_and_gradient<double>(kind, logits, y, nullptr, 1.0).loss;
      logits.data()[i] = saved;
      CHECK(0.25 * (lp - lm) / (2 * h) == doctest::Approx(g.data()[i]).epsilon(1e-6));
    }
  }
}

TEST_CASE("network: whole-model gradient check through conv, pool, flatten, dense, loss") {
  ModelSpec m;
  m.input = Shape3{6, 6, 2};
  LayerSpec conv;
  conv.kind = LayerKind::conv2d;
  conv.filters = 3;
  conv.kernel = 3;
  conv.padding = 1;
  m.layers.push_back(conv);
  m.layers.push_back(activation(ActivationKind::tanh));
  LayerSpec pool;
  pool.kind = LayerKind::max_pool;
  m.layers.push_back(pool);
  LayerSpec flat;
  flat.kind = LayerKind::flatten;
  m.layers.push_back(flat);
  LayerSpec fc;
  fc.kind = LayerKind::dense;
  fc.units = 4;
  m.layers.push_back(fc);
  m.layers.back().name.clear();
  m.layers.push_back(activation(ActivationKind::gelu));
  m.layers.back().name.clear();
  fc.units = 3;
  m.layers.push_back(fc);
  for (auto& l : m.layers) l.name.clear();
  Network<double> net(m);
  CHECK(net.layer(0).name() == "conv1");
  CHECK(net.layer(4).name() == "fc1");
  CHECK(net.layer(6).name() == "fc2");
  Rng rng(1);
  net.initialize(InitSpec{InitKind::xavier_normal}, InitSpec{InitKind::gaussian, 0, 0.1}, rng);
  Network<double>::Workspace ws;
  net.prepare(ws);
  ws.acts[0] = random_input(m.input.size(), 3, rng, 0.0);
  const std::vector<int32_t> y{0, 2, 1};
  auto loss = [&]() {
    Network<double>::Workspace w2;
    net.prepare(w2);
    w2.acts[0] = ws.acts[0];
    return loss_and_gradient<double>(LossKind::cross_entropy, net.forward(w2, PassContext{}), y,
                                     nullptr, 1.0)
        .loss;
  };
  Matrix<double> dz;
  loss_and_gradient<double>(LossKind::cross_entropy, net.forward(ws, PassContext{}), y, &dz, 1.0);
  net.backward(ws, dz);
  int bad = 0;
  for (std::size_t i = 0; i < net.params().total_size(); ++i) {
    double& v = net.params().values()[i];
    const double saved = v, h = 1e-6;
    v = saved + h;
    const double lp = loss();
    v = saved - h;
    const double lm = loss();
    v = saved;
    const double num = (lp - lm) / (2 * h);
    if (std::abs(num - ws.grads[i]) > 1e-6 * std::max(1.0, std::abs(num)) && bad++ < 5)
      FAIL_CHECK("param " << i << " numeric " << num << " analytic " << ws.grads[i]);
  }
  CHECK(bad == 0);
}

TEST_CASE("initializers: empirical std within 3% of the formula") {
  const Index fan_in = 500, fan_out = 300;
  std::vector<float> w(150000);
  Rng rng(2024);
  struct Case {
    InitSpec spec;
    double expected;
  };
  const Case cases[] = {
      {{InitKind::gaussian, 0, 0.01, 0}, 0.01},
      {{InitKind::gaussian, 0, 1.0, 0}, 1.0},
      {{InitKind::uniform, 0, 0, 0.2}, 0.2 / std::sqrt(3.0)},
      {{InitKind::xavier_uniform}, std::sqrt(2.0 / 800.0)},
      {{InitKind::xavier_normal}, std::sqrt(2.0 / 800.0)},
      {{InitKind::he_uniform}, std::sqrt(2.0 / 500.0)},
      {{InitKind::he_normal}, std::sqrt(2.0 / 500.0)},
      {{InitKind::lecun_uniform}, std::sqrt(1.0 / 500.0)},
      {{InitKind::lecun_normal}, std::sqrt(1.0 / 500.0)},
  };
  for (const auto& c : cases) {
    CAPTURE(to_string(c.spec.kind));
    CHECK(init_stddev(c.spec, fan_in, fan_out) == doctest::Approx(c.expected));
    init_tensor<float>(w, c.spec, fan_in, fan_out, rng);
    double sum = 0, sq = 0;
    for (float v : w) sum += v, sq += double(v) * v;
    const double mean = sum / double(w.size());
    const double sd = std::sqrt(sq / double(w.size()) - mean * mean);
    CHECK(std::abs(sd - c.expected) < 0.03 * c.expected);
    CHECK(std::abs(mean) < 0.02 * c.expected + 1e-12);
  }
  init_tensor<float>(w, InitSpec{InitKind::constant, 0.01}, fan_in, fan_out, rng);
  for (float v : w) REQUIRE(v == 0.01f);
}

TEST_CASE("initializer gains: the lectures' table, checked empirically") {
  // A gain multiplies the standard deviation of any random formula.
  const Index fan_in = 500, fan_out = 300;
  std::vector<float> w(150000);
  Rng rng(77);
  const auto empirical_sd = [&](const InitSpec& s) {
    init_tensor<float>(w, s, fan_in, fan_out, rng);
    double sum = 0, sq = 0;
    for (float v : w) sum += v, sq += double(v) * v;
    const double mean = sum / double(w.size());
    return std::sqrt(sq / double(w.size()) - mean * mean);
  };
  InitSpec xavier{InitKind::xavier_uniform};
  xavier.gain = 4.0;  // Glorot's x4 for the logistic function
  CHECK(empirical_sd(xavier) == doctest::Approx(4.0 * std::sqrt(2.0 / 800.0)).epsilon(0.03));
  InitSpec gauss{InitKind::gaussian, 0, 0.01, 0};
  gauss.gain = 3.0;
  CHECK(empirical_sd(gauss) == doctest::Approx(0.03).epsilon(0.03));

  // "auto": each layer takes the gain of the activation after it. A network whose layers are
  // followed by sigmoid, tanh, ReLU, leaky ReLU (0.2), SELU and nothing (the output).
  ModelSpec m;
  m.input = Shape3{1, 1, 400};
  const ActivationKind acts[] = {ActivationKind::sigmoid, ActivationKind::tanh,
                                 ActivationKind::relu, ActivationKind::leaky_relu,
                                 ActivationKind::selu};
  for (ActivationKind a : acts) {
    LayerSpec fc;
    fc.kind = LayerKind::dense;
    fc.units = 400;
    m.layers.push_back(fc);
    LayerSpec act;
    act.kind = LayerKind::activation;
    act.activation = a;
    if (a == ActivationKind::leaky_relu) act.alpha = 0.2;
    m.layers.push_back(act);
    if (a ==
        ActivationKind::tanh) {  // a dropout between a layer and its activation changes nothing
      LayerSpec drop;
      drop.kind = LayerKind::dropout;
      drop.rate = 0.1;
      m.layers.insert(m.layers.end() - 1, drop);
    }
  }
  LayerSpec out;
  out.kind = LayerKind::dense;
  out.units = 400;
  m.layers.push_back(out);
  assign_names(m);
  Network<float> net(m);
  InitSpec lecun{InitKind::lecun_normal};
  lecun.auto_gain = true;
  net.initialize(lecun, InitSpec{InitKind::constant, 0.0}, rng);
  // Written out: the lectures' gains; leaky sqrt(2 / (1 + a^2)); SELU 3/4; a linear output 1.
  const double expected_gain[] = {4.0, 5.0 / 3.0, std::sqrt(2.0), std::sqrt(2.0 / 1.04), 0.75, 1.0};
  std::size_t layer = 0;
  for (std::size_t t = 0; t < net.params().count(); ++t) {
    if (!net.params().info(t).is_weight) continue;
    const auto v = net.params().values(t);
    double sq = 0;
    for (float x : v) sq += double(x) * x;
    const double sd = std::sqrt(sq / double(v.size()));
    CAPTURE(net.params().info(t).name);
    CHECK(sd == doctest::Approx(expected_gain[layer] * std::sqrt(1.0 / 400.0)).epsilon(0.03));
    ++layer;
  }
  CHECK(layer == 6);
  // LeCun with ReLU's auto gain is He.
  LayerSpec relu;
  relu.kind = LayerKind::activation;
  relu.activation = ActivationKind::relu;
  InitSpec he{InitKind::he_normal};
  CHECK(activation_gain(&relu) * init_stddev(InitSpec{InitKind::lecun_normal}, 500, 300) ==
        doctest::Approx(init_stddev(he, 500, 300)));
}
