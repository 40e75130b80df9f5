// tanh_double, sigmoid_double and elu_double against long double references from the C
// library, in units in the last place of the double result: finely across where they vary,
// small and tiny arguments, subnormals, the points where the reduction's k changes and where
// tanh becomes 1, and the special values; a double layer and activate() give their bits.
#include "core/layers/activation.h"
#include "core/layers/double_activations.h"
#include "core/layers/layer.h"
#include "core/layers/network.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace ts;

namespace {

long double exact_tanh(double x) { return tanhl(static_cast<long double>(x)); }
long double exact_sigmoid(double x) { return 1.0L / (1.0L + expl(-static_cast<long double>(x))); }
// e^x - 1, ELU's part below zero.
long double exact_expm1(double x) { return expm1l(static_cast<long double>(x)); }

// |t - f(x)| in units of the last place of the double nearest f(x).
double ulps_off(double t, long double exact) {
  const double nearest = static_cast<double>(exact);
  const double ulp =
      nearest == 0.0 ? std::numeric_limits<double>::denorm_min()
                     : std::nextafter(std::abs(nearest), std::numeric_limits<double>::infinity()) -
                           std::abs(nearest);
  return static_cast<double>(std::abs(static_cast<long double>(t) - exact) / ulp);
}

// `xs` followed by their negations.
std::vector<double> and_negated(const std::vector<double>& xs) {
  std::vector<double> both = xs;
  for (double x : xs) both.push_back(-x);
  return both;
}

// The largest error over `xs` of `f` (one of the array functions) against `exact`; its results
// into `out`.
template <class F, class Exact>
double worst_ulps(const std::vector<double>& xs, F f, Exact exact, std::vector<double>& out) {
  out.resize(xs.size());
  f(xs.data(), out.data(), xs.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i)
    worst = std::max(worst, ulps_off(out[i], exact(xs[i])));
  return worst;
}

// The largest error of tanh_double over `xs`, each also negated; every result odd in x.
double worst_tanh(const std::vector<double>& xs) {
  std::vector<double> t;
  const double worst = worst_ulps(and_negated(xs), tanh_double, exact_tanh, t);
  for (std::size_t i = 0; i < xs.size(); ++i) REQUIRE(t[i] == -t[i + xs.size()]);
  return worst;
}

// The largest error of sigmoid_double over `xs`, and over their negations.
double worst_sigmoid(const std::vector<double>& xs) {
  std::vector<double> s;
  return worst_ulps(and_negated(xs), sigmoid_double, exact_sigmoid, s);
}

// 0 .. top in steps of `step`.
std::vector<double> grid(double top, double step) {
  std::vector<double> xs;
  for (int i = 0; i * step <= top; ++i) xs.push_back(i * step);
  return xs;
}

// Small arguments, 1e-300 up to 1, each 1% above the last.
std::vector<double> small_ones() {
  std::vector<double> xs;
  for (double x = 1e-300; x < 1.0; x *= 1.01) xs.push_back(x);
  return xs;
}

// Around each change of the reduction's k, where y = (k + 1/2) ln 2 for y = `scale` |x|.
std::vector<double> reduction_edges(double scale, int ks) {
  std::vector<double> xs;
  for (int k = 0; k < ks; ++k) {
    const double at = (k + 0.5) * std::log(2.0) / scale;
    for (int j = -200; j <= 200; ++j) xs.push_back(at + j * 1e-12 * (1 + at));
  }
  return xs;
}

}  // namespace

TEST_CASE("tanh_double is within 3 ulp of tanh") {
  CHECK(worst_tanh(grid(25.0, 1e-4)) <= 3.0);
  // Small arguments, where tanh x is x less x^3 / 3: no cancellation may show.
  CHECK(worst_tanh(small_ones()) <= 3.0);
  std::vector<double> xs = reduction_edges(2.0, 60);
  for (int j = -2000; j <= 2000; ++j) xs.push_back(19.1 + j * 1e-6);  // where it becomes 1
  CHECK(worst_tanh(xs) <= 3.0);

  // Subnormals: tanh x is x.
  const double tiny = std::numeric_limits<double>::denorm_min();
  std::vector<double> sub{tiny, 3 * tiny, 1e-310, std::numeric_limits<double>::min() / 2};
  std::vector<double> t(sub.size());
  tanh_double(sub.data(), t.data(), sub.size());
  for (std::size_t i = 0; i < sub.size(); ++i) CHECK(t[i] == sub[i]);
}

TEST_CASE("sigmoid_double is within 3 ulp of the logistic function") {
  // Both signs: down to e^-700 below zero, where the result is still a normal double.
  CHECK(worst_sigmoid(grid(40.0, 1e-4)) <= 3.0);
  CHECK(worst_sigmoid(grid(700.0, 1e-2)) <= 3.0);
  CHECK(worst_sigmoid(small_ones()) <= 3.0);
  CHECK(worst_sigmoid(reduction_edges(1.0, 60)) <= 3.0);
}

