#include "core/layers/conv2d.h"

#include "core/error.h"
#include "core/layers/conv_gemm.h"
#include "core/layers/conv_winograd.h"
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

namespace {

// Where a convolution's im2col columns come from: an (h, w, c) image a sample, a k x k
// kernel at stride s over zero padding pad, giving (oh, ow) pixels of k*k*c taps.
struct ColumnGeometry {
  Index h, w, c, k, s, pad, oh, ow;
};

// About 512 KB of columns, so a chunk and its gradient stay in a core's L2 cache.
Index columns_per_chunk(Index taps) {
  constexpr Index kFloats = 131072;
  return std::clamp<Index>(kFloats / std::max<Index>(taps, 1) / 16 * 16, 16, 4096);
}

// Columns [first, first + count) into cols (ld k*k*c); column j is pixel j % (oh*ow) of
// sample j / (oh*ow), whose image starts at x + sample * h*w*c.
template <class T>
void im2col_columns(const ColumnGeometry& g, const T* x, Index first, Index count, T* cols) {
  const Index k = g.k, c = g.c, pixels = g.oh * g.ow, taps = k * k * c, image = g.h * g.w * c;
  for (Index j = 0; j < count; ++j) {
    const Index b = (first + j) / pixels, p = (first + j) % pixels;
    const Index oy = p / g.ow, ox = p % g.ow;
    const T* xs = x + b * image;
    T* col = cols + j * taps;
    for (Index ky = 0; ky < k; ++ky) {
      const Index iy = oy * g.s - g.pad + ky;
      T* dst = col + ky * k * c;
      if (iy < 0 || iy >= g.h) {
        std::fill(dst, dst + k * c, T(0));
        continue;
      }
      const Index ix0 = ox * g.s - g.pad;
      if (ix0 >= 0 && ix0 + k <= g.w) {
        std::memcpy(dst, xs + (iy * g.w + ix0) * c, sizeof(T) * std::size_t(k * c));
        continue;
      }
      for (Index kx = 0; kx < k; ++kx) {
        const Index ix = ix0 + kx;
        if (ix < 0 || ix >= g.w)
          std::fill(dst + kx * c, dst + (kx + 1) * c, T(0));
        else
          std::memcpy(dst + kx * c, xs + (iy * g.w + ix) * c, sizeof(T) * std::size_t(c));
      }
    }
  }
}

// An (h, w, c) image into `out` as (h + 2 pad, w + 2 pad, c), with zeros around it.
void pad_image(const float* x, Index h, Index w, Index c, Index pad, float* out) {
  const Index wp = w + 2 * pad, row = wp * c;
  std::fill(out, out + pad * row, 0.0f);
  for (Index iy = 0; iy < h; ++iy) {
    float* dst = out + (iy + pad) * row;
    std::fill(dst, dst + pad * c, 0.0f);
    std::copy(x + iy * w * c, x + (iy + 1) * w * c, dst + pad * c);
    std::fill(dst + (pad + w) * c, dst + row, 0.0f);
  }
  std::fill(out + (h + pad) * row, out + (h + 2 * pad) * row, 0.0f);
}

// At least `floats` values of m, which only ever grows: a scratch used at two shapes (the
// packed weights of forward and of the input gradient) is not reallocated at each change.
template <class T>
T* grown(Matrix<T>& m, Index floats) {
  if (m.size() < floats) m.resize(floats, 1);
  return m.data();
}

}  // namespace

template <class T>
Index Conv2d<T>::chunk_columns() const {
  return columns_per_chunk(taps_);
}

template <class T>
void Conv2d<T>::im2col(const Matrix<T>& x, Index first, Index count, Matrix<T>& cols) const {
  if (cols.rows() != taps_ || cols.cols() < count)
    cols.resize(taps_, std::max(count, chunk_columns()));
  const ColumnGeometry g{this->input_.height,  this->input_.width, this->input_.channels,
                         this->spec_.kernel,   this->spec_.stride, this->spec_.padding,
                         this->output_.height, this->output_.width};
  im2col_columns(g, x.data(), first, count, cols.data());
}

template <class T>
bool Conv2d<T>::input_grad_by_convolution() const {
  return std::is_same_v<T, float> && this->spec_.stride == 1 &&
         this->spec_.padding <= this->spec_.kernel - 1;
}

template <class T>
bool Conv2d<T>::by_images() const {
  return input_grad_by_convolution() && dense_gemm_vectorized();
}

template <class T>
bool Conv2d<T>::by_winograd(Index channels, Index oh, Index ow) const {
  return by_images() &&
         conv_winograd_applies(this->spec_.kernel, this->spec_.stride, channels, oh, ow);
}

