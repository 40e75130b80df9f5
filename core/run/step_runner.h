// Computes gradients and evaluations of a float network over a batch split into a fixed
// number of shards.
//
// Each shard has its own workspace and gradient buffer; shards run in parallel inside the
// caller's tbb::task_arena, and their gradients are reduced in shard order (with one worker
// thread they may instead add into shard 0's buffer, with the same result; see gradient()).
// The first dense layer's weight gradient, usually the largest, skips the shard buffers: it
// is computed after the shards, a piece of whole rows a task, from every shard's activations
// (Network::deferred_weight_grad), with the bits the reduction would give. That layer's
// forward pass is taken by the same pieces of rows for every shard at once, between the
// layers before it and those after it (Network::deferred_forward_rows); when only flattens
// come before it, each thread fills the whole batch into a buffer of its own for those rows
// to read, instead of each shard filling its part for both threads. Shards and pieces
// run on fixed owners (core/owned_loop.h), the optimizer's pieces on the same ones, so the
// thread that updates a piece of the weights is the one that reads them next: they stay in
// one core's cache instead of crossing to the other core every step; the passes run in one
// parallel loop, the threads meeting at a barrier between them (for_each_slot_in_phases). The shard
// count is fixed by the run, not by the thread count, so the same seed gives bit-identical
// numbers with 1 or 2 worker threads. After the first batch of a given size nothing is
// allocated.
//
// Owned and called by the training thread only.
#pragma once

#include "core/data/dataset.h"
#include "core/layers/loss.h"
#include "core/layers/network.h"
#include "core/rng.h"

#include <oneapi/tbb/task_arena.h>

#include <cstdint>
#include <span>
#include <vector>

namespace ts {

struct BatchStats {
  double loss = 0.0;      // mean over the samples
  double accuracy = 0.0;  // fraction of correct arg-max predictions
  Index samples = 0;
};

// What happens to the summed gradient in the pass that sums the shards: entries whose mask
// is 0 and whole frozen tensors are zeroed, and each tensor's squared norm is taken.
struct GradientFinish {
  const std::vector<ParamInfo>* infos = nullptr;  // the network's tensors; required
  std::span<const float> masks;                   // empty while nothing is pruned
  std::span<double> tensor_sq;                    // out: one per tensor
};

class StepRunner {
 public:
  explicit StepRunner(int shards);
  int shards() const { return int(shards_.size()); }

  // Gradient of the mean loss over samples `indices` of `data`, written to `grad`
  // (resized to the parameter count) and finished as `finish` says. Dropout draws from
  // streams derived from `dropout_seed` and the shard index.
  //
  // With one worker thread and a network whose layers can add their gradients, the shards
  // run one after the other into `grad` itself (each adding exactly its own sum), which saves
  // the separate buffers' reduction and a copy, and gives the same bits as reducing them.
  //
  // `upcoming`, the next step's batch when known, is prefetched, each shard's part by the
  // thread that will fill it, while the rest of this step computes.
  BatchStats gradient(const Network<float>& net, LossKind loss, const Dataset& data,
                      std::span<const uint32_t> indices, uint64_t dropout_seed,
                      tbb::task_arena& arena, AlignedVector<float>& grad,
                      const GradientFinish& finish, std::span<const uint32_t> upcoming = {});

  // Loss and accuracy over all of `data` in inference mode, `chunk` samples a pass. When
  // `predictions` is given it receives the arg-max class of every sample; when
  // `probability_sum` is given (classes, samples) the softmax of every sample is added to it.
  BatchStats evaluate(const Network<float>& net, LossKind loss, const Dataset& data,
                      tbb::task_arena& arena, Index chunk = 500,
                      std::vector<int32_t>* predictions = nullptr,
                      Matrix<float>* probability_sum = nullptr);

 private:
  struct Shard {
    Network<float>::Workspace ws;
    Matrix<float> dlogits;
    std::vector<int32_t> labels;
    std::vector<uint32_t> indices;
    LossSum result;
    Rng rng{0};  // its dropout stream, across the parts of its forward pass
  };
  std::vector<Shard> shards_;
  // Each slot's copy of the batch as the first dense layer reads it, when only flattens come
  // before that layer (see gradient()).
  struct SlotInput {
    Matrix<float> x;
    std::vector<int32_t> labels;
  };
  std::vector<SlotInput> slot_inputs_;
  std::vector<ParamPiece> pieces_;  // the optimizer's pieces (trained_pieces)
  std::vector<double> piece_sq_;    // each piece's squared norm
  std::vector<const float*> sources_;
  // The worker of each piece and of each shard (core/owned_loop.h), the same every step: a
  // piece's rows of the first layer, its gradient and (the optimizer's owners are these) its
  // update stay on one core, and so does a shard's workspace.
  std::vector<int> piece_owner_, shard_owner_;
  std::vector<Shard> eval_shards_;  // evaluation keeps its own buffers: training never reallocates
};

}  // namespace ts
