#include "core/data/batcher.h"

#include "core/error.h"
#include "core/rng.h"

#include <numeric>
#include <string>
#include <utility>

namespace ts {

namespace {

void check_batch_size(Index batch_size, Index num_samples) {
  if (batch_size < 1 || batch_size > num_samples) {
    throw Error("batcher: batch size must be in [1, " + std::to_string(num_samples) +
                "] (the number of samples), got " + std::to_string(batch_size));
  }
}

}  // namespace

Batcher::Batcher(Index num_samples, Index batch_size, uint64_t seed)
    : seed_(seed), batch_size_(batch_size) {
  if (num_samples < 1 || static_cast<uint64_t>(num_samples) > UINT32_MAX) {
    throw Error("batcher: number of samples must be in [1, 2^32 - 1], got " +
                std::to_string(num_samples));
  }
  check_batch_size(batch_size, num_samples);
  order_.resize(static_cast<std::size_t>(num_samples));
  shuffle_for(0);
}

void Batcher::shuffle_for(uint64_t epoch) {
  std::iota(order_.begin(), order_.end(), 0u);
  Rng rng = Rng(seed_).fork(epoch);
  for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng.below(i)]);
  epoch_ = epoch;
}

std::vector<uint32_t> Batcher::epoch_order(uint64_t epoch) const {
  Batcher copy(*this);
  copy.shuffle_for(epoch);
  return std::move(copy.order_);
}

std::span<const uint32_t> Batcher::next() {
  if (num_samples() - position_ < batch_size_) {
    shuffle_for(epoch_ + 1);
    position_ = 0;
  }
  const std::span<const uint32_t> batch(order_.data() + position_,
                                        static_cast<std::size_t>(batch_size_));
  position_ += batch_size_;
  return batch;
}

std::span<const uint32_t> Batcher::upcoming() const {
  if (num_samples() - position_ < batch_size_) return {};
  return {order_.data() + position_, static_cast<std::size_t>(batch_size_)};
}

void Batcher::set_batch_size(Index batch_size) {
  check_batch_size(batch_size, num_samples());
  batch_size_ = batch_size;
}

BatcherState Batcher::state() const {
  BatcherState s;
  s.seed = seed_;
  s.epoch = epoch_;
  s.position = static_cast<uint64_t>(position_);
  s.num_samples = static_cast<uint64_t>(num_samples());
  s.batch_size = static_cast<uint64_t>(batch_size_);
  return s;
}

void Batcher::set_state(const BatcherState& s) {
  const auto n = static_cast<uint64_t>(num_samples());
  if (s.num_samples != n) {
    throw Error("batcher: saved state is for " + std::to_string(s.num_samples) +
                " samples but this dataset has " + std::to_string(n));
  }
  if (s.batch_size < 1 || s.batch_size > n) {
    throw Error("batcher: saved batch size " + std::to_string(s.batch_size) + " is outside [1, " +
                std::to_string(n) + "]");
  }
  if (s.position > n) {
    throw Error("batcher: saved position " + std::to_string(s.position) + " is past the " +
                std::to_string(n) + " samples of an epoch");
  }
  seed_ = s.seed;
  batch_size_ = static_cast<Index>(s.batch_size);
  position_ = static_cast<Index>(s.position);
  shuffle_for(s.epoch);
}

}  // namespace ts
