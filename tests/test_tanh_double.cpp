// tanh_double against the C library's long double tanh, in units in the last place of the
// double result: across [-25, 25] finely, small and tiny arguments, subnormals, the points
// where the reduction's k changes and where the result becomes 1, and the special values.
#include "core/layers/activation.h"
#include "core/layers/layer.h"
#include "core/layers/network.h"
#include "core/layers/tanh_double.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace ts;

namespace {

// |t - tanh x| in units of the last place of the double nearest tanh x.
double ulps_off(double t, double x) {
  const long double exact = tanhl(static_cast<long double>(x));
  const double nearest = static_cast<double>(exact);
  const double ulp =
      nearest == 0.0 ? std::numeric_limits<double>::denorm_min()
                     : std::nextafter(std::abs(nearest), std::numeric_limits<double>::infinity()) -
                           std::abs(nearest);
  return static_cast<double>(std::abs(static_cast<long double>(t) - exact) / ulp);
}

// The largest error over `xs`, each also negated; every result odd in x.
double worst_ulps(const std::vector<double>& xs) {
  std::vector<double> both = xs;
  for (double x : xs) both.push_back(-x);
  std::vector<double> t(both.size());
  tanh_double(both.data(), t.data(), both.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < both.size(); ++i) {
    worst = std::max(worst, ulps_off(t[i], both[i]));
    if (i < xs.size()) REQUIRE(t[i] == -t[i + xs.size()]);
  }
  return worst;
}

}  // namespace

TEST_CASE("tanh_double is within 3 ulp of tanh") {
  std::vector<double> xs;
  for (int i = 0; i <= 250000; ++i) xs.push_back(i * 1e-4);  // [0, 25]
  CHECK(worst_ulps(xs) <= 3.0);

  // Small arguments, where tanh x is x less x^3 / 3: no cancellation may show.
  xs.clear();
  for (double x = 1e-300; x < 1.0; x *= 1.01) xs.push_back(x);
  CHECK(worst_ulps(xs) <= 3.0);

  // Around each change of the reduction's k (2|x| = (k + 1/2) ln 2) and around 19.1.
  xs.clear();
  for (int k = 0; k < 60; ++k) {
    const double at = (k + 0.5) * std::log(2.0) / 2.0;
    for (int j = -200; j <= 200; ++j) xs.push_back(at + j * 1e-12 * (1 + at));
  }
  for (int j = -2000; j <= 2000; ++j) xs.push_back(19.1 + j * 1e-6);
  CHECK(worst_ulps(xs) <= 3.0);

  // Subnormals: tanh x is x.
  const double tiny = std::numeric_limits<double>::denorm_min();
  std::vector<double> sub{tiny, 3 * tiny, 1e-310, std::numeric_limits<double>::min() / 2};
  std::vector<double> t(sub.size());
  tanh_double(sub.data(), t.data(), sub.size());
  for (std::size_t i = 0; i < sub.size(); ++i) CHECK(t[i] == sub[i]);
}

TEST_CASE("tanh_double keeps zeros' signs, saturates, passes NaN and takes any length in place") {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> x{0.0, -0.0, 19.0, 40.0, 1e300, inf, -inf, std::nan(""), -710.0};
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
  // Every length from 0 to 17 writes its n results and nothing past them.
  for (std::size_t n = 0; n <= 17; ++n) {
    CAPTURE(n);
    std::vector<double> in(n), out(n + 1, 7.0);
    for (std::size_t i = 0; i < n; ++i) in[i] = 0.3 * double(i) - 2.0;
    tanh_double(in.data(), out.data(), n);
    for (std::size_t i = 0; i < n; ++i) CHECK(ulps_off(out[i], in[i]) <= 3.0);
    CHECK(out[n] == 7.0);
  }
}

TEST_CASE("a double tanh layer and activate() give tanh_double's bits") {
  LayerSpec spec;
  spec.kind = LayerKind::activation;
  spec.activation = ActivationKind::tanh;
  auto layer = make_layer<double>(spec, Shape3{1, 1, 5});
  Matrix<double> x(5, 3), y;
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = 0.37 * double(i) - 2.5;
  LayerCache<double> cache;
  layer->forward({}, x, y, cache, PassContext{});
  std::vector<double> expected(std::size_t(x.size()));
  tanh_double(x.data(), expected.data(), expected.size());
  for (Index i = 0; i < x.size(); ++i) {
    CHECK(y.data()[i] == expected[std::size_t(i)]);
    CHECK(activate<double>(ActivationKind::tanh, x.data()[i], 0.0) == expected[std::size_t(i)]);
  }
}
