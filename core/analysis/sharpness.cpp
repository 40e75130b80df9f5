#include "core/analysis/sharpness.h"

#include "core/error.h"
#include "core/rng.h"

#include <algorithm>
#include <cmath>

namespace ts {

namespace {
double dot(std::span<const double> a, std::span<const double> b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
}  // namespace

PowerIteration power_iteration(const SymmetricOperator& a, std::size_t n,
                               std::span<const double> start, int max_iterations, double tolerance,
                               uint64_t seed, const std::function<void(double)>& on_estimate) {
  PowerIteration r;
  if (n == 0) return r;
  std::vector<double> v(n), av(n);
  if (start.size() == n && dot(start, start) > 0) {
    v.assign(start.begin(), start.end());
  } else {
    Rng rng(seed);
    for (double& x : v) x = rng.normal();
  }
  double norm = std::sqrt(dot(v, v));
  for (double& x : v) x /= norm;
  double previous = NAN;
  for (int it = 0; it < max_iterations; ++it) {
    a(v, av);
    ++r.iterations;
    const double lambda = dot(v, av);  // the Rayleigh quotient of a unit v
    r.eigenvalue = lambda;
    r.estimates.push_back(lambda);
    r.vector = v;
    if (on_estimate) on_estimate(lambda);
    if (std::isfinite(previous) && std::abs(lambda - previous) <= tolerance * std::abs(lambda)) {
      r.converged = true;
      break;
    }
    previous = lambda;
    norm = std::sqrt(dot(av, av));
    if (!(norm > 0) || !std::isfinite(norm)) break;  // the zero operator, or a blow-up
    for (std::size_t i = 0; i < n; ++i) v[i] = av[i] / norm;
  }
  return r;
}

double hutchinson_trace(const SymmetricOperator& a, std::size_t n, int probes, uint64_t seed) {
  if (probes < 1) return NAN;
  Rng rng(seed);
  std::vector<double> v(n), av(n);
  double sum = 0;
  for (int p = 0; p < probes; ++p) {
    for (double& x : v) x = (rng.next_u64() >> 63) ? 1.0 : -1.0;
    a(v, av);
    sum += dot(v, av);
  }
  return sum / probes;
}

SharpnessProgress::SharpnessProgress(int max_iterations, double tolerance, int probes)
    : max_iterations_(std::max(max_iterations, 0)),
      probes_(std::max(probes, 0)),
      tolerance_(tolerance),
      power_left_(std::min(20, max_iterations_)) {}

double SharpnessProgress::power_product(double q) {
  ++products_;
  const double change =
      std::isfinite(last_q_) && q != 0 ? std::abs(q - last_q_) / std::abs(q) : NAN;
  const double most_left = double(max_iterations_ - products_);
  if (products_ >= max_iterations_ || (std::isfinite(change) && change <= tolerance_)) {
    power_left_ = 0;  // power iteration stops here
  } else if (std::isfinite(change) && std::isfinite(last_change_) && change > 0 &&
             change < last_change_) {
    const double left = std::ceil(std::log(tolerance_ / change) / std::log(change / last_change_));
    power_left_ = std::clamp(left, 1.0, most_left);
  } else {
    power_left_ = std::clamp(power_left_ - 1, 1.0, most_left);
  }
  last_change_ = change;
  last_q_ = q;
  return fraction();
}

double SharpnessProgress::trace_product() {
  power_left_ = 0;
  probes_done_ = std::min(probes_done_ + 1, probes_);
  return fraction();
}

double SharpnessProgress::fraction() {
  const double done = products_ + probes_done_;
  const double total = done + power_left_ + (probes_ - probes_done_);
  shown_ = std::max(shown_, total > 0 ? done / total : 1.0);
  return shown_;
}

template <class T>
Sharpness sharpness(LossSurface<T>& surface, std::span<const T> w, const SharpnessSettings& s,
                    std::span<const double> warm_start, const std::atomic<bool>* cancel,
                    const std::function<void(double)>& progress) {
  const std::size_t n = surface.size();
  if (w.size() != n) throw Error("sharpness: weights of the wrong size");
  std::vector<T> x(n), y(n);
  SharpnessProgress done(s.max_iterations, s.tolerance, s.trace_probes);
  bool tracing = false;
  const SymmetricOperator hvp = [&](std::span<const double> in, std::span<double> out) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      std::fill(out.begin(), out.end(), 0.0);
      return;
    }
    for (std::size_t i = 0; i < n; ++i) x[i] = T(in[i]);
    if (s.exact)
      surface.exact_hessian_vector(w, x, y);
    else
      surface.hessian_vector(w, x, y, s.step);
    for (std::size_t i = 0; i < n; ++i) out[i] = double(y[i]);
    if (progress && tracing) progress(done.trace_product());
  };
  Sharpness r;
  r.samples = surface.samples();
  r.loss = surface.evaluate(w).loss;
  PowerIteration p =
      power_iteration(hvp, n, warm_start, s.max_iterations, s.tolerance, s.seed, [&](double q) {
        if (progress) progress(done.power_product(q));
      });
  r.top_eigenvalue = p.eigenvalue;
  r.eigenvector = std::move(p.vector);
  r.iterations = p.iterations;
  r.converged = p.converged;
  r.estimates = std::move(p.estimates);
  if (s.trace_probes > 0) {
    tracing = true;
    r.trace = hutchinson_trace(hvp, n, s.trace_probes, s.seed + 1);
    r.trace_probes = s.trace_probes;
  }
  return r;
}

template Sharpness sharpness<float>(LossSurface<float>&, std::span<const float>,
                                    const SharpnessSettings&, std::span<const double>,
                                    const std::atomic<bool>*, const std::function<void(double)>&);
template Sharpness sharpness<double>(LossSurface<double>&, std::span<const double>,
                                     const SharpnessSettings&, std::span<const double>,
                                     const std::atomic<bool>*, const std::function<void(double)>&);

}  // namespace ts
