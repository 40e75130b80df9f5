// Exact Hessian-vector products of a network's loss (Pearlmutter 1994): the backward pass
// differentiated forward along a direction v of the weights. Each activation x gets a tangent
// dx/dv (x'), each gradient g = dL/dx a tangent g', and the weights' gradient's tangent is
// H v. Per layer, with y = layer(w, x):
//   dense, conv:  y = A(W) x + b,   y' = A(W) x' + A(V) x + v_b
//                 backward: dx = A(W)' g, dW = g x', db = sum g, so
//                 dx' = A(W)' g' + A(V)' g,  dW' = g' x' + g x'',  db' = sum g'
//                 (x'' the input's tangent); each term is one of the layer's own passes with
//                 other arguments, so the vectorized kernels do the work;
//   activations:  y' = f'(x) x',  dx' = f'(x) g' + f''(x) x' g  (f'' = 0 for the piecewise
//                 linear ones);
//   max-pool, maxout: the arg-max of the forward pass routes y' and dx' as it routes y and dx;
//   PReLU (slope a per channel): y' = x' or a x' + v_a x, dx' = g' or a g' + v_a g,
//                 da' = sum over x <= 0 of (g' x + g x');
//   flatten, dropout (evaluated, so the identity): copies;
//   the loss:     cross-entropy dz = s (p - t) gives dz' = s (p * z' - p (p . z')) per
//                 sample; the mean squared error dz = 2 s (z - t) / K gives dz' = 2 s z' / K.
// Exact where the network is differentiable: a ReLU's kink contributes nothing, which is the
// Hessian everywhere off the kinks, and works in float (the central differences of gradients
// need double and a step that crosses no kink: core/analysis/loss_surface.h).
// One pass over a chunk of samples; the caller sums chunks. Const on the network: several
// chunks may run at once, each with its own workspaces.
#pragma once

#include "core/layers/loss.h"
#include "core/layers/network.h"

#include <span>
#include <vector>

namespace ts {

template <class T>
struct TangentWorkspace {
  std::vector<Matrix<T>> acts;   // acts[i]: the tangent of the network's acts[i]
  std::vector<Matrix<T>> dacts;  // dacts[i]: the tangent of the gradient w.r.t. acts[i]
  Matrix<T> dlogits, tangent_dlogits, scratch;
  LayerCache<T> cache;   // for the layers' passes on tangents
  std::vector<T> grads;  // a layer pass's parameter gradients that are not wanted whole
};

// `w` with every layer's bias zero (`out` resized): a linear layer's pass on it gives A(W) x'
// without b, as the tangent wants. The same for every chunk of one product.
template <class T>
void zero_biases(const Network<T>& net, std::span<const T> w, std::vector<T>& out);

// H v for the mean loss over one chunk's samples times `scale` * (its sample count): with
// scale = 1 / (all samples), chunks' results add up to the whole mean loss's H v.
// `w` and `v` laid out like the network's parameters (masked by the caller), `unbiased` as
// zero_biases gives it for `w`, `x` the chunk's
// inputs (features, B), `labels` its labels. `ws` gets the chunk's forward and backward pass;
// `hv` is assigned (zero where no layer has parameters). Returns the chunk's loss sum.
template <class T>
LossSum hessian_vector_chunk(const Network<T>& net, LossKind loss, std::span<const T> w,
                             std::span<const T> unbiased, std::span<const T> v, const Matrix<T>& x,
                             std::span<const int32_t> labels, T scale,
                             typename Network<T>::Workspace& ws, TangentWorkspace<T>& tw,
                             std::span<T> hv);

}  // namespace ts
