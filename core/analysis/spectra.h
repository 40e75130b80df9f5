// Spectra of weight matrices and of their updates.
//
//   singular values     of a layer's weight matrix W (units x inputs; a convolution's
//                       filters x k*k*channels), largest first
//   ESD                 the empirical spectral density of the correlation matrix
//                       X = W^T W / N (Martin & Mahoney 2018) for W of N x M, N >= M (W is
//                       transposed when it is wide): eigenvalues sigma_i^2 / N, as a
//                       histogram, with the Marchenko-Pastur density of a random matrix of
//                       the same shape and entry variance for reference
//   update matrix       U = W - W0: its singular values, and W0 + P_k(U), U kept only along
//                       its top k singular directions (Nagarajan & Kolter 2019: the test
//                       accuracy with small k is close to the trained network's)
//
// Plain functions of values, in double; any thread may call them.
#pragma once

#include "core/tensor.h"

#include <Eigen/Dense>

#include <span>
#include <vector>

namespace ts {

// `w` row-major rows x cols.
Eigen::MatrixXd to_matrix(std::span<const float> w, Index rows, Index cols);
std::vector<double> singular_values(const Eigen::MatrixXd& m);

struct ValueHistogram {
  std::vector<double> edges;    // bins + 1, increasing
  std::vector<double> density;  // per bin: count / (total * width), so it integrates to 1
  std::vector<long> counts;
};
// `bins` equal bins over [min, max] of the values (log-spaced when `log_bins`; zeros and
// negatives are then left out). Empty values give an empty histogram.
ValueHistogram histogram(std::span<const double> values, int bins, bool log_bins = false);
// The same bins over [lo, hi] (linear), so that several sets can be compared bin for bin;
// values outside go to the first or last bin.
ValueHistogram histogram(std::span<const double> values, int bins, double lo, double hi);

struct SpectralDensity {
  std::vector<double> eigenvalues;        // of X, largest first
  Index n = 0, m = 0;                     // W as N x M, N >= M
  double entry_variance = 0.0;            // of W's entries, for the Marchenko-Pastur reference
  double mp_lower = 0.0, mp_upper = 0.0;  // the bulk edges sigma^2 (1 -+ sqrt(M/N))^2
};
SpectralDensity spectral_density(const Eigen::MatrixXd& w);
// The Marchenko-Pastur density at x for aspect ratio q = M / N <= 1 and entry variance s2.
double marchenko_pastur(double x, double q, double s2);

// The best rank-k approximation of m (by its singular value decomposition); k >= rank
// gives m itself.
Eigen::MatrixXd top_k_projection(const Eigen::MatrixXd& m, Index k);

}  // namespace ts
