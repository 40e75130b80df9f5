#include "core/layers/dense.h"

#include "core/error.h"
#include "core/layers/dense_gemm.h"

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
void Dense<T>::forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>&,
                       const PassContext& ctx) const {
  if (x.rows() != in_)
    throw Error(this->name() + ": input of " + std::to_string(x.rows()) + " features, expected " +
                std::to_string(in_));
  y.resize(out_, x.cols());
  if constexpr (std::is_same_v<T, float>) {
    // Inference may take other kernels (long rows); training's forward keeps dense_forward's,
    // whose rows dense_forward_rows reproduces.
    (ctx.training ? dense_forward : dense_infer)(params.data() + w_off_, params.data() + b_off_,
                                                 x.data(), y.data(), out_, in_, x.cols());
  } else {  // the double network of the gradient checks, and the kernels' oracle
    y.noalias() = ConstRowMatrixMap<T>(params.data() + w_off_, out_, in_) * x;
    y.colwise() += ConstVectorMap<T>(params.data() + b_off_, out_);
  }
}

template <class T>
bool Dense<T>::can_accumulate() const {
  if constexpr (std::is_same_v<T, float>) return dense_gemm_vectorized();
  return false;
}

template <class T>
void Dense<T>::backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>&,
                        const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                        LayerCache<T>&) const {
  backward_impl(params, x, dy, dx, grads, false);
}

template <class T>
void Dense<T>::backward_accumulate(std::span<const T> params, const Matrix<T>& x, const Matrix<T>&,
                                   const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                                   LayerCache<T>&) const {
  if (!can_accumulate()) throw Error(this->name() + ": only float layers add their gradients");
  backward_impl(params, x, dy, dx, grads, true);
}

template <class T>
void Dense<T>::backward_impl(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& dy,
                             Matrix<T>* dx, std::span<T> grads, bool accumulate) const {
  if (x.rows() != in_ || dy.rows() != out_ || dy.cols() != x.cols())
    throw Error(this->name() + ": backward got an input or output gradient of the wrong shape");
  if (dx) dx->resize(in_, dy.cols());
  if constexpr (std::is_same_v<T, float>) {
    dense_weight_grad(dy.data(), x.data(), grads.data() + w_off_, grads.data() + b_off_, out_, in_,
                      dy.cols(), accumulate);
    if (dx) dense_input_grad(params.data() + w_off_, dy.data(), dx->data(), out_, in_, dy.cols());
  } else {
    (void)accumulate;  // never set: can_accumulate() is false in double
    RowMatrixMap<T>(grads.data() + w_off_, out_, in_).noalias() = dy * x.transpose();
    VectorMap<T>(grads.data() + b_off_, out_).noalias() = dy.rowwise().sum();
    if (dx)
      dx->noalias() = ConstRowMatrixMap<T>(params.data() + w_off_, out_, in_).transpose() * dy;
  }
}

template <class T>
void Dense<T>::backward_bias(const Matrix<T>& dy, std::span<T> grads, bool accumulate) const {
  if (!can_accumulate())
    throw Error(this->name() + ": only float layers split their backward pass");
  if (dy.rows() != out_)
    throw Error(this->name() + ": backward got an output gradient of the wrong shape");
  if constexpr (std::is_same_v<T, float>)
    dense_bias_grad(dy.data(), grads.data() + b_off_, out_, dy.cols(), accumulate);
}

template <class T>
void Dense<T>::weight_grad_rows(ConstColumnsRef<T> x, const Matrix<T>& dy, std::span<T> grads,
                                Index r0, Index r1, bool accumulate) const {
  if (!can_accumulate())
    throw Error(this->name() + ": only float layers split their backward pass");
  if (x.rows() != in_ || x.outerStride() != in_ || dy.rows() != out_ || dy.cols() != x.cols() ||
      r0 < 0 || r1 > out_ || r0 > r1)
    throw Error(this->name() + ": weight gradient rows of the wrong shape or range");
  if constexpr (std::is_same_v<T, float>)
    dense_weight_grad_rows(dy.data(), x.data(), grads.data() + w_off_, out_, in_, dy.cols(), r0, r1,
                           accumulate);
}

template <class T>
void Dense<T>::forward_rows(std::span<const T> params, ConstColumnsRef<T> x, Matrix<T>& y, Index r0,
                            Index r1) const {
  if (!can_accumulate()) throw Error(this->name() + ": only float layers split their forward pass");
  if (x.rows() != in_ || x.outerStride() != in_ || y.rows() != out_ || y.cols() != x.cols() ||
      r0 < 0 || r1 > out_ || r0 > r1)
    throw Error(this->name() + ": forward rows of the wrong shape or range");
  if constexpr (std::is_same_v<T, float>)
    dense_forward_rows(params.data() + w_off_, params.data() + b_off_, x.data(), y.data(), out_,
                       in_, x.cols(), r0, r1);
}

template class Dense<float>;
template class Dense<double>;

}  // namespace ts
