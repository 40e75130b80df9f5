#include "core/layers/conv2d.h"

#include "core/error.h"

#include <algorithm>
#include <cstring>

namespace ts {

namespace {
Shape3 conv_output(const LayerSpec& spec, Shape3 in) {
  if (spec.filters <= 0) throw Error(spec.name + ": conv2d needs filters > 0");
  if (spec.kernel <= 0) throw Error(spec.name + ": conv2d needs kernel > 0");
  if (spec.stride <= 0) throw Error(spec.name + ": conv2d needs stride > 0");
  if (spec.padding < 0) throw Error(spec.name + ": conv2d needs padding >= 0");
  const Index oh = (in.height + 2 * spec.padding - spec.kernel) / spec.stride + 1;
  const Index ow = (in.width + 2 * spec.padding - spec.kernel) / spec.stride + 1;
  if (in.height + 2 * spec.padding < spec.kernel || in.width + 2 * spec.padding < spec.kernel)
    throw Error(spec.name + ": kernel " + std::to_string(spec.kernel) +
                " does not fit the padded input " + to_string(in));
  return Shape3{oh, ow, spec.filters};
}
}  // namespace

template <class T>
Conv2d<T>::Conv2d(const LayerSpec& spec, Shape3 input)
    : Layer<T>(spec, input, conv_output(spec, input)),
      filters_(spec.filters),
      taps_(spec.kernel * spec.kernel * input.channels),
      pixels_(this->output_.height * this->output_.width) {}

template <class T>
void Conv2d<T>::declare(Parameters<T>& p) {
  const Index k = this->spec_.kernel;
  weight_ = static_cast<long>(
      p.add(this->name() + ".weight", {filters_, k, k, this->input_.channels}, true));
  w_off_ = p.info(weight_).offset;
  bias_ = static_cast<long>(p.add(this->name() + ".bias", {filters_}, false));
  b_off_ = p.info(bias_).offset;
}

template <class T>
double Conv2d<T>::flops_per_sample() const {
  return 6.0 * double(filters_) * double(taps_) * double(pixels_);
}

template <class T>
void Conv2d<T>::im2col(const Matrix<T>& x, Matrix<T>& cols) const {
  const Index k = this->spec_.kernel, s = this->spec_.stride, pad = this->spec_.padding;
  const Index h = this->input_.height, w = this->input_.width, c = this->input_.channels;
  const Index oh = this->output_.height, ow = this->output_.width;
  const Index batch = x.cols();
  cols.resize(taps_, pixels_ * batch);
  for (Index b = 0; b < batch; ++b) {
    const T* xs = x.data() + b * x.rows();
    for (Index oy = 0; oy < oh; ++oy)
      for (Index ox = 0; ox < ow; ++ox) {
        T* col = cols.data() + (b * pixels_ + oy * ow + ox) * taps_;
        for (Index ky = 0; ky < k; ++ky) {
          const Index iy = oy * s - pad + ky;
          T* dst = col + ky * k * c;
          if (iy < 0 || iy >= h) {
            std::fill(dst, dst + k * c, T(0));
            continue;
          }
          const Index ix0 = ox * s - pad;
          if (ix0 >= 0 && ix0 + k <= w) {
            std::memcpy(dst, xs + (iy * w + ix0) * c, sizeof(T) * std::size_t(k * c));
            continue;
          }
          for (Index kx = 0; kx < k; ++kx) {
            const Index ix = ix0 + kx;
            if (ix < 0 || ix >= w)
              std::fill(dst + kx * c, dst + (kx + 1) * c, T(0));
            else
              std::memcpy(dst + kx * c, xs + (iy * w + ix) * c, sizeof(T) * std::size_t(c));
          }
        }
      }
  }
}

template <class T>
void Conv2d<T>::col2im(const Matrix<T>& cols, Matrix<T>& dx) const {
  const Index k = this->spec_.kernel, s = this->spec_.stride, pad = this->spec_.padding;
  const Index h = this->input_.height, w = this->input_.width, c = this->input_.channels;
  const Index oh = this->output_.height, ow = this->output_.width;
  const Index batch = cols.cols() / pixels_;
  dx.setZero(this->input_.size(), batch);
  for (Index b = 0; b < batch; ++b) {
    T* d = dx.data() + b * dx.rows();
    for (Index oy = 0; oy < oh; ++oy)
      for (Index ox = 0; ox < ow; ++ox) {
        const T* col = cols.data() + (b * pixels_ + oy * ow + ox) * taps_;
        for (Index ky = 0; ky < k; ++ky) {
          const Index iy = oy * s - pad + ky;
          if (iy < 0 || iy >= h) continue;
          for (Index kx = 0; kx < k; ++kx) {
            const Index ix = ox * s - pad + kx;
            if (ix < 0 || ix >= w) continue;
            T* dst = d + (iy * w + ix) * c;
            const T* src = col + (ky * k + kx) * c;
            for (Index ch = 0; ch < c; ++ch) dst[ch] += src[ch];
          }
        }
      }
  }
}

template <class T>
void Conv2d<T>::forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y,
                        LayerCache<T>& cache, const PassContext&) const {
  const Index batch = x.cols();
  im2col(x, cache.a);
  ConstRowMatrixMap<T> wm(params.data() + w_off_, filters_, taps_);
  ConstVectorMap<T> bias(params.data() + b_off_, filters_);
  y.resize(filters_ * pixels_, batch);
  MatrixMap<T> ym(y.data(), filters_, pixels_ * batch);
  ym.noalias() = wm * cache.a;
  ym.colwise() += bias;
}