template <class T>
void Conv2d<T>::winograd_convolve(std::span<const T> params, bool flip, bool transform, Index in_ch,
                                  Index out_ch, const T* b, const Matrix<T>& src, Index h, Index w,
                                  Index pad, Index oh, Index ow, Matrix<T>& dst,
                                  LayerCache<T>& cache, bool four) const {
  if constexpr (std::is_same_v<T, float>) {
    if (four && flip) throw Error(this->name() + ": F(4x4, 3x3) takes no flipped kernel");
    const Index uf = four ? conv_winograd4_weight_floats(in_ch, out_ch)
                          : conv_winograd_weight_floats(in_ch, out_ch);
    const Index scratch = four ? conv_winograd4_scratch_floats(in_ch, out_ch)
                               : conv_winograd_scratch_floats(in_ch, out_ch);
    float* u = grown(cache.c, uf + scratch);
    if (transform) {
      if (four)
        conv_winograd4_weights(params.data() + w_off_, in_ch, out_ch, u);
      else
        conv_winograd_weights(params.data() + w_off_, in_ch, out_ch, flip, u);
    }
    float* image = image_scratch(cache);
    for (Index s = 0; s < src.cols(); ++s) {
      pad_image(src.data() + s * src.rows(), h, w, in_ch, pad, image);
      float* out = dst.data() + s * dst.rows();
      if (four)
        conv_forward_winograd4(u, b, image, w + 2 * pad, in_ch, oh, ow, out, out_ch, u + uf);
      else
        conv_forward_winograd(u, b, image, w + 2 * pad, in_ch, oh, ow, out, out_ch, u + uf);
    }
  }
}

template <class T>
T* Conv2d<T>::image_scratch(LayerCache<T>& cache) const {
  // Large enough for a padded input and a padded output gradient, so that forward and
  // backward share it without resizing it back and forth.
  const Index k = this->spec_.kernel, pad = this->spec_.padding, q = k - 1 - pad;
  const Index in =
      (this->input_.height + 2 * pad) * (this->input_.width + 2 * pad) * this->input_.channels;
  const Index out = (this->output_.height + 2 * q) * (this->output_.width + 2 * q) * filters_;
  return grown(cache.b, std::max(in, out));
}

