// Flatten: (H, W, C) -> (1, 1, H*W*C). The memory order is unchanged (height-width-channel),
// so forward and backward are copies. Caches nothing.
#pragma once

#include "core/layers/layer.h"

namespace ts {

template <class T>
class Flatten final : public Layer<T> {
 public:
  Flatten(const LayerSpec& spec, Shape3 input)
      : Layer<T>(spec, input, Shape3{1, 1, input.size()}) {}

  void forward(std::span<const T>, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>&,
               const PassContext&) const override {
    y = x;
  }
  void backward(std::span<const T>, const Matrix<T>&, const Matrix<T>&, const Matrix<T>& dy,
                Matrix<T>* dx, std::span<T>, LayerCache<T>&) const override {
    if (dx) *dx = dy;
  }
};

}  // namespace ts
