// A 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray
// 2016): each 2x2 block of output pixels takes 16 multiplies a channel pair instead of 36.
// Inference may take F(4x4, 3x3) instead (conv_forward_winograd4, at the end): 36 multiplies
// for a 4x4 block instead of 144, with a rounding error a few times larger.
//
//   U[ξ] = (G g Gᵀ)[ξ]   for each filter's 3x3 kernel g on one input channel (once a pass)
//   V[ξ] = (Bᵀ d B)[ξ]   for each 4x4 patch d of one input channel (once a tile)
//   M[ξ] = Σ_channels U[ξ] V[ξ]   (16 products of filters by channels by tiles)
//   y    = Aᵀ M A       the tile's 2x2 outputs, plus the bias
//
// with ξ the 16 positions of the 4x4 transform; the weight gradient is the adjoint,
// Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ V] G. The products run as conv_gemm's do: four vectors of 16
// filters loaded by a few tiles (or channels) broadcast, in blocks of tiles whose transforms
// stay in L2.
//
// The result is the convolution up to float rounding in another order than the direct
// kernels' (the tests bound it against a double oracle); it is a function of the weights
// and of one image only, so neither the batch, threads nor buffer addresses change a bit.
//
// Layouts are conv_gemm.h's: the image (hp, wp, c) zero-padded, channel fastest; y (m, oh*ow)
// column-major, one pixel's filters a column. AVX-512 only: conv_winograd_applies() is
// false without it.
//
// Pure functions of their arguments; any thread may call them on distinct outputs.
#pragma once

#include "core/tensor.h"

namespace ts {

// Whether the Winograd kernels take a convolution of `c` input channels with kernel `k`
// at stride `s` onto an (oh, ow) output: AVX-512, k 3, s 1 and c a multiple of 16 (whole
// vectors of channels). On an odd side the last tiles reach past the output: their patches
// read zeros beyond the image, and their outputs there are not stored.
bool conv_winograd_applies(Index k, Index s, Index c, Index oh, Index ow);

// Floats of the transformed weights for c input channels and m filters.
Index conv_winograd_weight_floats(Index c, Index m);
// Floats of the scratch conv_forward_winograd and conv_weight_grad_winograd need for c
// channels and m filters.
Index conv_winograd_scratch_floats(Index c, Index m);

// u = the transformed kernels of a convolution with c input channels and m filters, whose
// kernel at filter o, tap (ky, kx), channel i is
//   w[o * 9c + (ky * 3 + kx) * c + i]                 (flipped false: the layer's own), or
//   w[i * 9m + ((2 - ky) * 3 + (2 - kx)) * m + o]     (flipped true: the input gradient's,
//                                                     where w is the layer's with m filters
//                                                     and c channels swapped)
// u holds conv_winograd_weight_floats(c, m).
void conv_winograd_weights(const float* w, Index c, Index m, bool flipped, float* u);

// y = the 3x3 stride-1 convolution of `image` (hp = oh + 2, wp = ow + 2, c) by the kernels
// in u, plus b (null: none); `scratch` holds conv_winograd_scratch_floats(c, m).
void conv_forward_winograd(const float* u, const float* b, const float* image, Index wp, Index c,
                           Index oh, Index ow, float* y, Index m, float* scratch);

// The weight gradient, the forward's adjoint: for each filter f and channel i,
//   dW(f, i) = Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ V(i)] G
// with dY a tile's 2x2 output gradient of filter f. conv_weight_grad_winograd adds one
// image's sums over its tiles, in tile order, into du (conv_winograd_weight_floats(c, m),
// laid out like the transformed kernels; zero it before the first image): dy is (m, oh*ow)
// like y, `scratch` holds conv_winograd_scratch_floats(c, m).
// conv_winograd_unpack_weight_grad then turns du into dw, (m, 9c) row-major as the layer's
// weights: assigned, or with `accumulate` each entry added to what dw holds.
void conv_weight_grad_winograd(const float* dy, const float* image, Index wp, Index c, Index oh,
                               Index ow, Index m, float* du, float* scratch);
void conv_winograd_unpack_weight_grad(const float* du, Index c, Index m, float* dw,
                                      bool accumulate);

// F(4x4, 3x3), the forward pass alone, for inference: the 6x6 transforms of 4x4 blocks of
// output pixels, Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A with Lavin & Gray's G (6x3), Bᵀ (6x6) and
// Aᵀ (4x6) (written out in the source). The same layouts and conditions as above
// (conv_winograd_applies); u holds conv_winograd4_weight_floats(c, m) floats of the layer's
// own kernels (as unflipped above) and `scratch` conv_winograd4_scratch_floats(c, m). On a
// side that is not a multiple of 4 the last tiles read zeros past the image, and store only
// the outputs inside it. Its products are 2.25 a pixel and channel pair against F(2x2, 3x3)'s
// 4; its rounding error is within the bound the tests derive from its transforms' magnitudes.
Index conv_winograd4_weight_floats(Index c, Index m);
Index conv_winograd4_scratch_floats(Index c, Index m);
void conv_winograd4_weights(const float* w, Index c, Index m, float* u);
void conv_forward_winograd4(const float* u, const float* b, const float* image, Index wp, Index c,
                            Index oh, Index ow, float* y, Index m, float* scratch);

}  // namespace ts
