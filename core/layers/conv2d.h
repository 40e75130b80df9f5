// 2-D convolution by im2col + GEMM, square kernels, zero padding, stride.
//   input (H, W, C), output (OH, OW, F) with OH = (H + 2 pad - k)/stride + 1, height-width-
//   channel order, channel fastest.
//   W: "<name>.weight", (F, k*k*C) row-major: row f is filter f with its taps in the order
//      (ky, kx, c), c fastest, i.e. a row-major [F, k, k, C] tensor.
//   b: "<name>.bias", (F).
// The column matrix cols (k*k*C, OH*OW*B) is never built whole: forward and backward walk
// it in chunks of chunk_columns() columns (cache.a), so a chunk stays in cache; on the
// image path (by_images()) it is not formed at all.
// forward: y viewed as (F, OH*OW*B) = W cols + b, chunk by chunk: with channel-fastest
// output that view IS y. In float W is first transposed into cache.c (conv_gemm.h), and
// with the AVX-512 kernels at stride 1 and padding below the kernel each sample's windows
// are read from the padded sample itself, with the same bits as on its columns; a 3x3
// kernel over whole vectors of 16 channels runs by Winograd's F(2x2, 3x3)
// instead (conv_winograd.h), forward, input gradient and weight gradient, within float
// rounding of the same.
// backward: db = row sums of dY; per chunk, dW += dY cols^T (pixels in order across the
// chunks; in float transposed, in cache.c, and turned back at the end; on the image path
// from each padded sample's windows, in the same order). dx: in float at stride 1 (padding
// below the kernel) a convolution of dY with the flipped kernel (the kernel in cache.c, dY's
// windows read like forward's, or its columns in cache.b); otherwise per chunk
// dcols = W^T dY (cache.b), added back by col2im.
// `conv2d_direct` is the naive oracle the tests compare against.
#pragma once

#include "core/layers/layer.h"

#include <type_traits>

namespace ts {

template <class T>
class Conv2d final : public Layer<T> {
 public:
  Conv2d(const LayerSpec& spec, Shape3 input);

  void declare(Parameters<T>& p) override;
  long weight_index() const override { return weight_; }
  long bias_index() const override { return bias_; }
  Index fan_in() const override { return taps_; }
  Index fan_out() const override { return this->spec_.kernel * this->spec_.kernel * filters_; }

  void forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>& cache,
               const PassContext& ctx) const override;
  void backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& y,
                const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                LayerCache<T>& cache) const override;
  // In float the gradients are added exactly (each entry gets old + its own sum).
  bool can_accumulate() const override { return std::is_same_v<T, float>; }
  void backward_accumulate(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& y,
                           const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                           LayerCache<T>& cache) const override;
  double flops_per_sample() const override;

 private:
  void backward_impl(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& dy,
                     Matrix<T>* dx, std::span<T> grads, LayerCache<T>& cache,
                     bool accumulate) const;
  // Columns per chunk: a function of the layer's shape only, so results do not depend on
  // the batch or the threads.
  Index chunk_columns() const;
  // Columns [first, first + count) of cols into cols' first columns; column j is pixel
  // j % (OH*OW) of sample j / (OH*OW).
  void im2col(const Matrix<T>& x, Index first, Index count, Matrix<T>& cols) const;
  // In float with stride 1 (and padding below the kernel), dx is the convolution of dy with
  // the flipped kernel, run by conv_gemm's forward kernel: no column gradient, no col2im.
  bool input_grad_by_convolution() const;
  void input_grad_convolved(std::span<const T> params, const Matrix<T>& dy, Matrix<T>& dx,
                            LayerCache<T>& cache) const;
  // With the AVX-512 kernels at stride 1 and padding below the kernel (so with
  // input_grad_by_convolution()), forward and both gradients read each padded
  // sample's windows in place (conv_gemm's *_image) instead of forming columns; the padded
  // sample lives in cache.b, sized by image_scratch for x and for dy.
  bool by_images() const;
  // On the image path, a 3x3 convolution of `channels` inputs (a multiple of 16) onto an
  // (oh, ow) output runs by Winograd's F(2x2, 3x3) (conv_winograd.h): forward
  // onto y, the weight gradient, and the input gradient (dy's filters as its channels) onto
  // dx. The transformed kernels or gradient and the transforms' scratch live in cache.c.
  // A forward pass in inference takes F(4x4, 3x3) instead: 2.25 products a pixel and
  // channel pair against 4, for a few times F(2x2, 3x3)'s rounding error, which no gradient
  // is taken through.
  bool by_winograd(Index channels, Index oh, Index ow) const;
  // Every sample of src (in_ch channels of h x w), padded by pad, convolved by Winograd's
  // transforms with the kernel W (flipped, with its filters and channels swapped, for the
  // input gradient) onto dst (out_ch channels of oh x ow), plus b when given; by F(4x4, 3x3)
  // with `four` (never flipped), else F(2x2, 3x3). Without `transform` the kernels
  // transformed by the forward before on this cache, with the same `four`, are used.
  void winograd_convolve(std::span<const T> params, bool flip, bool transform, Index in_ch,
                         Index out_ch, const T* b, const Matrix<T>& src, Index h, Index w,
                         Index pad, Index oh, Index ow, Matrix<T>& dst, LayerCache<T>& cache,
                         bool four = false) const;
  T* image_scratch(LayerCache<T>& cache) const;
  // Adds those columns of a column-matrix gradient back onto dx.
  void col2im_add(const Matrix<T>& cols, Index first, Index count, Matrix<T>& dx) const;

  Index filters_ = 0;
  Index taps_ = 0;    // k*k*C
  Index pixels_ = 0;  // OH*OW
  long weight_ = -1;
  long bias_ = -1;
  std::size_t w_off_ = 0;
  std::size_t b_off_ = 0;
};

// Direct convolution of one batch (no im2col), for tests.
template <class T>
Matrix<T> conv2d_direct(const LayerSpec& spec, Shape3 input, std::span<const T> weight,
                        std::span<const T> bias, const Matrix<T>& x);

}  // namespace ts
