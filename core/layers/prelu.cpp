#include "core/layers/prelu.h"

namespace ts {

template <class T>
void PRelu<T>::declare(Parameters<T>& p) {
  slope_ = static_cast<long>(p.add(this->name() + ".slope", {this->input_.channels}, false));
  off_ = p.info(slope_).offset;
}

template <class T>
void PRelu<T>::forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>&,
                       const PassContext&) const {
  const Index channels = this->input_.channels;
  const T* a = params.data() + off_;
  y.resize(x.rows(), x.cols());
  for (Index b = 0; b < x.cols(); ++b) {
    const T* xs = x.data() + b * x.rows();
    T* ys = y.data() + b * x.rows();
    for (Index f = 0; f < x.rows(); ++f) {
      const T v = xs[f];
      ys[f] = v > T(0) ? v : a[f % channels] * v;
    }
  }
}

template <class T>
void PRelu<T>::backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>&,
                        const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                        LayerCache<T>&) const {
  const Index channels = this->input_.channels;
  const T* a = params.data() + off_;
  T* da = grads.data() + off_;
  for (Index c = 0; c < channels; ++c) da[c] = T(0);
  if (dx) dx->resize(x.rows(), x.cols());
  for (Index b = 0; b < x.cols(); ++b) {
    const T* xs = x.data() + b * x.rows();
    const T* gs = dy.data() + b * x.rows();
    T* out = dx ? dx->data() + b * x.rows() : nullptr;
    for (Index f = 0; f < x.rows(); ++f) {
      const Index c = f % channels;
      const bool pos = xs[f] > T(0);
      if (!pos) da[c] += gs[f] * xs[f];
      if (out) out[f] = pos ? gs[f] : a[c] * gs[f];
    }
  }
}

template class PRelu<float>;
template class PRelu<double>;

}  // namespace ts
