// Inverted dropout: while training, each feature is kept with probability 1-p and scaled
// by 1/(1-p), so inference is the identity. The keep-and-scale mask is cached in `a` for
// backward. Its random numbers come from the shard's Rng (PassContext), so a run is
// reproducible whatever the thread count. The rate can be changed between steps.
#pragma once

#include "core/layers/layer.h"

namespace ts {

template <class T>
class Dropout final : public Layer<T> {
 public:
  Dropout(const LayerSpec& spec, Shape3 input);

  void forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>& cache,
               const PassContext& ctx) const override;
  void backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& y,
                const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                LayerCache<T>& cache) const override;
  void set_rate(double p) override;
  double rate() const { return rate_; }

 private:
  double rate_;
};

}  // namespace ts
