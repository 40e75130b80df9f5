#include "core/layers/dense.h"

#include "core/error.h"

namespace ts {

template <class T>
Dense<T>::Dense(const LayerSpec& spec, Shape3 input)
    : Layer<T>(spec, input, Shape3{1, 1, spec.units}), in_(input.size()), out_(spec.units) {
  if (spec.units <= 0) throw Error(spec.name + ": dense layer needs units > 0");
}

template <class T>
void Dense<T>::declare(Parameters<T>& p) {
  weight_ = static_cast<long>(p.add(this->name() + ".weight", {out_, in_}, true));
  w_off_ = p.info(weight_).offset;
  bias_ = static_cast<long>(p.add(this->name() + ".bias", {out_}, false));
  b_off_ = p.info(bias_).offset;
}

template <class T>
void Dense<T>::forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y,
                       LayerCache<T>&, const PassContext&) const {
  ConstRowMatrixMap<T> w(params.data() + w_off_, out_, in_);
  ConstVectorMap<T> b(params.data() + b_off_, out_);
  y.resize(out_, x.cols());
  y.noalias() = w * x;
  y.colwise() += b;
}

template <class T>
void Dense<T>::backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>&,
                        const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                        LayerCache<T>&) const {
  ConstRowMatrixMap<T> w(params.data() + w_off_, out_, in_);
  RowMatrixMap<T> dw(grads.data() + w_off_, out_, in_);
  VectorMap<T> db(grads.data() + b_off_, out_);
  dw.noalias() = dy * x.transpose();
  db.noalias() = dy.rowwise().sum();
  if (dx) {
    dx->resize(in_, dy.cols());
    dx->noalias() = w.transpose() * dy;
  }
}

template class Dense<float>;
template class Dense<double>;

}  // namespace ts
