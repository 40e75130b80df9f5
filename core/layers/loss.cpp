#include "core/layers/loss.h"

#include <cmath>

namespace ts {

const char* to_string(LossKind k) { return k == LossKind::cross_entropy ? "cross_entropy" : "mse"; }

std::optional<LossKind> loss_kind_from_string(std::string_view s) {
  if (s == "cross_entropy") return LossKind::cross_entropy;
  if (s == "mse") return LossKind::mse;
  return std::nullopt;
}

template <class T>
LossSum loss_and_gradient(LossKind kind, const Matrix<T>& z, std::span<const int32_t> labels,
                          Matrix<T>* dz, T scale) {
  const Index k_n = z.rows(), batch = z.cols();
  if (dz) dz->resize(k_n, batch);
  LossSum out;
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
