#include "core/layers/conv2d.h"

#include "core/error.h"
#include "core/layers/conv_gemm.h"
#include "core/layers/dense_gemm.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

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
Index Conv2d<T>::chunk_columns() const {
  // About 512 KB of columns, so a chunk and its gradient stay in a core's L2 cache.
  constexpr Index kFloats = 131072;
  return std::clamp<Index>(kFloats / std::max<Index>(taps_, 1) / 16 * 16, 16, 4096);
}

template <class T>
void Conv2d<T>::im2col(const Matrix<T>& x, Index first, Index count, Matrix<T>& cols) const {
  const Index k = this->spec_.kernel, s = this->spec_.stride, pad = this->spec_.padding;
  const Index h = this->input_.height, w = this->input_.width, c = this->input_.channels;
  const Index ow = this->output_.width;
  if (cols.rows() != taps_ || cols.cols() < count)
    cols.resize(taps_, std::max(count, chunk_columns()));
  for (Index j = 0; j < count; ++j) {
    const Index b = (first + j) / pixels_, p = (first + j) % pixels_;
    const Index oy = p / ow, ox = p % ow;
    const T* xs = x.data() + b * x.rows();
    T* col = cols.data() + j * taps_;
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

template <class T>
void Conv2d<T>::col2im_add(const Matrix<T>& cols, Index first, Index count, Matrix<T>& dx) const {
  const Index k = this->spec_.kernel, s = this->spec_.stride, pad = this->spec_.padding;
  const Index h = this->input_.height, w = this->input_.width, c = this->input_.channels;
  const Index ow = this->output_.width;
  for (Index j = 0; j < count; ++j) {
    const Index b = (first + j) / pixels_, p = (first + j) % pixels_;
    const Index oy = p / ow, ox = p % ow;
    T* d = dx.data() + b * dx.rows();
    const T* col = cols.data() + j * taps_;
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

template <class T>
void Conv2d<T>::forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y,
                        LayerCache<T>& cache, const PassContext&) const {
  if (x.rows() != this->input_.size())
    throw Error(this->name() + ": input of " + std::to_string(x.rows()) + " values, expected " +
                std::to_string(this->input_.size()));
  const Index total = pixels_ * x.cols(), chunk = chunk_columns();
  const T* w = params.data() + w_off_;
  const T* b = params.data() + b_off_;
  y.resize(filters_ * pixels_, x.cols());
  if constexpr (std::is_same_v<T, float>) {
    cache.c.resize(conv_padded_filters(filters_), taps_);
    conv_pack_weights(w, filters_, taps_, cache.c.data());
  }
  for (Index c0 = 0; c0 < total; c0 += chunk) {
    const Index n = std::min(chunk, total - c0);
    im2col(x, c0, n, cache.a);
    T* out = y.data() + c0 * filters_;
    if constexpr (std::is_same_v<T, float>) {
      conv_forward(cache.c.data(), b, cache.a.data(), out, filters_, taps_, n);
    } else {
      MatrixMap<T> ym(out, filters_, n);
      ym.noalias() = ConstRowMatrixMap<T>(w, filters_, taps_) * cache.a.leftCols(n);
      ym.colwise() += ConstVectorMap<T>(b, filters_);
    }
  }
}

template <class T>
void Conv2d<T>::backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>&,
                         const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                         LayerCache<T>& cache) const {
  backward_impl(params, x, dy, dx, grads, cache, false);
}

template <class T>
void Conv2d<T>::backward_accumulate(std::span<const T> params, const Matrix<T>& x, const Matrix<T>&,
                                    const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                                    LayerCache<T>& cache) const {
  if (!can_accumulate()) throw Error(this->name() + ": only float layers add their gradients");
  backward_impl(params, x, dy, dx, grads, cache, true);
}

template <class T>
void Conv2d<T>::backward_impl(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& dy,
                              Matrix<T>* dx, std::span<T> grads, LayerCache<T>& cache,
                              bool accumulate) const {
  const Index total = pixels_ * dy.cols(), chunk = chunk_columns();
  const T* w = params.data() + w_off_;
  T* dw = grads.data() + w_off_;
  if (dy.rows() != filters_ * pixels_ || x.cols() != dy.cols())
    throw Error(this->name() + ": backward got an output gradient of the wrong shape");
  if constexpr (std::is_same_v<T, float>) {
    dense_bias_grad(dy.data(), grads.data() + b_off_, filters_, total, accumulate);
  } else {
    (void)accumulate;  // never set: can_accumulate() is false in double
    VectorMap<T>(grads.data() + b_off_, filters_).noalias() =
        ConstMatrixMap<T>(dy.data(), filters_, total).rowwise().sum();
  }
  // No columns: nothing to add.
  if (total == 0 && !accumulate) RowMatrixMap<T>(dw, filters_, taps_).setZero();
  if (dx) dx->setZero(this->input_.size(), dy.cols());
  if (dx && (cache.b.rows() != taps_ || cache.b.cols() < chunk)) cache.b.resize(taps_, chunk);
  if constexpr (std::is_same_v<T, float>) cache.c.resize(conv_padded_filters(filters_), taps_);
  // Chunk by chunk: the columns are rebuilt from x rather than kept from forward, which
  // keeps them in cache; dW takes the pixels in order across the chunks.
  for (Index c0 = 0; c0 < total; c0 += chunk) {
    const Index n = std::min(chunk, total - c0);
    im2col(x, c0, n, cache.a);
    const T* dyc = dy.data() + c0 * filters_;
    if constexpr (std::is_same_v<T, float>) {
      conv_weight_grad_t(dyc, cache.a.data(), cache.c.data(), filters_, taps_, n, c0 > 0);
      if (dx) dense_input_grad(w, dyc, cache.b.data(), filters_, taps_, n);
    } else {
      const ConstMatrixMap<T> dym(dyc, filters_, n);
      RowMatrixMap<T> dwm(dw, filters_, taps_);
      if (c0 == 0)
        dwm.noalias() = dym * cache.a.leftCols(n).transpose();
      else
        dwm.noalias() += dym * cache.a.leftCols(n).transpose();
      if (dx)
        cache.b.leftCols(n).noalias() = ConstRowMatrixMap<T>(w, filters_, taps_).transpose() * dym;
    }
    if (dx) col2im_add(cache.b, c0, n, *dx);
  }
  if constexpr (std::is_same_v<T, float>)
    if (total > 0) conv_unpack_weight_grad(cache.c.data(), filters_, taps_, dw, accumulate);
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
