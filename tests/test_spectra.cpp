// Spectra, update projections and the learning-rate range test against closed forms and
// independent computations.
#include "core/analysis/spectra.h"
#include "core/analysis/weight_matrices.h"
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/procedures/lr_range_test.h"
#include "core/rng.h"
#include "core/run/run.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace ts;

namespace {

Eigen::MatrixXd random_matrix(Index r, Index c, uint64_t seed) {
  Rng rng(seed);
  Eigen::MatrixXd m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = rng.normal();
  return m;
}

ExperimentConfig blobs_config() {
  return parse_experiment_text(R"({
    "data": {"dataset": "blobs", "classes": 4, "dim": 10, "train_size": 800, "validation_size": 100, "test_size": 400, "stddev": 2.0},
    "model": {"layers": [{"type": "dense", "units": 24, "activation": "relu"}, {"type": "dense", "units": 4}]},
    "optimizer": {"type": "sgd"}, "schedule": {"type": "constant", "lr": 0.05},
    "training": {"batch_size": 32, "steps": 100, "seed": 3}})",
                               "spectra.json");
}

}  // namespace

TEST_CASE("singular values match the eigenvalues of W W^T") {
  const Eigen::MatrixXd w = random_matrix(7, 5, 1);
  const auto s = singular_values(w);
  REQUIRE(s.size() == 5);
  CHECK(std::is_sorted(s.rbegin(), s.rend()));
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(w.transpose() * w);
  for (Index i = 0; i < 5; ++i)
    CHECK(s[std::size_t(i)] == doctest::Approx(std::sqrt(eig.eigenvalues()(4 - i))));
  double sq = 0;
  for (double v : s) sq += v * v;
  CHECK(sq == doctest::Approx(w.squaredNorm()));
  CHECK(singular_values(to_matrix(std::vector<float>{3, 0, 0, -4}, 2, 2)) ==
        std::vector<double>{4, 3});
}

TEST_CASE("top-k projection is the best rank-k approximation") {
  // A = 5 u1 v1^T + 2 u2 v2^T with orthonormal u and v.
  const Eigen::HouseholderQR<Eigen::MatrixXd> qu(random_matrix(6, 6, 2)),
      qv(random_matrix(4, 4, 3));
  const Eigen::MatrixXd u = qu.householderQ() * Eigen::MatrixXd::Identity(6, 2);
  const Eigen::MatrixXd v = qv.householderQ() * Eigen::MatrixXd::Identity(4, 2);
  const Eigen::MatrixXd a =
      5 * u.col(0) * v.col(0).transpose() + 2 * u.col(1) * v.col(1).transpose();
  CHECK((top_k_projection(a, 2) - a).norm() == doctest::Approx(0.0).scale(1.0));
  CHECK((top_k_projection(a, 9) - a).norm() < 1e-12);
  // Eckart-Young: the error of the best rank-1 approximation is the second singular value.
  CHECK((top_k_projection(a, 1) - a).norm() == doctest::Approx(2.0));
  CHECK(top_k_projection(a, 0).norm() == 0.0);
}

TEST_CASE("spectral density: eigenvalues sigma^2 / N and the Marchenko-Pastur reference") {
  const Eigen::MatrixXd w = random_matrix(40, 100, 4);  // wide: seen as 100 x 40
  const SpectralDensity d = spectral_density(w);
  CHECK(d.n == 100);
  CHECK(d.m == 40);
  REQUIRE(d.eigenvalues.size() == 40);
  const auto s = singular_values(w);
  CHECK(d.eigenvalues[0] == doctest::Approx(s[0] * s[0] / 100.0));
  // The Marchenko-Pastur density integrates to 1 over its bulk (q <= 1).
  const double q = 0.4, s2 = 1.7;
  const double lo = s2 * std::pow(1 - std::sqrt(q), 2), hi = s2 * std::pow(1 + std::sqrt(q), 2);
  double integral = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i)
    integral += marchenko_pastur(lo + (hi - lo) * (i + 0.5) / n, q, s2) * (hi - lo) / n;
  CHECK(integral == doctest::Approx(1.0).epsilon(1e-3));
  CHECK(marchenko_pastur(hi * 1.01, q, s2) == 0.0);
  // A random matrix's eigenvalues lie near the bulk.
  CHECK(d.eigenvalues.front() < d.mp_upper * 1.3);
  CHECK(d.eigenvalues.back() > d.mp_lower * 0.5);
}

