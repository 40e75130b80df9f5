// The loss of a network over fixed samples as a function of its weights: L(w), its gradient,
// and Hessian-vector products, exact (core/analysis/hessian_vector.h) or by central
// differences of gradients,
//   H(w) v ~ (grad L(w + e v) - grad L(w - e v)) / (2 e).
// The samples are the first `samples` of a dataset in file order; the loss is the mean over
// them of the experiment's loss, with no dropout (an evaluation pass) and no weight-decay term.
// Pruned weights stay zero: every weight vector and direction is masked. T = float for the
// loss and gradient (interpolation, slices) and exact products; differences want T = double: a
// ReLU network's gradient jumps where a unit's input crosses zero, so the step must be small
// enough to cross no such kink, and float gradients cannot resolve so small a difference. For
// LeNet-300-100 on 2,048 images the Rayleigh quotient at the top eigenvector by differences is
// 303, 297, 314 and 436 at steps 1e-3 to 1e-6 along a unit direction, and 298.637 at 1e-7 and
// 1e-8, as the exact product gives (bench --landscape). The work is split into chunks of samples
// run in parallel (oneTBB, in the caller's arena) and summed in chunk order, so results do not
// depend on the threads. Each worker thread keeps one set of buffers for the passes, whichever
// chunk it takes: one a chunk held Conv-2's activations 42 times over for an interpolation over
// 10,000 test images (12 GB). For the loss landscape and sharpness (issue 24): interpolation,
// slices, the top Hessian eigenvalue. One caller at a time.
#pragma once

#include "core/analysis/hessian_vector.h"
#include "core/data/dataset.h"
#include "core/layers/loss.h"
#include "core/layers/network.h"

#include <oneapi/tbb/enumerable_thread_specific.h>

#include <span>
#include <vector>

namespace ts {

template <class T>
class LossSurface {
 public:
  // `masks`: laid out like the network's parameters (1 kept, 0 pruned); empty: none pruned.
  LossSurface(const ModelSpec& spec, LossKind loss, const Dataset& data, Index samples,
              std::span<const float> masks = {});

  std::size_t size() const { return masks_.size(); }
  // New masks (after pruning), laid out as at construction.
  void set_masks(std::span<const float> masks);
  Index samples() const { return samples_; }

  struct Value {
    double loss = 0;      // mean over the samples
    double accuracy = 0;  // arg-max equals the label
  };
  // L(w) (w masked first); with `grad` non-empty, the masked gradient of the mean loss.
  Value evaluate(std::span<const T> w, std::span<T> grad = {});
  // H(w) v by central differences with step `eps` along v / |v| (hv = 0 for v = 0).
  void hessian_vector(std::span<const T> w, std::span<const T> v, std::span<T> hv, double eps);
  // H(w) v exactly, by the backward pass differentiated along v (masked: v's pruned entries
  // are ignored and hv's are zero).
  void exact_hessian_vector(std::span<const T> w, std::span<const T> v, std::span<T> hv);

 private:
  Network<T> net_;
  LossKind loss_;
  Index samples_ = 0;
  std::vector<T> masks_;
  struct Chunk {
    Matrix<T> x;
    std::vector<int32_t> y;
    std::vector<T> grad;  // its gradient or Hessian-vector product, summed in chunk order;
                          // sized when the first is taken
    LossSum sum;
  };
  std::vector<Chunk> chunks_;
  // A worker thread's buffers for a chunk's passes (the layers run no parallel loop of their
  // own, so a thread takes one chunk at a time).
  struct Scratch {
    typename Network<T>::Workspace ws;
    TangentWorkspace<T> tangent;  // sized on the first exact product
  };
  tbb::enumerable_thread_specific<Scratch> scratch_;
  Scratch& scratch();
  std::vector<T> shifted_, g_plus_, g_minus_, masked_w_, masked_v_, unbiased_w_;
};

extern template class LossSurface<float>;
extern template class LossSurface<double>;

}  // namespace ts
