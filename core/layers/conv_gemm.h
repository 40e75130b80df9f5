// The float matrix products of a convolution's forward pass and weight gradient, as outer
// products over the filters, on im2col columns:
//
//   W:    (m, k) row-major, ld k      (filter f's taps are row f)
//   Wt:   (k, mp) row-major, ld mp    (W transposed, each tap's filters zero-padded to mp,
//                                      m rounded up to 16: conv_padded_filters)
//   cols: (k, n) column-major, ld k   (one pixel's taps a column)
//   y, dy: (m, n) column-major, ld m  (one pixel's filters a column)
//
// A convolution's products are long in n (pixels times samples) and short in m (filters),
// so they run as register tiles of up to 64 filters (four vectors of 16, loaded) by a few
// pixels or taps (broadcast), blocked so the loaded operand stays in L1 while the
// broadcast one streams from L2: every loaded vector serves several fused multiply-adds
// and no tile needs a horizontal sum. A stride-1 convolution's input gradient is itself
// such a convolution, of dy (conv2d.cpp); otherwise it is dense_gemm's Wᵀ dy.
//
// Each output element is one fused multiply-add after another in a fixed order (taps in
// order for y, from the bias or zero; pixels in order for the weight gradient, from zero or from
// what dwt holds), so neither blocking, tiles, threads nor buffer addresses change a bit.
// Without AVX-512 the same products run through Eigen (the *_image ones as plain loops).
//
// Pure functions of their arguments; any thread may call them on distinct outputs.
#pragma once

#include "core/tensor.h"

namespace ts {

// m rounded up to a whole number of 16-float vectors.
Index conv_padded_filters(Index m);

// wt = Wᵀ with each row zero-padded to mp = conv_padded_filters(m); wt holds k * mp floats.
void conv_pack_weights(const float* w, Index m, Index k, float* wt);

// y = W cols + b, from the packed weights (b null: no bias, from zero).
void conv_forward(const float* wt, const float* b, const float* cols, float* y, Index m, Index k,
                  Index n);

// The same product for the pixels of one image, without forming its columns: `image` is
// (hp, wp, c) with any zero padding already in it, the kernel k x k at stride s from the
// top-left, the output (oh, ow) pixels, y (m, oh*ow) column-major. Column j's taps are those
// of the window at pixel (j / ow, j % ow) in im2col's order (ky, kx, channel), so with
// AVX-512 y has conv_forward's bits on the same columns.
void conv_forward_image(const float* wt, const float* b, const float* image, Index wp, Index c,
                        Index k, Index s, Index oh, Index ow, float* y, Index m);

// dwt = dy colsᵀ transposed, (k, mp) row-major like wt: assigned, or with `accumulate`
// continued from what dwt holds, so with AVX-512 a product taken in pieces of pixels, in
// order, has the whole product's bits. Padding lanes get zeros when assigned.
void conv_weight_grad_t(const float* dy, const float* cols, float* dwt, Index m, Index k, Index n,
                        bool accumulate);

// The same for the pixels of one image, read in place like conv_forward_image: dy is
// (m, oh*ow), and with AVX-512 dwt gets conv_weight_grad_t's bits on the same columns.
void conv_weight_grad_image(const float* dy, const float* image, Index wp, Index c, Index k,
                            Index s, Index oh, Index ow, float* dwt, Index m, bool accumulate);

// dw (m, k) row-major = the first m columns of dwt, transposed back: assigned, or with
// `accumulate` added to what dw holds.
void conv_unpack_weight_grad(const float* dwt, Index m, Index k, float* dw, bool accumulate);

}  // namespace ts
