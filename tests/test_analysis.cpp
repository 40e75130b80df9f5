// Analyses of a layer's units: normalization, spherical k-means, angles, the 2-D projection
// and the frame potential, against constructions whose answers are known.
#include "core/analysis/layer_stats.h"
#include "core/analysis/unit_geometry.h"
#include "core/rng.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

using namespace ts;

namespace {

// A random unit vector in d dimensions.
Eigen::VectorXd random_direction(Index d, Rng& rng) {
  Eigen::VectorXd v(d);
  for (Index i = 0; i < d; ++i) v(i) = rng.uniform(-1.0, 1.0);
  return v.normalized();
}

std::vector<float> row_major(const Eigen::MatrixXd& m) {
  std::vector<float> w;
  for (Index r = 0; r < m.rows(); ++r)
    for (Index c = 0; c < m.cols(); ++c) w.push_back(float(m(r, c)));
  return w;
}

double angle_deg(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return std::acos(std::clamp(a.normalized().dot(b.normalized()), -1.0, 1.0)) * 180.0 /
         std::numbers::pi;
}

}  // namespace

TEST_CASE("spherical k-means recovers vectors built around known directions") {
  Rng rng(11);
  const Index d = 30;
  const int k = 4;
  std::vector<Eigen::VectorXd> truth;
  for (int c = 0; c < k; ++c) truth.push_back(random_direction(d, rng));
  // 40 vectors around each direction, within a few degrees, at different lengths, shuffled.
  std::vector<int> label;
  Eigen::MatrixXd raw(k * 40, d);
  std::vector<Index> order(std::size_t(k * 40));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = Index(i);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  for (Index i = 0; i < raw.rows(); ++i) {
    const int c = int(order[std::size_t(i)] % k);
    label.push_back(c);
    const Eigen::VectorXd noise = random_direction(d, rng) * 0.06;
    raw.row(i) = ((truth[std::size_t(c)] + noise) * rng.uniform(0.2, 3.0)).transpose();
  }
  const std::vector<float> w = row_major(raw);
  const UnitVectors u = normalize_units(w, raw.rows(), d);
  REQUIRE(u.vectors.rows() == raw.rows());
  for (Index i = 0; i < u.vectors.rows(); ++i)
    CHECK(u.vectors.row(i).norm() == doctest::Approx(1.0));

  const SphericalClusters sc = spherical_kmeans(u.vectors, k, 5);
  REQUIRE(sc.centres.rows() == k);
  // Each true direction has a centre within 2 degrees, and the clusters are exactly the
  // generating groups.
  std::vector<int> centre_of(k, -1);
  for (int c = 0; c < k; ++c) {
    double best = 180.0;
    for (int j = 0; j < k; ++j) {
      const double a = angle_deg(truth[std::size_t(c)], sc.centres.row(j).transpose());
      if (a < best) {
        best = a;
        centre_of[std::size_t(c)] = j;
      }
    }
    CAPTURE(c);
    CHECK(best < 2.0);
  }
  std::vector<int> sorted = centre_of;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::unique(sorted.begin(), sorted.end()) == sorted.end());
  for (std::size_t i = 0; i < label.size(); ++i)
    CHECK(sc.assignment[i] == centre_of[std::size_t(label[i])]);
  // Angles to the nearest centre are small, and agree with angles_to_nearest.
  const std::vector<double> angles = angles_to_nearest(u.vectors, sc.centres);
  for (std::size_t i = 0; i < angles.size(); ++i) {
    CHECK(angles[i] < 6.0);
    CHECK(angles[i] == doctest::Approx(sc.angle_deg[i]).epsilon(1e-9));
  }
}

TEST_CASE("normalize_units leaves out pruned units and keeps their row numbers") {
  const std::vector<float> w = {3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1};  // 4 x 3
  const UnitVectors u = normalize_units(w, 4, 3);
  REQUIRE(u.vectors.rows() == 2);
  CHECK(u.units == std::vector<Index>{0, 3});
  CHECK(u.vectors(0, 0) == doctest::Approx(0.6));
  CHECK(u.vectors(0, 1) == doctest::Approx(0.8));
  CHECK(u.vectors(1, 1) == doctest::Approx(std::sqrt(0.5)));
}

