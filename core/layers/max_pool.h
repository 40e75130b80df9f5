// Max-pooling over square windows (spec.pool) with a stride (spec.pool_stride), per
// channel, no padding. Input (H, W, C) height-width-channel, output
// ((H-p)/s+1, (W-p)/s+1, C). Caches the arg-max feature index of each output.
#pragma once

#include "core/layers/layer.h"

namespace ts {

template <class T>
class MaxPool final : public Layer<T> {
 public:
  MaxPool(const LayerSpec& spec, Shape3 input);

  void forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>& cache,
               const PassContext& ctx) const override;
  void backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& y,
                const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                LayerCache<T>& cache) const override;
};

}  // namespace ts