TEST_CASE("elu_double is within 3 ulp of alpha (e^x - 1) below zero and x above") {
  // alpha = 1 (the ulp of the result is e^x - 1's), and 0.8 rounded once more.
  for (const double alpha : {1.0, 0.8}) {
    CAPTURE(alpha);
    std::vector<double> xs = grid(50.0, 1e-4);
    for (double x : small_ones()) xs.push_back(x);
    for (double x : reduction_edges(1.0, 60)) xs.push_back(x);
    for (double& x : xs) x = -x;
    std::vector<double> y;
    const double worst = worst_ulps(
        xs, [&](const double* x, double* out, std::size_t n) { elu_double(x, out, n, alpha); },
        [&](double x) { return alpha * exact_expm1(x); }, y);
    CHECK(worst <= (alpha == 1.0 ? 3.0 : 3.5));
    // Above zero, x itself.
    std::vector<double> pos{1e-300, 0.5, 3.0, 1e300}, out(pos.size());
    elu_double(pos.data(), out.data(), pos.size(), alpha);
    CHECK(out == pos);
  }
}

TEST_CASE("the double activations keep signs, saturate, pass NaN and take any length in place") {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> x{0.0, -0.0, 19.0, 40.0, 1e300, inf, -inf, std::nan(""), -710.0};
  std::vector<double> s = x;
  tanh_double(x.data(), x.data(), x.size());  // in place, 8 and then 1
  CHECK(x[0] == 0.0);
  CHECK(!std::signbit(x[0]));
  CHECK(x[1] == 0.0);
  CHECK(std::signbit(x[1]));
  CHECK(x[2] == static_cast<double>(tanhl(19.0L)));
  CHECK(x[3] == 1.0);
  CHECK(x[4] == 1.0);
  CHECK(x[5] == 1.0);
  CHECK(x[6] == -1.0);
  CHECK(std::isnan(x[7]));
  CHECK(x[8] == -1.0);
  sigmoid_double(s.data(), s.data(), s.size());
  CHECK(s[0] == 0.5);
  CHECK(s[1] == 0.5);
  CHECK(s[2] == static_cast<double>(exact_sigmoid(19.0)));
  CHECK(s[3] == static_cast<double>(exact_sigmoid(40.0)));
  CHECK(s[4] == 1.0);
  CHECK(s[5] == 1.0);
  CHECK(s[6] == 0.0);
  CHECK(std::isnan(s[7]));
  CHECK(s[8] >= 0.0);  // e^-710, below the smallest normal double
  CHECK(s[8] < 1e-300);
  std::vector<double> e{-inf, -1e300, -41.0, std::nan(""), inf};
  elu_double(e.data(), e.data(), e.size(), 0.5);
  CHECK(e[0] == -0.5);
  CHECK(e[1] == -0.5);
  CHECK(e[2] == -0.5);
  CHECK(std::isnan(e[3]));
  CHECK(e[4] == inf);
  // Every length from 0 to 17 writes its n results and nothing past them.
  for (std::size_t n = 0; n <= 17; ++n) {
    CAPTURE(n);
    std::vector<double> in(n), out(n + 1, 7.0), out_s(n + 1, 7.0);
    for (std::size_t i = 0; i < n; ++i) in[i] = 0.3 * double(i) - 2.0;
    tanh_double(in.data(), out.data(), n);
    sigmoid_double(in.data(), out_s.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      CHECK(ulps_off(out[i], exact_tanh(in[i])) <= 3.0);
      CHECK(ulps_off(out_s[i], exact_sigmoid(in[i])) <= 3.0);
    }
    CHECK(out[n] == 7.0);
    CHECK(out_s[n] == 7.0);
  }
}

TEST_CASE("double tanh, sigmoid and ELU layers and activate() give the functions' bits") {
  for (const ActivationKind kind :
       {ActivationKind::tanh, ActivationKind::sigmoid, ActivationKind::elu}) {
    CAPTURE(to_string(kind));
    LayerSpec spec;
    spec.kind = LayerKind::activation;
    spec.activation = kind;
    const double alpha = activation_alpha(spec);
    auto layer = make_layer<double>(spec, Shape3{1, 1, 5});
    Matrix<double> x(5, 3), y;
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = 0.37 * double(i) - 2.5;
    LayerCache<double> cache;
    layer->forward({}, x, y, cache, PassContext{});
    std::vector<double> expected(std::size_t(x.size()));
    if (kind == ActivationKind::tanh)
      tanh_double(x.data(), expected.data(), expected.size());
    else if (kind == ActivationKind::sigmoid)
      sigmoid_double(x.data(), expected.data(), expected.size());
    else
      elu_double(x.data(), expected.data(), expected.size(), alpha);
    for (Index i = 0; i < x.size(); ++i) {
      CHECK(y.data()[i] == expected[std::size_t(i)]);
      CHECK(activate<double>(kind, x.data()[i], alpha) == expected[std::size_t(i)]);
    }
  }
}
