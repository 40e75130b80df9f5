// The synthetic sets: XORD, teacher-student and the 2-D sets, their definitions, balance,
// seeding and errors.
#include <doctest/doctest.h>

#include "core/data/batcher.h"
#include "core/data/dataset.h"
#include "core/data/synthetic.h"
#include "tests/error_of.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <vector>

using ts::Index;
using ts::testing::contains;
using ts::testing::error_of;

// ---------------------------------------------------------------------------------------------
// Synthetic sets

namespace {

bool xord_positive(const float* x, int pairs) {
  for (int j = 0; j < pairs; ++j) {
    if (x[2 * j] == x[2 * j + 1]) return true;
  }
  return false;
}

bool same_data(const ts::Dataset& a, const ts::Dataset& b) {
  return a.features == b.features && a.labels == b.labels;
}

}  // namespace

TEST_CASE("synthetic: XORD labels follow the definition, classes balanced, seeded") {
  ts::XordParams p;
  p.pairs = 3;
  p.sizes = {1000, 200, 300};
  const ts::DataSplits s = ts::make_xord(p, 11);
  CHECK(s.synthetic);
  for (const ts::Dataset* d : {&s.train, &s.validation, &s.test}) {
    CAPTURE(d->name);
    CHECK_NOTHROW(ts::validate(*d));
    CHECK(d->sample_shape == ts::Shape3{1, 3, 2});
    CHECK(d->num_classes == 2);
    int positives = 0;
    for (Index i = 0; i < d->size(); ++i) {
      const float* x = d->features.data() + i * 6;
      for (int f = 0; f < 6; ++f) CHECK((x[f] == 1.f || x[f] == -1.f));
      CHECK(d->labels[i] == (xord_positive(x, 3) ? 1 : 0));
      positives += d->labels[i];
    }
    CHECK(positives * 2 == d->size());
  }
  CHECK(s.train.size() == 1000);
  CHECK(s.validation.size() == 200);
  CHECK(s.test.size() == 300);

  // Positives are uniform over their 4^3 - 2^3 = 56 patterns: all of them show up.
  std::set<std::vector<float>> patterns;
  for (Index i = 0; i < s.train.size(); ++i) {
    if (s.train.labels[i] == 1) {
      patterns.emplace(s.train.features.begin() + i * 6, s.train.features.begin() + i * 6 + 6);
    }
  }
  CHECK(patterns.size() == 56);

  const ts::DataSplits again = ts::make_xord(p, 11);
  CHECK(same_data(again.train, s.train));
  CHECK(same_data(again.test, s.test));
  const ts::DataSplits other = ts::make_xord(p, 12);
  CHECK_FALSE(same_data(other.train, s.train));

  // Splits come from their own streams: a different test size leaves train unchanged.
  p.sizes.test = 10;
  CHECK(same_data(ts::make_xord(p, 11).train, s.train));

  p.pairs = 0;
  CHECK(error_of([&] { ts::make_xord(p, 1); }) == "xord: pairs must be in [1, 64], got 0");
  p.pairs = 2;
  p.sizes.train = 0;
  CHECK(error_of([&] { ts::make_xord(p, 1); }) ==
        "xord: sizes.train must be in [1, 10000000], got 0");
}

TEST_CASE("synthetic: teacher-student labels by a fixed teacher") {
  ts::TeacherStudentParams p;
  p.sizes = {500, 100, 100};
  const ts::DataSplits a = ts::make_teacher_student(p, 3);
  const ts::DataSplits b = ts::make_teacher_student(p, 3);
  const ts::DataSplits c = ts::make_teacher_student(p, 4);
  CHECK(same_data(a.train, b.train));
  CHECK(same_data(a.validation, b.validation));
  CHECK_FALSE(same_data(a.train, c.train));
  std::set<int32_t> classes;
  for (const ts::Dataset* d : {&a.train, &a.validation, &a.test}) {
    CHECK_NOTHROW(ts::validate(*d));
    CHECK(d->sample_shape == ts::Shape3{1, 1, 10});
    CHECK(d->num_classes == 4);
    classes.insert(d->labels.begin(), d->labels.end());
  }
  CHECK(classes.size() > 1);
  // Splits come from their own streams: another validation size leaves train unchanged.
  p.sizes.validation = 7;
  CHECK(same_data(ts::make_teacher_student(p, 3).train, a.train));
  p.num_classes = 1;
  CHECK(contains(error_of([&] { ts::make_teacher_student(p, 3); }),
                 "teacher-student: num_classes must be in [2, 256], got 1"));
}

