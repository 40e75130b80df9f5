#include "core/layers/activation.h"

#include "core/layers/double_activations.h"

#include <cmath>
#include <type_traits>

namespace ts {

namespace {

// One value through an array function of core/layers/double_activations: the layer's own, for
// the same bits.
template <class F>
double one_value(F f, double x) {
  double y;
  f(&x, &y, 1);
  return y;
}

}  // namespace

template <class T>
T activate(ActivationKind kind, T x, T alpha) {
  switch (kind) {
    case ActivationKind::identity:
      return x;
    case ActivationKind::sigmoid:
      if constexpr (std::is_same_v<T, double>) {
        return one_value(sigmoid_double, x);
      } else {
        return T(1) / (T(1) + std::exp(-x));
      }
    case ActivationKind::tanh:
      if constexpr (std::is_same_v<T, double>) {
        return one_value(tanh_double, x);
      } else {
        return std::tanh(x);
      }
    case ActivationKind::relu:
      return x > T(0) ? x : T(0);
    case ActivationKind::leaky_relu:
      return x > T(0) ? x : alpha * x;
    case ActivationKind::elu:
      if constexpr (std::is_same_v<T, double>) {
        return one_value(
            [alpha](const double* v, double* y, std::size_t n) { elu_double(v, y, n, alpha); }, x);
      } else {
        return x > T(0) ? x : alpha * std::expm1(x);
      }
    case ActivationKind::selu:
      return T(kSeluLambda) * (x > T(0) ? x : T(kSeluAlpha) * std::expm1(x));
    case ActivationKind::gelu:
      return x * T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2)));
  }
  return x;
}

template <class T>
void Activation<T>::forward(std::span<const T>, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>&,
                            const PassContext&) const {
  y.resize(x.rows(), x.cols());
  const auto xa = x.array();
  auto ya = y.array();
  const T alpha = T(activation_alpha(this->spec_));
  switch (this->spec_.activation) {
    case ActivationKind::identity:
      ya = xa;
      break;
    case ActivationKind::sigmoid:
      // Eigen's double e^x takes the last few values of an array by another function than the
      // rest: the same value could get other bits elsewhere.
      if constexpr (std::is_same_v<T, double>)
        sigmoid_double(x.data(), y.data(), std::size_t(x.size()));
      else
        ya = T(1) / (T(1) + (-xa).exp());
      break;
    case ActivationKind::tanh:
      // Eigen's double tanh is the C library's, an element at a time.
      if constexpr (std::is_same_v<T, double>)
        tanh_double(x.data(), y.data(), std::size_t(x.size()));
      else
        ya = xa.tanh();
      break;
    case ActivationKind::relu:
      ya = xa.max(T(0));
      break;
    case ActivationKind::leaky_relu:
      ya = (xa > T(0)).select(xa, alpha * xa);
      break;
    case ActivationKind::elu:
      if constexpr (std::is_same_v<T, double>)
        elu_double(x.data(), y.data(), std::size_t(x.size()), alpha);
      else
        ya = (xa > T(0)).select(xa, alpha * (xa.exp() - T(1)));
      break;
    case ActivationKind::selu:
      ya = T(kSeluLambda) * (xa > T(0)).select(xa, T(kSeluAlpha) * (xa.exp() - T(1)));
      break;
    case ActivationKind::gelu:
      ya = xa.unaryExpr([](T v) { return v * T(0.5) * (T(1) + std::erf(v * T(M_SQRT1_2))); });
      break;
  }
}

template <class T>
void Activation<T>::backward(std::span<const T>, const Matrix<T>& x, const Matrix<T>& y,
                             const Matrix<T>& dy, Matrix<T>* dx, std::span<T>,
                             LayerCache<T>&) const {
  if (!dx) return;
  dx->resize(x.rows(), x.cols());
  const auto xa = x.array();
  const auto ya = y.array();
  const auto ga = dy.array();
  auto out = dx->array();
  const T alpha = T(activation_alpha(this->spec_));
  switch (this->spec_.activation) {
    case ActivationKind::identity:
      out = ga;
      break;
    case ActivationKind::sigmoid:
      out = ga * ya * (T(1) - ya);
      break;
    case ActivationKind::tanh:
      out = ga * (T(1) - ya.square());
      break;
    case ActivationKind::relu:
      out = (xa > T(0)).select(ga, T(0));
      break;
    case ActivationKind::leaky_relu:
      out = (xa > T(0)).select(ga, alpha * ga);
      break;
    case ActivationKind::elu:
      out = (xa > T(0)).select(ga, ga * (ya + alpha));
      break;
    case ActivationKind::selu:
      out = (xa > T(0)).select(T(kSeluLambda) * ga, ga * (ya + T(kSeluLambda * kSeluAlpha)));
      break;
    case ActivationKind::gelu:
      out = ga * xa.unaryExpr([](T v) {
        const T cdf = T(0.5) * (T(1) + std::erf(v * T(M_SQRT1_2)));
        const T pdf = std::exp(T(-0.5) * v * v) * T(0.3989422804014327);
        return cdf + v * pdf;
      });
      break;
  }
}

template float activate<float>(ActivationKind, float, float);
template double activate<double>(ActivationKind, double, double);
template class Activation<float>;
template class Activation<double>;

}  // namespace ts
