#include "core/analysis/spectra.h"

#include <algorithm>
#include <cmath>

namespace ts {

Eigen::MatrixXd to_matrix(std::span<const float> w, Index rows, Index cols) {
  return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
             w.data(), rows, cols)
      .cast<double>();
}

std::vector<double> singular_values(const Eigen::MatrixXd& m) {
  if (m.size() == 0) return {};
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(m);
  const auto& s = svd.singularValues();
  return std::vector<double>(s.data(), s.data() + s.size());
}

namespace {

// Bins over [lo, hi] of v (already on the binning scale); edges mapped back by `edge`.
template <class Edge>
ValueHistogram bin(const std::vector<double>& v, int bins, double lo, double hi, Edge edge) {
  ValueHistogram h;
  if (v.empty() || bins < 1) return h;
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  h.counts.assign(std::size_t(bins), 0);
  for (double x : v) {
    auto b = long(std::floor((x - lo) / (hi - lo) * bins));
    h.counts[std::size_t(std::clamp(b, 0L, long(bins) - 1))]++;
  }
  for (int i = 0; i <= bins; ++i)
    h.edges.push_back(edge(lo + (hi - lo) * double(i) / double(bins)));
  for (int i = 0; i < bins; ++i)
    h.density.push_back(
        double(h.counts[std::size_t(i)]) /
        (double(v.size()) * (h.edges[std::size_t(i) + 1] - h.edges[std::size_t(i)])));
  return h;
}

}  // namespace

ValueHistogram histogram(std::span<const double> values, int bins, bool log_bins) {
  std::vector<double> v;
  for (double x : values)
    if (std::isfinite(x) && (!log_bins || x > 0)) v.push_back(log_bins ? std::log10(x) : x);
  if (v.empty()) return {};
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return bin(v, bins, *lo, *hi, [&](double e) { return log_bins ? std::pow(10.0, e) : e; });
}

ValueHistogram histogram(std::span<const double> values, int bins, double lo, double hi) {
  std::vector<double> v;
  for (double x : values)
    if (std::isfinite(x)) v.push_back(x);
  return bin(v, bins, lo, hi, [](double e) { return e; });
}

SpectralDensity spectral_density(const Eigen::MatrixXd& w) {
  SpectralDensity d;
  d.n = std::max(w.rows(), w.cols());
  d.m = std::min(w.rows(), w.cols());
  if (w.size() == 0) return d;
  for (double s : singular_values(w)) d.eigenvalues.push_back(s * s / double(d.n));
  const double mean = w.mean();
  d.entry_variance = (w.array() - mean).square().sum() / double(w.size());
  const double q = double(d.m) / double(d.n);
  d.mp_lower = d.entry_variance * std::pow(1.0 - std::sqrt(q), 2);
  d.mp_upper = d.entry_variance * std::pow(1.0 + std::sqrt(q), 2);
  return d;
}

double marchenko_pastur(double x, double q, double s2) {
  const double lo = s2 * std::pow(1.0 - std::sqrt(q), 2), hi = s2 * std::pow(1.0 + std::sqrt(q), 2);
  if (!(x > lo && x < hi) || s2 <= 0 || q <= 0) return 0.0;
  return std::sqrt((hi - x) * (x - lo)) / (2.0 * M_PI * s2 * q * x);
}

Eigen::MatrixXd top_k_projection(const Eigen::MatrixXd& m, Index k) {
  if (m.size() == 0) return m;
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(m, Eigen::ComputeThinU | Eigen::ComputeThinV);
  k = std::clamp<Index>(k, 0, svd.singularValues().size());
  return svd.matrixU().leftCols(k) * svd.singularValues().head(k).asDiagonal() *
         svd.matrixV().leftCols(k).transpose();
}

}  // namespace ts