TEST_CASE("synthetic: 2-D sets have their geometry") {
  SUBCASE("circles") {
    ts::CirclesParams p;
    p.noise = 0.0;
    const ts::DataSplits s = ts::make_circles(p, 5);
    CHECK_NOTHROW(ts::validate(s.train));
    CHECK(s.train.sample_shape == ts::Shape3{1, 1, 2});
    for (Index i = 0; i < s.train.size(); ++i) {
      const double r = std::hypot(s.train.features[2 * i], s.train.features[2 * i + 1]);
      CHECK(r == doctest::Approx(s.train.labels[i] == 0 ? 0.5 : 1.0).epsilon(1e-5));
    }
    p.inner_radius = 2.0;
    CHECK(contains(error_of([&] { ts::make_circles(p, 5); }), "circles: inner_radius"));
  }
  SUBCASE("xor") {
    ts::XorParams p;
    p.noise = 0.0;
    p.margin = 0.1;
    const ts::DataSplits s = ts::make_xor(p, 5);
    int ones = 0;
    for (Index i = 0; i < s.train.size(); ++i) {
      const float x = s.train.features[2 * i], y = s.train.features[2 * i + 1];
      CHECK(std::abs(x) >= 0.1f);
      CHECK(std::abs(y) >= 0.1f);
      CHECK(s.train.labels[i] == ((x > 0) != (y > 0) ? 1 : 0));
      ones += s.train.labels[i];
    }
    CHECK(ones * 2 == s.train.size());
  }
  SUBCASE("spirals") {
    ts::SpiralsParams p;
    p.noise = 0.0;
    p.num_classes = 3;
    const ts::DataSplits s = ts::make_spirals(p, 5);
    std::vector<int> counts(3);
    for (Index i = 0; i < s.train.size(); ++i) {
      const double x = s.train.features[2 * i], y = s.train.features[2 * i + 1];
      const double r = std::hypot(x, y);
      CHECK(r >= 0.05 - 1e-6);
      CHECK(r <= 1.0 + 1e-6);
      // On arm c the angle is 2 pi (turns r + c / 3) modulo 2 pi.
      const double want = 2.0 * M_PI * (p.turns * r + s.train.labels[i] / 3.0);
      CHECK(std::cos(std::atan2(y, x) - want) == doctest::Approx(1.0).epsilon(1e-4));
      ++counts[s.train.labels[i]];
    }
    CHECK(*std::max_element(counts.begin(), counts.end()) -
              *std::min_element(counts.begin(), counts.end()) <=
          1);
  }
  SUBCASE("blobs") {
    ts::BlobsParams p;
    p.stddev = 0.0;
    p.dim = 3;
    p.num_classes = 4;
    const ts::DataSplits s = ts::make_blobs(p, 5);
    CHECK(s.train.sample_shape == ts::Shape3{1, 1, 3});
    std::vector<std::vector<float>> centre(4);
    for (Index i = 0; i < s.train.size(); ++i) {
      const std::vector<float> x(s.train.features.begin() + 3 * i,
                                 s.train.features.begin() + 3 * i + 3);
      auto& c = centre[s.train.labels[i]];
      if (c.empty()) c = x;
      CHECK(x == c);  // stddev 0: every sample sits on its centre
    }
    for (int a = 0; a < 4; ++a) {
      CHECK(std::hypot(centre[a][0], centre[a][1]) == doctest::Approx(2.0).epsilon(1e-5));
      CHECK(centre[a][2] == 0.f);
      for (int b = a + 1; b < 4; ++b) CHECK(centre[a] != centre[b]);
    }
  }
  SUBCASE("make_synthetic dispatches by parameter type") {
    ts::SyntheticParams p = ts::XorParams{};
    CHECK(ts::make_synthetic(p, 9).train.name == "xor/train");
    p = ts::BlobsParams{};
    CHECK(same_data(ts::make_synthetic(p, 9).test, ts::make_blobs(ts::BlobsParams{}, 9).test));
    p = ts::SpiralsParams{};
    CHECK(ts::make_synthetic(p, 9).validation.name == "spirals/validation");
  }
}

// ---------------------------------------------------------------------------------------------
// Batcher
