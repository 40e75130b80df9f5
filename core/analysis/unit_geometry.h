// The geometry of a layer's units: each unit's incoming weight vector (a row of a dense
// weight [out, in], a filter of a convolution [filters, k*k*channels]) normalized to unit
// length, and what the study of redundancy looks at in them:
//
//   spherical k-means  k centres on the sphere, cosine similarity, k-means++ seeding
//                      (Arthur & Vassilvitskii 2007 with 1 - cos as the distance)
//   angles             each vector's angle to its nearest centre, in degrees
//   projection         the first two principal components of the normalized vectors
//   frame potential    FP = sum_ij <w_i, w_j>^2 = ||W W^T||_F^2 and each unit's share
//                      c_i = sum_j <w_i, w_j>^2; for n vectors in d dimensions
//                      FP >= max(n, n^2 / d): n for orthogonal rows (n <= d), n^2 / d for
//                      a tight frame (n >= d); FP = n^2 when all rows are parallel
//
// Units whose weights are all zero (pruned) have no direction and are left out; `units`
// says which rows were kept. Plain values and free functions: any thread may call them.
// Computations are in double.
#pragma once

#include "core/tensor.h"

#include <Eigen/Dense>

#include <cstdint>
#include <span>
#include <vector>

namespace ts {

struct UnitVectors {
  Eigen::MatrixXd vectors;   // kept units x dimension, each row of length 1
  std::vector<Index> units;  // the original row of each kept vector
};

// `w` is row-major rows x cols.
UnitVectors normalize_units(std::span<const float> w, Index rows, Index cols);

struct SphericalClusters {
  Eigen::MatrixXd centres;        // k x dimension, unit rows
  std::vector<int> assignment;    // per vector: its nearest centre
  std::vector<double> angle_deg;  // per vector: the angle to that centre
  int iterations = 0;
  double mean_cosine = 0.0;  // the objective: mean cosine to the assigned centre
};

// Lloyd iterations on the sphere until no assignment changes (at most `max_iterations`).
// `restarts` seedings are tried and the best objective kept. k is clamped to the number of
// vectors. Deterministic for a given seed.
SphericalClusters spherical_kmeans(const Eigen::MatrixXd& vectors, int k, uint64_t seed,
                                   int restarts = 4, int max_iterations = 100);

// Angles (degrees) of each vector to its nearest of `centres`.
std::vector<double> angles_to_nearest(const Eigen::MatrixXd& vectors,
                                      const Eigen::MatrixXd& centres);

struct Projection2d {
  Eigen::MatrixXd points;        // n x 2: coordinates on the first two principal axes
  Eigen::MatrixXd axes;          // 2 x dimension
  double explained[2] = {0, 0};  // fraction of the variance along each axis
};
// Principal components of the rows (centred).
Projection2d project_2d(const Eigen::MatrixXd& vectors);
// The rows (centred on their own mean) on another projection's axes, so that "now" and "at
// initialization" can be drawn in the same coordinates.
Eigen::MatrixXd project_onto(const Eigen::MatrixXd& vectors, const Projection2d& axes_from);

// FP of the normalized vectors, and each vector's contribution sum_j <w_i, w_j>^2 (the
// contributions sum to FP).
double frame_potential(const Eigen::MatrixXd& vectors);
std::vector<double> frame_potential_contributions(const Eigen::MatrixXd& vectors);
// max(n, n^2 / d): the least FP n unit vectors in d dimensions can have.
double frame_potential_lower_bound(Index n, Index d);

}  // namespace ts
