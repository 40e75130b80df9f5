// Element-wise activations as layers: sigmoid, tanh, ReLU, leaky ReLU, ELU, SELU, GELU,
// identity. y has x's shape. Caches nothing: backward reads x or y.
//   sigmoid y = 1/(1+e^-x)              dy/dx = y(1-y)
//   tanh    y = tanh x                  dy/dx = 1-y^2
//   relu    y = max(x, 0)               dy/dx = [x > 0]
//   leaky   y = x if x > 0 else a x     dy/dx = 1 or a          (a = activation_alpha(spec):
//   elu     y = x if x > 0 else a(e^x-1) dy/dx = 1 or y + a      spec.alpha, else leaky 0.01, ELU
//   1) selu    y = l x if x > 0 else l a(e^x-1), l = 1.0507009873554805, a = 1.6732632423543772
//   gelu    y = x Phi(x) (exact, erf)  dy/dx = Phi(x) + x phi(x)
#pragma once

#include "core/layers/layer.h"

namespace ts {

inline constexpr double kSeluLambda = 1.0507009873554804934193349852946;
inline constexpr double kSeluAlpha = 1.6732632423543772848170429916717;

template <class T>
class Activation final : public Layer<T> {
 public:
  Activation(const LayerSpec& spec, Shape3 input) : Layer<T>(spec, input, input) {}

  void forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>& cache,
               const PassContext& ctx) const override;
  void backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& y,
                const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                LayerCache<T>& cache) const override;
  double flops_per_sample() const override { return 0.0; }
  bool works_in_place() const override { return true; }  // every kind is elementwise
};

// Applies an activation to a value; exposed for tests and for the analyses.
template <class T>
T activate(ActivationKind kind, T x, T alpha);

}  // namespace ts
