// The three float matrix products of a dense layer, on the layouts the layer already has,
// with nothing packed, copied or allocated.
//
//   W:  (m, k) row-major, ld k      (unit i's weights are row i)
//   x:  (k, n) column-major, ld k   (one sample a column)
//   y, dy: (m, n) column-major, ld m
// A convolution's im2col columns have the same shapes (k = taps, n = pixels): conv2d takes
// its bias gradient here, and its input gradient where it is not a convolution of dy
// (stride above 1, or padding of the kernel or more); the rest is conv_gemm.h's.
//
// With AVX-512 (the default build uses the host's instruction set) each product runs a
// register-blocked kernel written for its shape: forward as dot products along k (W rows and
// x columns are both contiguous there), the input gradient and the weight gradient as
// outer-product updates along k. Every output is computed by one fixed sequence of
// operations, so results do not depend on threads or on buffer addresses. Without AVX-512
// the functions fall back to Eigen's products.
//
// Pure functions of their arguments; any thread may call them on distinct outputs.
#pragma once

#include "core/tensor.h"

namespace ts {

// y = W x + b (b broadcast along the columns).
void dense_forward(const float* w, const float* b, const float* x, float* y, Index m, Index k,
                   Index n);

// Rows [r0, r1) of y = W x + b only (y still points at the whole matrix). With AVX-512 each
// element gets exactly the value dense_forward gives it.
void dense_forward_rows(const float* w, const float* b, const float* x, float* y, Index m, Index k,
                        Index n, Index r0, Index r1);

// y = W x + b for inference. Rows of 4,096 floats or more (Conv-2's first dense layer) with
// 32 columns or more go by outer products instead: W's rows are packed, transposed, 64 rows
// by 256 of k at a time, so the block stays in L1 while every column's 256 values are
// broadcast against it. dense_forward's dot products stream both operands from L2 there
// (65 GFLOP/s on 256 x 12,544 by 256 columns on a Xeon, 143 this way). Each output is the
// bias plus its blocks' sums, each block summed in order: other bits than dense_forward's,
// within the same bound. Other shapes take dense_forward.
void dense_infer(const float* w, const float* b, const float* x, float* y, Index m, Index k,
                 Index n);

// Whether dense_infer packs for this shape (for its tests).
bool dense_infer_packs(Index m, Index k, Index n);

// dx = Wᵀ dy: (k, n) column-major.
void dense_input_grad(const float* w, const float* dy, float* dx, Index m, Index k, Index n);

// dw = dy xᵀ, (m, k) row-major, and db = dy summed over the columns (skipped when db is
// null). Both are assigned, or with `accumulate` added to what they hold: a product taken
// in pieces of columns is then the sum of the pieces' products, in the order they came.
void dense_weight_grad(const float* dy, const float* x, float* dw, float* db, Index m, Index k,
                       Index n, bool accumulate = false);

// Rows [r0, r1) of dw = dy xᵀ only (dw still points at the whole matrix), assigned or
// added; each row gets exactly the values dense_weight_grad gives it.
void dense_weight_grad_rows(const float* dy, const float* x, float* dw, Index m, Index k, Index n,
                            Index r0, Index r1, bool accumulate);

// db = dy summed over the columns, in column order, assigned or added.
void dense_bias_grad(const float* dy, float* db, Index m, Index n, bool accumulate);

// True when the hand-written kernels are compiled in (else the Eigen fallback runs).
bool dense_gemm_vectorized();

}  // namespace ts
