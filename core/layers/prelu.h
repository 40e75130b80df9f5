// Parametric ReLU (He et al. 2015): y = x if x > 0 else a_c x, with one learned slope per
// channel ("<name>.slope", initialized to 0.25). Feature f belongs to channel f mod C,
// where C is the input's channel count (for a flat input every unit is its own channel).
// y has x's shape. Caches nothing.
#pragma once

#include "core/layers/layer.h"

namespace ts {

template <class T>
class PRelu final : public Layer<T> {
 public:
  PRelu(const LayerSpec& spec, Shape3 input) : Layer<T>(spec, input, input) {}

  void declare(Parameters<T>& p) override;
  long slope_index() const { return slope_; }

  void forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>& cache,
               const PassContext& ctx) const override;
  void backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& y,
                const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                LayerCache<T>& cache) const override;

 private:
  long slope_ = -1;
  std::size_t off_ = 0;
};

}  // namespace ts
