#include "core/layers/loss.h"

#include <algorithm>
#include <cmath>

namespace ts {

const char* to_string(LossKind k) { return k == LossKind::cross_entropy ? "cross_entropy" : "mse"; }

std::optional<LossKind> loss_kind_from_string(std::string_view s) {
  if (s == "cross_entropy") return LossKind::cross_entropy;
  if (s == "mse") return LossKind::mse;
  return std::nullopt;
}

namespace {

// Softmax cross-entropy over columns [b0, b0 + g) whose k_n x g shifted logits fit in `buf`:
// each column less its maximum, then one vectorized exp over them all (the exps dominate when
// the classes are few and the columns many).
template <class T>
void cross_entropy_columns(const Matrix<T>& z, std::span<const int32_t> labels, Matrix<T>* dz,
                           T scale, Index b0, Index g, T* buf, T* maxes, LossSum& out) {
  const Index k_n = z.rows();
  for (Index b = b0; b < b0 + g; ++b) {
    const T* zc = z.data() + b * k_n;
    Index arg = 0;
    for (Index k = 1; k < k_n; ++k)
      if (zc[k] > zc[arg]) arg = k;
    if (arg == labels[std::size_t(b)]) ++out.correct;
    T* e = buf + (b - b0) * k_n;
    maxes[b - b0] = zc[arg];
    for (Index k = 0; k < k_n; ++k) e[k] = zc[k] - zc[arg];
  }
  Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> e(buf, g * k_n);
  e = e.exp();
  for (Index b = b0; b < b0 + g; ++b) {
    const T* ec = buf + (b - b0) * k_n;
    const Index label = labels[std::size_t(b)];
    T sum = 0;
    for (Index k = 0; k < k_n; ++k) sum += ec[k];
    // log sum exp(z - m) - (z_label - m), with z_label - m = log of its exp.
    const T* zc = z.data() + b * k_n;
    out.loss += double(std::log(sum) - (zc[label] - maxes[b - b0]));
    if (dz) {
      T* d = dz->data() + b * k_n;
      const T inv = T(1) / sum;
      for (Index k = 0; k < k_n; ++k) d[k] = scale * ec[k] * inv;
      d[label] -= scale;
    }
  }
}

}  // namespace

template <class T>
LossSum loss_and_gradient(LossKind kind, const Matrix<T>& z, std::span<const int32_t> labels,
                          Matrix<T>* dz, T scale) {
  const Index k_n = z.rows(), batch = z.cols();
  if (dz) dz->resize(k_n, batch);
  LossSum out;
  if (kind == LossKind::cross_entropy && k_n > 0) {
    constexpr Index kBuf = 1024;
    alignas(64) T buf[kBuf];
    T maxes[kBuf];
    if (k_n <= kBuf) {
      const Index per = kBuf / k_n;
      for (Index b0 = 0; b0 < batch; b0 += per)
        cross_entropy_columns(z, labels, dz, scale, b0, std::min(per, batch - b0), buf, maxes, out);
      return out;
    }
  }
  for (Index b = 0; b < batch; ++b) {
    const T* zc = z.data() + b * k_n;
    const Index label = labels[std::size_t(b)];
    Index arg = 0;
    for (Index k = 1; k < k_n; ++k)
      if (zc[k] > zc[arg]) arg = k;
    if (arg == label) ++out.correct;
    if (kind == LossKind::cross_entropy) {
      const T m = zc[arg];
      T sum = 0;
      for (Index k = 0; k < k_n; ++k) sum += std::exp(zc[k] - m);
      const T log_sum = std::log(sum);
      out.loss += double(log_sum + m - zc[label]);
      if (dz) {
        T* d = dz->data() + b * k_n;
        const T inv = T(1) / sum;
        for (Index k = 0; k < k_n; ++k) d[k] = scale * std::exp(zc[k] - m) * inv;
        d[label] -= scale;
      }
    } else {
      double l = 0;
      T* d = dz ? dz->data() + b * k_n : nullptr;
      for (Index k = 0; k < k_n; ++k) {
        const T diff = zc[k] - (k == label ? T(1) : T(0));
        l += double(diff) * double(diff);
        if (d) d[k] = scale * T(2) * diff / T(k_n);
      }
      out.loss += l / double(k_n);
    }
  }
  return out;
}

template <class T>
void predict(const Matrix<T>& z, std::span<int32_t> out) {
  for (Index b = 0; b < z.cols(); ++b) {
    Index arg = 0;
    for (Index k = 1; k < z.rows(); ++k)
      if (z(k, b) > z(arg, b)) arg = k;
    out[std::size_t(b)] = int32_t(arg);
  }
}

template LossSum loss_and_gradient<float>(LossKind, const Matrix<float>&, std::span<const int32_t>,
                                          Matrix<float>*, float);
template LossSum loss_and_gradient<double>(LossKind, const Matrix<double>&,
                                           std::span<const int32_t>, Matrix<double>*, double);
template void predict<float>(const Matrix<float>&, std::span<int32_t>);
template void predict<double>(const Matrix<double>&, std::span<int32_t>);

}  // namespace ts