template <class T>
void Conv2d<T>::backward(std::span<const T> params, const Matrix<T>&, const Matrix<T>&,
                         const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                         LayerCache<T>& cache) const {
  const Index batch = dy.cols();
  ConstMatrixMap<T> dym(dy.data(), filters_, pixels_ * batch);
  RowMatrixMap<T> dw(grads.data() + w_off_, filters_, taps_);
  VectorMap<T> db(grads.data() + b_off_, filters_);
  dw.noalias() = dym * cache.a.transpose();
  db.noalias() = dym.rowwise().sum();
  if (dx) {
    ConstRowMatrixMap<T> wm(params.data() + w_off_, filters_, taps_);
    cache.b.resize(taps_, pixels_ * batch);
    cache.b.noalias() = wm.transpose() * dym;
    col2im(cache.b, *dx);
  }
}

template <class T>
Matrix<T> conv2d_direct(const LayerSpec& spec, Shape3 in, std::span<const T> weight,
                        std::span<const T> bias, const Matrix<T>& x) {
  const Shape3 out = conv_output(spec, in);
  const Index k = spec.kernel, s = spec.stride, pad = spec.padding;
  Matrix<T> y(out.size(), x.cols());
  for (Index b = 0; b < x.cols(); ++b)
    for (Index oy = 0; oy < out.height; ++oy)
      for (Index ox = 0; ox < out.width; ++ox)
        for (Index f = 0; f < out.channels; ++f) {
          T acc = bias[std::size_t(f)];
          for (Index ky = 0; ky < k; ++ky)
            for (Index kx = 0; kx < k; ++kx)
              for (Index c = 0; c < in.channels; ++c) {
                const Index iy = oy * s - pad + ky, ix = ox * s - pad + kx;
                if (iy < 0 || iy >= in.height || ix < 0 || ix >= in.width) continue;
                acc += weight[std::size_t(((f * k + ky) * k + kx) * in.channels + c)] *
                       x((iy * in.width + ix) * in.channels + c, b);
              }
          y((oy * out.width + ox) * out.channels + f, b) = acc;
        }
  return y;
}

template class Conv2d<float>;
template class Conv2d<double>;
template Matrix<float> conv2d_direct<float>(const LayerSpec&, Shape3, std::span<const float>,
                                            std::span<const float>, const Matrix<float>&);
template Matrix<double> conv2d_direct<double>(const LayerSpec&, Shape3, std::span<const double>,
                                              std::span<const double>, const Matrix<double>&);

}  // namespace ts