TEST_CASE("frame potential: the Gram norm, its contributions, and its bounds") {
  Rng rng(3);
  // A general case against the definition sum_ij <w_i, w_j>^2 written out.
  Eigen::MatrixXd m(7, 5);
  for (Index i = 0; i < 7; ++i) m.row(i) = random_direction(5, rng).transpose();
  double direct = 0.0;
  for (Index i = 0; i < 7; ++i)
    for (Index j = 0; j < 7; ++j) direct += std::pow(m.row(i).dot(m.row(j)), 2);
  CHECK(frame_potential(m) == doctest::Approx(direct).epsilon(1e-12));
  const auto contrib = frame_potential_contributions(m);
  double sum = 0.0;
  for (double c : contrib) sum += c;
  CHECK(sum == doctest::Approx(direct).epsilon(1e-12));
  for (Index i = 0; i < 7; ++i) {
    double ci = 0.0;
    for (Index j = 0; j < 7; ++j) ci += std::pow(m.row(i).dot(m.row(j)), 2);
    CHECK(contrib[std::size_t(i)] == doctest::Approx(ci).epsilon(1e-12));
  }
  // The live statistic (float, layer_stats.h) agrees on the same weights.
  CHECK(frame_potential(row_major(m), 7, 5) == doctest::Approx(direct).epsilon(1e-5));
  CHECK(frame_potential(m) >= frame_potential_lower_bound(7, 5) - 1e-9);

  // Orthogonal rows (n <= d) reach the bound n.
  const Eigen::MatrixXd eye = Eigen::MatrixXd::Identity(4, 6);
  CHECK(frame_potential(eye) == doctest::Approx(4.0));
  CHECK(frame_potential_lower_bound(4, 6) == 4.0);
  // Repeated rows are the worst case, n^2.
  Eigen::MatrixXd same(5, 3);
  const Eigen::RowVector3d v(0.6, 0.0, 0.8);
  for (Index i = 0; i < 5; ++i)
    same.row(i) = i == 3 ? Eigen::RowVector3d(-v) : v;  // antiparallel counts the same
  CHECK(frame_potential(same) == doctest::Approx(25.0));
  // A tight frame (n >= d) reaches n^2 / d: three directions 120 degrees apart in the plane.
  Eigen::MatrixXd mercedes(3, 2);
  for (Index i = 0; i < 3; ++i)
    mercedes.row(i) = Eigen::RowVector2d(std::cos(2 * std::numbers::pi * double(i) / 3),
                                         std::sin(2 * std::numbers::pi * double(i) / 3));
  CHECK(frame_potential(mercedes) == doctest::Approx(4.5));
  CHECK(frame_potential_lower_bound(3, 2) == 4.5);
}

TEST_CASE("the 2-D projection keeps planar data exactly and shares axes") {
  // Points on a tilted plane in 4 dimensions: two principal axes explain everything, and
  // distances between points are kept.
  Rng rng(8);
  const Eigen::Vector4d a = Eigen::Vector4d(1, 2, 0, -1).normalized();
  Eigen::Vector4d b(2, -1, 3, 0);
  b = (b - b.dot(a) * a).normalized();
  Eigen::MatrixXd pts(20, 4);
  for (Index i = 0; i < 20; ++i)
    pts.row(i) =
        (rng.uniform(-2, 2) * a + rng.uniform(-1, 1) * b + Eigen::Vector4d(5, 5, 5, 5)).transpose();
  const Projection2d p = project_2d(pts);
  CHECK(p.explained[0] + p.explained[1] == doctest::Approx(1.0));
  CHECK(p.explained[0] >= p.explained[1]);
  for (Index i = 0; i < 20; ++i)
    for (Index j = 0; j < 20; ++j)
      CHECK((p.points.row(i) - p.points.row(j)).norm() ==
            doctest::Approx((pts.row(i) - pts.row(j)).norm()).epsilon(1e-9));
  // The same data on the same axes gives the same coordinates.
  const Eigen::MatrixXd again = project_onto(pts, p);
  CHECK((again - p.points).norm() < 1e-9);
}