template <class T>
void Conv2d<T>::input_grad_convolved(std::span<const T> params, const Matrix<T>& dy, Matrix<T>& dx,
                                     LayerCache<T>& cache) const {
  if constexpr (std::is_same_v<T, float>) {
    // dx(c, iy, ix) = sum over (ky, kx, f) of W(f, k-1-ky, k-1-kx, c) dy(f, iy - q + ky,
    // ix - q + kx) with q = k-1-pad: a convolution of dy, padded by q, with the kernel
    // flipped and its filters and channels swapped; its columns come from dy.
    const Index k = this->spec_.kernel, c = this->input_.channels, f = filters_;
    const Index taps = k * k * f, cp = conv_padded_filters(c);
    const float* w = params.data() + w_off_;
    dx.resize(this->input_.size(), dy.cols());
    if (by_winograd(f, this->input_.height, this->input_.width)) {
      // dy's channels are this convolution's inputs, the layer's channels its filters.
      winograd_convolve(params, true, true, f, c, nullptr, dy, this->output_.height,
                        this->output_.width, k - 1 - this->spec_.padding, this->input_.height,
                        this->input_.width, dx, cache);
      return;
    }
    float* wt = grown(cache.c, cp * taps);
    for (Index ky = 0; ky < k; ++ky)
      for (Index kx = 0; kx < k; ++kx)
        for (Index o = 0; o < f; ++o) {
          float* row = wt + ((ky * k + kx) * f + o) * cp;
          const float* src = w + o * taps_ + ((k - 1 - ky) * k + (k - 1 - kx)) * c;
          std::copy(src, src + c, row);
          std::fill(row + c, row + cp, 0.0f);
        }
    const ColumnGeometry g{
        this->output_.height, this->output_.width, f, k, 1, k - 1 - this->spec_.padding,
        this->input_.height,  this->input_.width};
    if (by_images()) {
      // Each sample's dy, padded by q, convolved in place.
      const Index q = k - 1 - this->spec_.padding;
      float* image = image_scratch(cache);
      for (Index s = 0; s < dy.cols(); ++s) {
        pad_image(dy.data() + s * dy.rows(), this->output_.height, this->output_.width, f, q,
                  image);
        conv_forward_image(wt, nullptr, image, this->output_.width + 2 * q, f, k, 1,
                           this->input_.height, this->input_.width, dx.data() + s * dx.rows(), c);
      }
      return;
    }
    const Index total = this->input_.height * this->input_.width * dy.cols();
    const Index chunk = columns_per_chunk(taps);
    float* cols = grown(cache.b, taps * chunk);
    for (Index c0 = 0; c0 < total; c0 += chunk) {
      const Index n = std::min(chunk, total - c0);
      im2col_columns(g, dy.data(), c0, n, cols);
      conv_forward(wt, nullptr, cols, dx.data() + c0 * c, c, taps, n);
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
                        LayerCache<T>& cache, const PassContext& ctx) const {
  if (x.rows() != this->input_.size())
    throw Error(this->name() + ": input of " + std::to_string(x.rows()) + " values, expected " +
                std::to_string(this->input_.size()));
  const Index total = pixels_ * x.cols(), chunk = chunk_columns();
  const T* w = params.data() + w_off_;
  const T* b = params.data() + b_off_;
  y.resize(filters_ * pixels_, x.cols());
  if constexpr (std::is_same_v<T, float>) {
    const Index pad = this->spec_.padding, c = this->input_.channels;
    if (by_winograd(c, this->output_.height, this->output_.width)) {
      winograd_convolve(params, false, !ctx.same_weights, c, filters_, b, x, this->input_.height,
                        this->input_.width, pad, this->output_.height, this->output_.width, y,
                        cache, !ctx.training);
      return;
    }
    if (!ctx.same_weights)
      conv_pack_weights(w, filters_, taps_, grown(cache.c, conv_padded_filters(filters_) * taps_));
    if (by_images()) {
      // Each sample padded, its windows read in place: no columns.
      float* image = image_scratch(cache);
      for (Index s = 0; s < x.cols(); ++s) {
        pad_image(x.data() + s * x.rows(), this->input_.height, this->input_.width, c, pad, image);
        conv_forward_image(cache.c.data(), b, image, this->input_.width + 2 * pad, c,
                           this->spec_.kernel, 1, this->output_.height, this->output_.width,
                           y.data() + s * y.rows(), filters_);
      }
      return;
    }
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
  if constexpr (std::is_same_v<T, float>) {
    const Index pad = this->spec_.padding, c = this->input_.channels;
    if (by_winograd(c, this->output_.height, this->output_.width)) {
      // The transformed gradient summed over every tile of every sample, then turned back.
      const Index uf = conv_winograd_weight_floats(c, filters_);
      float* du = grown(cache.c, uf + conv_winograd_scratch_floats(c, filters_));
      std::fill(du, du + uf, 0.0f);
      float* image = image_scratch(cache);
      for (Index s = 0; s < x.cols(); ++s) {
        pad_image(x.data() + s * x.rows(), this->input_.height, this->input_.width, c, pad, image);
        conv_weight_grad_winograd(dy.data() + s * dy.rows(), image, this->input_.width + 2 * pad, c,
                                  this->output_.height, this->output_.width, filters_, du, du + uf);
      }
      if (total > 0) conv_winograd_unpack_weight_grad(du, c, filters_, dw, accumulate);
      if (dx) input_grad_convolved(params, dy, *dx, cache);
      return;
    }
    if (by_images()) {
      // Each sample's windows read in place, the pixels in the columns' order.
      float* image = image_scratch(cache);
      grown(cache.c, conv_padded_filters(filters_) * taps_);
      for (Index s = 0; s < x.cols(); ++s) {
        pad_image(x.data() + s * x.rows(), this->input_.height, this->input_.width, c, pad, image);
        conv_weight_grad_image(dy.data() + s * dy.rows(), image, this->input_.width + 2 * pad, c,
                               this->spec_.kernel, 1, this->output_.height, this->output_.width,
                               cache.c.data(), filters_, s > 0);
      }
      if (total > 0) conv_unpack_weight_grad(cache.c.data(), filters_, taps_, dw, accumulate);
      if (dx) input_grad_convolved(params, dy, *dx, cache);
      return;
    }
  }
  // The input gradient is a convolution of dy after the weight gradient, or else taken a
  // chunk at a time as dcols = Wᵀ dy and added back by col2im.
  const bool convolved = input_grad_by_convolution();
  Matrix<T>* by_columns = convolved ? nullptr : dx;
  if (by_columns) by_columns->setZero(this->input_.size(), dy.cols());
  if (by_columns && (cache.b.rows() != taps_ || cache.b.cols() < chunk))
    cache.b.resize(taps_, chunk);
  if constexpr (std::is_same_v<T, float>) grown(cache.c, conv_padded_filters(filters_) * taps_);
  // Chunk by chunk: the columns are rebuilt from x rather than kept from forward, which
  // keeps them in cache; dW takes the pixels in order across the chunks.
  for (Index c0 = 0; c0 < total; c0 += chunk) {
    const Index n = std::min(chunk, total - c0);
    im2col(x, c0, n, cache.a);
    const T* dyc = dy.data() + c0 * filters_;
    if constexpr (std::is_same_v<T, float>) {
      conv_weight_grad_t(dyc, cache.a.data(), cache.c.data(), filters_, taps_, n, c0 > 0);
      if (by_columns) dense_input_grad(w, dyc, cache.b.data(), filters_, taps_, n);
    } else {
      const ConstMatrixMap<T> dym(dyc, filters_, n);
      RowMatrixMap<T> dwm(dw, filters_, taps_);
      if (c0 == 0)
        dwm.noalias() = dym * cache.a.leftCols(n).transpose();
      else
        dwm.noalias() += dym * cache.a.leftCols(n).transpose();
      if (by_columns)
        cache.b.leftCols(n).noalias() = ConstRowMatrixMap<T>(w, filters_, taps_).transpose() * dym;
    }
    if (by_columns) col2im_add(cache.b, c0, n, *by_columns);
  }
  if constexpr (std::is_same_v<T, float>)
    if (total > 0) conv_unpack_weight_grad(cache.c.data(), filters_, taps_, dw, accumulate);
  if (dx && convolved) input_grad_convolved(params, dy, *dx, cache);
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