TEST_CASE("histograms count every value and their density integrates to 1") {
  const std::vector<double> v{0.1, 0.2, 0.25, 1.0, 10.0, 100.0, 0.0};
  const ValueHistogram h = histogram(v, 4);
  REQUIRE(h.edges.size() == 5);
  long total = 0;
  double area = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    total += h.counts[i];
    area += h.density[i] * (h.edges[i + 1] - h.edges[i]);
  }
  CHECK(total == 7);
  CHECK(area == doctest::Approx(1.0));
  CHECK(h.counts[0] == 6);
  const ValueHistogram lg = histogram(v, 3, true);  // 0 left out; decades 0.1 .. 100
  CHECK(lg.edges.front() == doctest::Approx(0.1));
  CHECK(lg.edges.back() == doctest::Approx(100.0));
  CHECK(lg.counts == std::vector<long>{3, 1, 2});
}

TEST_CASE("projected updates: k = 0 gives the initialization, full rank the trained weights") {
  const ExperimentConfig c = blobs_config();
  auto data = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
  Run run(c, data);
  for (int i = 0; i < 100; ++i) run.train_step();
  const auto& net = run.network();
  const auto mats = weight_matrices(net);
  REQUIRE(mats.size() == 2);
  CHECK(mats[0].rows == 24);
  CHECK(mats[0].cols == 10);
  const auto values = net.params().values();
  const auto full = project_updates(net, run.initial_values(), 100);
  for (std::size_t i = 0; i < full.size(); ++i)
    REQUIRE(full[i] == doctest::Approx(values[i]).epsilon(1e-5));
  const auto none = project_updates(net, run.initial_values(), 0);
  const auto bias = std::size_t(net.params().find("fc1.bias"));
  const std::size_t b0 = net.params().info(bias).offset;
  for (const auto& m : mats)
    for (std::size_t i = m.offset; i < m.offset + std::size_t(m.rows * m.cols); ++i)
      REQUIRE(none[i] == run.initial_values()[i]);
  CHECK(none[b0] == values[b0]);
  // The accuracy climbs back with k.
  const double trained = run.evaluate(data->test).accuracy;
  CHECK(run.evaluate_weights(full, data->test).accuracy == doctest::Approx(trained).epsilon(0.01));
  CHECK_THROWS_WITH_AS(project_updates(net, std::vector<float>(3), 1),
                       doctest::Contains("initial weights have 3"), Error);
}

