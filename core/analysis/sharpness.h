// The sharpness of the training loss: the top eigenvalue of its Hessian by power iteration on
// Hessian-vector products (warm-started from a previous eigenvector when one is given), and
// the Hessian's trace by Hutchinson's estimator (the mean of v' H v over Rademacher vectors
// v, exact in expectation). Both take any symmetric operator, so they are checked on matrices
// of known spectrum; `sharpness` applies them to a LossSurface at given weights.
// Pure functions over the caller's buffers; the operator may run in parallel inside.
#pragma once

#include "core/analysis/loss_surface.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace ts {

// y = A x for a symmetric A of size n.
using SymmetricOperator = std::function<void(std::span<const double> x, std::span<double> y)>;

struct PowerIteration {
  double eigenvalue = 0;          // of the largest magnitude
  std::vector<double> vector;     // unit, its eigenvector
  int iterations = 0;             // operator applications
  bool converged = false;         // the estimate moved by less than the tolerance
  std::vector<double> estimates;  // the Rayleigh quotient after each application
};

// Starts from `start` (a previous eigenvector) when it is non-zero and of size n, else from a
// seeded random vector; stops when the Rayleigh quotient changes by less than
// `tolerance` * |eigenvalue| between two iterations, or after `max_iterations`. `on_estimate`
// gets each iteration's Rayleigh quotient.
PowerIteration power_iteration(const SymmetricOperator& a, std::size_t n,
                               std::span<const double> start, int max_iterations, double tolerance,
                               uint64_t seed, const std::function<void(double)>& on_estimate = {});

// Hutchinson's trace estimate over `probes` Rademacher vectors from `seed`.
double hutchinson_trace(const SymmetricOperator& a, std::size_t n, int probes, uint64_t seed);

// How far a sharpness measurement has come, for its progress bar and the time it has left:
// power iteration's products against how many it will likely take, then the trace's probes.
// Power iteration's change of the Rayleigh quotient shrinks by a steady factor an iteration
// (|lambda2 / lambda1|), so from two changes on, the products left are those that bring it
// under the tolerance; before that, a guess of 20 in all. Counted against the most there can
// be (max_iterations), Conv-2's measurement (5 products, then 10 probes) showed 7% and "about 7
// min left" a minute before it ended. The fraction never goes back.
class SharpnessProgress {
 public:
  SharpnessProgress(int max_iterations, double tolerance, int probes);
  // After a power-iteration product whose Rayleigh quotient is q: the fraction done.
  double power_product(double q);
  // After a trace probe's product.
  double trace_product();

 private:
  double fraction();
  int max_iterations_, probes_;
  double tolerance_;
  int products_ = 0, probes_done_ = 0;
  double last_q_ = NAN, last_change_ = NAN;
  double power_left_;
  double shown_ = 0;
};

struct SharpnessSettings {
  int max_iterations = 100;
  double tolerance = 1e-3;  // relative change of the estimate that ends power iteration
  int trace_probes = 0;     // 0: no trace
  // Exact products (the default), or central differences of gradients with this step along a
  // unit direction: small enough to cross no ReLU kink (core/analysis/loss_surface.h), which
  // needs a double LossSurface.
  bool exact = true;
  double step = 1e-7;
  uint64_t seed = 1;
};

struct Sharpness {
  double top_eigenvalue = 0;
  std::vector<double> eigenvector;  // warm start for the next measurement
  int iterations = 0;
  bool converged = false;
  std::vector<double> estimates;  // power iteration's, one a product
  double trace = NAN;             // NaN without probes
  int trace_probes = 0;
  Index samples = 0;
  double loss = 0;  // L(w) over the samples
};

// The Hessian of `surface`'s loss at `w`, by exact products or central differences.
// `progress` gets the fraction done (SharpnessProgress); once `cancel` turns true no more
// products are taken (the operator turns to zero, which ends power iteration) and the result
// means nothing.
template <class T>
Sharpness sharpness(LossSurface<T>& surface, std::span<const T> w, const SharpnessSettings& s,
                    std::span<const double> warm_start = {},
                    const std::atomic<bool>* cancel = nullptr,
                    const std::function<void(double)>& progress = {});

}  // namespace ts
