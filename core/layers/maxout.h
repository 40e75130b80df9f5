// Maxout (Goodfellow et al. 2013): output j is the maximum of k consecutive input
// features j*k .. j*k+k-1 (k = spec.pieces). For image inputs (channel fastest) that is the
// maximum over groups of k channels at each pixel, so C must be a multiple of k.
//   x: (F, B) -> y: (F/k, B). Caches the arg-max of each output in `indices`.
#pragma once

#include "core/layers/layer.h"

namespace ts {

template <class T>
class Maxout final : public Layer<T> {
 public:
  Maxout(const LayerSpec& spec, Shape3 input);

  void forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>& cache,
               const PassContext& ctx) const override;
  void backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& y,
                const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                LayerCache<T>& cache) const override;
};

}  // namespace ts
