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
// layers before it and those after it (Network::deferred_forward_rows); a worker's rows, its
// forward and its weight gradient alike, go by blocks of about 256 KB of weights, every
// shard's on a block before the next, so the block stays in L2 between shards; when only flattens
// come before it, each thread fills the whole batch into a buffer of its own for those rows
// to read, instead of each shard filling its part for both threads. Shards and pieces
// run on fixed owners (core/owned_loop.h), the optimizer's pieces on the same ones, so the
// thread that updates a piece of the weights is the one that reads them next: they stay in
// one core's cache instead of crossing to the other core every step (the first layer's
// pieces move between owners now and then, by the owners' busy time: RowBalance); the passes
// run in one parallel loop, the threads meeting at a barrier between them
// (for_each_slot_in_phases), and in training the update follows in that loop (StepUpdate).
// The shard count is fixed by the run, not by the thread count, so the same seed gives
// bit-identical numbers with 1 or 2 worker threads. After the first batch of a given size
// nothing is allocated.
//
// Owned and called by the training thread only.
#pragma once

#include "core/data/dataset.h"
#include "core/layers/loss.h"
#include "core/layers/network.h"
#include "core/rng.h"
#include "core/run/row_balance.h"

#include <oneapi/tbb/task_arena.h>

#include <cstdint>
#include <span>
#include <utility>
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

// The update that follows the gradient, taken inside the same parallel loop instead of a
// loop of its own: once the gradient is finished, one worker calls `decide` with the batch's
// figures (the tensors' squared norms are in the finish's tensor_sq by then) while the others
// wait; if it returns true, every worker updates the pieces it owns, update_piece(k) for
// piece k of trained_pieces(infos) (the optimizer's begin_step, called by decide, cuts them
// alike). On two cores of an EPYC the update's own loop cost about 8 us a step: starting it,
// ending it, and the first piece on a worker that had gone to sleep; taken here, LeNet's
// two-thread speed-up over one had a median of 1.65x against 1.55x (ten runs each,
// alternated, each above the run of the separate loop that followed it).
class StepUpdate {
 public:
  virtual bool decide(const BatchStats& batch) = 0;
  virtual void update_piece(std::size_t k) = 0;

 protected:
  ~StepUpdate() = default;
};

// A StepUpdate of two callables, held by value (nothing allocated): make_step_update(
// [&](const BatchStats&) { ...; return true; }, [&](std::size_t k) { ... }).
template <class Decide, class UpdatePiece>
class StepUpdateOf final : public StepUpdate {
 public:
  StepUpdateOf(Decide d, UpdatePiece u) : decide_(std::move(d)), update_piece_(std::move(u)) {}
  bool decide(const BatchStats& batch) override { return decide_(batch); }
  void update_piece(std::size_t k) override { update_piece_(k); }

 private:
  Decide decide_;
  UpdatePiece update_piece_;
};
template <class Decide, class UpdatePiece>
StepUpdateOf<Decide, UpdatePiece> make_step_update(Decide d, UpdatePiece u) {
  return {std::move(d), std::move(u)};
}

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
  //
  // With `update`, the update follows in the same loop (StepUpdate).
  BatchStats gradient(const Network<float>& net, LossKind loss, const Dataset& data,
                      std::span<const uint32_t> indices, uint64_t dropout_seed,
                      tbb::task_arena& arena, AlignedVector<float>& grad,
                      const GradientFinish& finish, std::span<const uint32_t> upcoming = {},
                      StepUpdate* update = nullptr);

  // Loss and accuracy over all of `data` in inference mode, `chunk` samples a pass. When
  // `predictions` is given it receives the arg-max class of every sample; when
  // `probability_sum` is given (classes, samples) the softmax of every sample is added to it.
  BatchStats evaluate(const Network<float>& net, LossKind loss, const Dataset& data,
                      tbb::task_arena& arena, Index chunk = 500,
                      std::vector<int32_t>* predictions = nullptr,
                      Matrix<float>* probability_sum = nullptr);

  // How the first dense layer's pieces are shared between the slots (RowBalance), and the
  // owner of each piece in the last step: for tests, which may set the share between steps,
  // and for bench --row-balance, which turns it off in one run (Run::row_balance).
  RowBalance& row_balance() { return balance_; }
  std::span<const int> last_piece_owners() const { return piece_owner_; }

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
  // The deferred layer's pieces moved between slots by their busy time (core/run/row_balance.h),
  // and each slot's busy time in the step, a cache line each.
  RowBalance balance_;
  struct alignas(64) SlotBusy {
    double seconds = 0.0;
  };
  std::vector<SlotBusy> slot_busy_;
  std::vector<Shard> eval_shards_;  // evaluation keeps its own buffers: training never reallocates
};

}  // namespace ts
