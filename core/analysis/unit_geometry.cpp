#include "core/analysis/unit_geometry.h"

#include "core/error.h"
#include "core/rng.h"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ts {

namespace {

double degrees(double cosine) {
  return std::acos(std::clamp(cosine, -1.0, 1.0)) * 180.0 / std::numbers::pi;
}

// Chooses k starting centres: the first uniformly, each next one with probability
// proportional to 1 - (its best cosine to the centres so far).
Eigen::MatrixXd seed_centres(const Eigen::MatrixXd& v, int k, Rng& rng) {
  const Index n = v.rows();
  Eigen::MatrixXd centres(k, v.cols());
  centres.row(0) = v.row(Index(rng.below(uint64_t(n))));
  Eigen::VectorXd best = v * centres.row(0).transpose();
  for (int c = 1; c < k; ++c) {
    double total = 0.0;
    for (Index i = 0; i < n; ++i) total += std::max(0.0, 1.0 - best(i));
    Index pick = n - 1;
    if (total > 0.0) {
      double r = rng.uniform() * total;
      for (Index i = 0; i < n; ++i) {
        r -= std::max(0.0, 1.0 - best(i));
        if (r < 0.0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = Index(rng.below(uint64_t(n)));  // every vector already sits on a centre
    }
    centres.row(c) = v.row(pick);
    best = best.cwiseMax(v * centres.row(c).transpose());
  }
  return centres;
}

SphericalClusters lloyd(const Eigen::MatrixXd& v, Eigen::MatrixXd centres, int max_iterations) {
  const Index n = v.rows();
  const int k = int(centres.rows());
  SphericalClusters out;
  out.assignment.assign(std::size_t(n), -1);
  Eigen::VectorXd best_cos(n);
  for (int it = 0; it < max_iterations; ++it) {
    const Eigen::MatrixXd cos = v * centres.transpose();  // n x k
    bool changed = false;
    for (Index i = 0; i < n; ++i) {
      Index c = 0;
      best_cos(i) = cos.row(i).maxCoeff(&c);
      if (out.assignment[std::size_t(i)] != int(c)) {
        out.assignment[std::size_t(i)] = int(c);
        changed = true;
      }
    }
    out.iterations = it + 1;
    if (!changed && it > 0) break;
    // New centres: the normalized sum of their vectors. An empty cluster takes the vector
    // farthest from its own centre.
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(k, v.cols());
    std::vector<Index> count(std::size_t(k), 0);
    for (Index i = 0; i < n; ++i) {
      sums.row(out.assignment[std::size_t(i)]) += v.row(i);
      ++count[std::size_t(out.assignment[std::size_t(i)])];
    }
    for (int c = 0; c < k; ++c) {
      const double norm = sums.row(c).norm();
      if (count[std::size_t(c)] > 0 && norm > 0.0) {
        centres.row(c) = sums.row(c) / norm;
      } else {
        Index far = 0;
        best_cos.minCoeff(&far);
        centres.row(c) = v.row(far);
        best_cos(far) = 1.0;
      }
    }
  }
  out.centres = std::move(centres);
  const Eigen::MatrixXd cos = v * out.centres.transpose();
  out.angle_deg.resize(std::size_t(n));
  double sum = 0.0;
  for (Index i = 0; i < n; ++i) {
    const double c = cos(i, out.assignment[std::size_t(i)]);
    out.angle_deg[std::size_t(i)] = degrees(c);
    sum += c;
  }
  out.mean_cosine = n > 0 ? sum / double(n) : 0.0;
  return out;
}

}  // namespace

UnitVectors normalize_units(std::span<const float> w, Index rows, Index cols) {
  if (rows < 0 || cols <= 0 || std::size_t(rows * cols) != w.size())
    throw Error("normalize_units: " + std::to_string(w.size()) + " weights are not " +
                std::to_string(rows) + " x " + std::to_string(cols));
  UnitVectors out;
  out.vectors.resize(rows, cols);
  Index kept = 0;
  for (Index r = 0; r < rows; ++r) {
    double sq = 0.0;
    for (Index c = 0; c < cols; ++c)
      sq += double(w[std::size_t(r * cols + c)]) * w[std::size_t(r * cols + c)];
    if (!(sq > 0.0) || !std::isfinite(sq)) continue;
    const double inv = 1.0 / std::sqrt(sq);
    for (Index c = 0; c < cols; ++c)
      out.vectors(kept, c) = double(w[std::size_t(r * cols + c)]) * inv;
    out.units.push_back(r);
    ++kept;
  }
  out.vectors.conservativeResize(kept, cols);
  return out;
}

SphericalClusters spherical_kmeans(const Eigen::MatrixXd& vectors, int k, uint64_t seed,
                                   int restarts, int max_iterations) {
  if (k < 1) throw Error("spherical k-means: k must be >= 1, got " + std::to_string(k));
  if (vectors.rows() == 0) return {};
  k = int(std::min<Index>(k, vectors.rows()));
  Rng rng(seed);
  SphericalClusters best;
  for (int r = 0; r < std::max(1, restarts); ++r) {
    SphericalClusters c = lloyd(vectors, seed_centres(vectors, k, rng), max_iterations);
    if (r == 0 || c.mean_cosine > best.mean_cosine) best = std::move(c);
  }
  return best;
}

std::vector<double> angles_to_nearest(const Eigen::MatrixXd& vectors,
                                      const Eigen::MatrixXd& centres) {
  std::vector<double> out(std::size_t(vectors.rows()));
  if (centres.rows() == 0) return out;
  const Eigen::MatrixXd cos = vectors * centres.transpose();
  for (Index i = 0; i < vectors.rows(); ++i) out[std::size_t(i)] = degrees(cos.row(i).maxCoeff());
  return out;
}

Projection2d project_2d(const Eigen::MatrixXd& vectors) {
  Projection2d p;
  const Index d = vectors.cols();
  p.axes = Eigen::MatrixXd::Zero(2, d);
  p.points = Eigen::MatrixXd::Zero(vectors.rows(), 2);
  if (vectors.rows() < 2 || d < 1) return p;
  const Eigen::RowVectorXd mean = vectors.colwise().mean();
  const Eigen::MatrixXd centred = vectors.rowwise() - mean;
  // The top right singular vectors of the centred rows are the principal axes.
  Eigen::BDCSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinV);
  const Eigen::VectorXd s = svd.singularValues();
  const double total = s.squaredNorm();
  for (Index a = 0; a < std::min<Index>(2, s.size()); ++a) {
    p.axes.row(a) = svd.matrixV().col(a).transpose();
    p.explained[a] = total > 0.0 ? s(a) * s(a) / total : 0.0;
  }
  p.points = centred * p.axes.transpose();
  return p;
}

Eigen::MatrixXd project_onto(const Eigen::MatrixXd& vectors, const Projection2d& axes_from) {
  if (vectors.rows() == 0) return Eigen::MatrixXd::Zero(0, 2);
  const Eigen::RowVectorXd mean = vectors.colwise().mean();
  return (vectors.rowwise() - mean) * axes_from.axes.transpose();
}

double frame_potential(const Eigen::MatrixXd& vectors) {
  const Eigen::MatrixXd gram = vectors * vectors.transpose();
  return gram.squaredNorm();
}

std::vector<double> frame_potential_contributions(const Eigen::MatrixXd& vectors) {
  const Eigen::MatrixXd gram = vectors * vectors.transpose();
  std::vector<double> out(std::size_t(vectors.rows()));
  for (Index i = 0; i < vectors.rows(); ++i) out[std::size_t(i)] = gram.row(i).squaredNorm();
  return out;
}

double frame_potential_lower_bound(Index n, Index d) {
  if (n <= 0 || d <= 0) return 0.0;
  return std::max(double(n), double(n) * double(n) / double(d));
}

}  // namespace ts
