// Batcher: the order in which the trainer visits a dataset's samples.
//
// Each epoch is a fresh Fisher-Yates shuffle of 0..n-1 driven by a ts::Rng forked from the
// seed with the epoch number as the stream, so an epoch's order is a pure function of
// (seed, epoch, n): the same on every platform, and restoring a BatcherState (seed, epoch,
// position, batch size) resumes the exact sequence of batches.
//
// Batches have exactly batch_size() samples. When fewer than batch_size() samples are left in
// an epoch they are dropped and the next batch starts the next epoch: the trainer sees a
// constant batch shape, and every sample is visited at most once per epoch (exactly once when
// batch_size divides n). set_batch_size may be called between batches; the new size applies
// from the next call to next() (the drop decision too).
//
// Owned and used by one thread (the training thread); not thread-safe.
#pragma once

#include "core/tensor.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ts {

// Everything needed to resume a Batcher exactly; plain integers for checkpoints.
struct BatcherState {
  uint64_t seed = 0;
  uint64_t epoch = 0;        // epoch of the batch last returned (0 before the first)
  uint64_t position = 0;     // samples of that epoch's order already returned
  uint64_t num_samples = 0;  // n, checked on restore
  uint64_t batch_size = 1;
  bool operator==(const BatcherState&) const = default;
};

class Batcher {
 public:
  // Throws ts::Error unless 1 <= batch_size <= num_samples <= 2^32 - 1.
  Batcher(Index num_samples, Index batch_size, uint64_t seed);

  // The next batch: batch_size() sample indices, valid until the next call to next() or
  // set_state(). Starts the next epoch (reshuffling) when the current one has fewer than
  // batch_size() samples left.
  std::span<const uint32_t> next();
  // The batch the next call to next() returns when it is in the current epoch (empty when that
  // call starts the next one), without moving: what to prefetch. Valid like next()'s.
  std::span<const uint32_t> upcoming() const;

  // Throws ts::Error unless 1 <= batch_size <= num_samples(); the Batcher is unchanged then.
  void set_batch_size(Index batch_size);
  Index batch_size() const { return batch_size_; }

  Index num_samples() const { return static_cast<Index>(order_.size()); }
  uint64_t seed() const { return seed_; }
  uint64_t epoch() const { return epoch_; }
  Index position() const { return position_; }
  // Full batches per epoch at the current batch size.
  Index batches_per_epoch() const { return num_samples() / batch_size_; }

  // The order of epoch `epoch` for this seed and size (a pure function; for tests and views).
  std::vector<uint32_t> epoch_order(uint64_t epoch) const;

  BatcherState state() const;
  // Throws ts::Error (Batcher unchanged) when the state's num_samples differs from this
  // Batcher's, or its batch size or position is out of range.
  void set_state(const BatcherState& s);

 private:
  void shuffle_for(uint64_t epoch);

  uint64_t seed_;
  uint64_t epoch_ = 0;
  Index position_ = 0;
  Index batch_size_;
  std::vector<uint32_t> order_;  // the current epoch's permutation of 0..n-1
};

}  // namespace ts