TEST_CASE(
    "the range test's suggestion reads the steepest descent and the minimum, as Smith and fastai "
    "do") {
  // Rates a quarter decade apart from 1e-5; the loss is flat, falls, bottoms out and explodes.
  LrRangeResult r;
  const std::vector<double> smoothed{10, 10, 10, 9.99, 9.9, 9.5, 8, 5, 3, 2.2, 2, 2.1, 4, 9};
  for (std::size_t i = 0; i < smoothed.size(); ++i)
    r.points.push_back({1e-5 * std::pow(10.0, double(i) / 4), 0, smoothed[i]});
  suggest_range(r);
  // The central differences loss[i+1] - loss[i-1] (over half a decade each): the largest
  // fall is 8 - 3 = 5 around point 7; around point 6 it is 9.5 - 5 = 4.5.
  CHECK(r.steepest == doctest::Approx(r.points[7].lr));
  CHECK(r.minimum == doctest::Approx(r.points[10].lr));
  // A tenth of the minimum is 10^(10/4 - 1) * 1e-5 = point 6; the range runs from it to the
  // steepest point, 0.25 decades apart, so it widens to the factor 3 below the upper end.
  CHECK(r.upper == doctest::Approx(r.points[7].lr));
  CHECK(r.lower == doctest::Approx(r.points[7].lr / 3));
  // Not where the loss has not moved: the old rule's lower end was point 4 (5% of the descent).
  CHECK(r.lower > r.points[4].lr);
  // A minimum far beyond the steep part: the range is the steep point to a decade below it.
  LrRangeResult wide;
  const std::vector<double> late{10, 6, 4, 3.8, 3.7, 3.6, 3.5, 3.4, 3.3, 3.2, 3.1, 3.0, 5, 9};
  for (std::size_t i = 0; i < late.size(); ++i)
    wide.points.push_back({1e-5 * std::pow(10.0, double(i) / 4), 0, late[i]});
  suggest_range(wide);
  CHECK(wide.steepest == doctest::Approx(wide.points[1].lr));
  CHECK(wide.minimum == doctest::Approx(wide.points[11].lr));
  CHECK(wide.lower == doctest::Approx(wide.points[1].lr));
  CHECK(wide.upper == doctest::Approx(wide.points[7].lr));  // 10^(11/4 - 1) = point 7
}

TEST_CASE(
    "the range test grows the rate exponentially on a copy and stops when the loss explodes") {
  const ExperimentConfig c = blobs_config();
  auto data = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
  Run run(c, data);
  const RunState before = run.capture();
  LrRangeSettings s;
  s.lr_min = 1e-4;
  s.lr_max = 1e3;
  s.steps = 200;
  const LrRangeResult r = lr_range_test(c, data, before, s);
  REQUIRE(r.points.size() >= 50);
  for (std::size_t i = 0; i < r.points.size(); ++i)
    REQUIRE(r.points[i].lr ==
            doctest::Approx(1e-4 * std::pow(1e7, double(i) / 199.0)).epsilon(1e-9));
  CHECK(r.points.size() < 200);
  CHECK(!r.stopped.empty());
  CHECK(r.lower > 0.0);
  CHECK(r.lower < r.upper);
  CHECK(r.upper < r.points.back().lr);
  // The run it was copied from is untouched.
  CHECK(run.steps_done() == 0);
  s.steps = 1;
  CHECK_THROWS_WITH_AS(lr_range_test(c, data, before, s), doctest::Contains("lr_range.steps"),
                       Error);
}

TEST_CASE("the range test's suggestion does not read the first, noisy points of the curve") {
  // Rates a quarter decade apart from 1e-5. The smoothed loss of the first points rests on a
  // few batches: here it dips by chance (10, 4, 3) before the curve's real descent.
  LrRangeResult r;
  const std::vector<double> smoothed{10, 4, 3, 9, 10, 9.9, 9.5, 8, 5, 3, 2.2, 2, 4, 9};
  for (std::size_t i = 0; i < smoothed.size(); ++i)
    r.points.push_back({1e-5 * std::pow(10.0, double(i) / 4), 0, smoothed[i]});
  // Read whole, the chance dip is the steepest descent: 3 - 10 around point 1.
  suggest_range(r);
  CHECK(r.steepest == doctest::Approx(r.points[1].lr));
  // Skipping the first three points, the real one: 3 - 8 = -5 around point 8 (9.5 - 5 = -4.5
  // around point 7).
  suggest_range(r, 3);
  CHECK(r.steepest == doctest::Approx(r.points[8].lr));
  CHECK(r.minimum == doctest::Approx(r.points[11].lr));
  // A chance low among the first points is not the minimum either.
  LrRangeResult low = r;
  low.points[2].smoothed = 1.0;
  suggest_range(low, 3);
  CHECK(low.minimum == doctest::Approx(low.points[11].lr));
}
