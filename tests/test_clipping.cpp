// Tests of core/optim/clipping.h: the global norm, clipping by norm and by value.
#include "core/error.h"
#include "core/optim/clipping.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

TEST_CASE("global_norm and clip_by_norm") {
  const std::vector<float> g = {3.0f, -4.0f};
  CHECK(ts::global_norm(g) == 5.0);
  const std::vector<float> h = {1.0f, 2.0f, -2.0f, 0.0f};
  CHECK(ts::global_norm(h) == 3.0);
  CHECK(ts::global_norm(std::vector<float>{}) == 0.0);
  // Accumulated in double: the squares (1e40) overflow float but not double.
  const std::vector<float> big = {1e20f, 1e20f};
  CHECK(ts::global_norm(big) == doctest::Approx(std::sqrt(2.0) * 1e20).epsilon(1e-7));

  SUBCASE("above the limit: scaled to norm max_norm, returns the norm before") {
    std::vector<float> x = {3.0f, -4.0f};
    CHECK(ts::clip_by_norm(x, 1.0) == 5.0);
    CHECK(x[0] == doctest::Approx(0.6).epsilon(1e-7));
    CHECK(x[1] == doctest::Approx(-0.8).epsilon(1e-7));
    CHECK(ts::global_norm(x) == doctest::Approx(1.0).epsilon(1e-7));
  }
  SUBCASE("at or below the limit: untouched") {
    std::vector<float> x = {3.0f, -4.0f};
    CHECK(ts::clip_by_norm(x, 5.0) == 5.0);
    CHECK(ts::clip_by_norm(x, 10.0) == 5.0);
    CHECK(x == g);
  }
  SUBCASE("a non-finite norm is returned and the gradients are left alone") {
    std::vector<float> x = {1.0f, std::numeric_limits<float>::quiet_NaN()};
    CHECK(std::isnan(ts::clip_by_norm(x, 1.0)));
    CHECK(x[0] == 1.0f);
  }
  SUBCASE("max_norm must be positive") {
    std::vector<float> x = {1.0f};
    CHECK_THROWS_WITH_AS(ts::clip_by_norm(x, 0.0), doctest::Contains("max_norm"), ts::Error);
  }
}

TEST_CASE("clip_by_value") {
  std::vector<float> x = {-2.0f, 0.3f, 5.0f, -0.1f, 0.5f};
  ts::clip_by_value(x, 0.5);
  CHECK(x == std::vector<float>{-0.5f, 0.3f, 0.5f, -0.1f, 0.5f});
  ts::clip_by_value(x, 0.0);
  CHECK(x == std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f, 0.0f});
  CHECK_THROWS_WITH_AS(ts::clip_by_value(x, -1.0), doctest::Contains("limit"), ts::Error);
}
