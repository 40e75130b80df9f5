#include "core/run/row_balance.h"

#include "core/error.h"
#include "core/owned_loop.h"

#include <algorithm>
#include <string>

namespace ts {

void RowBalance::layout(std::size_t first, std::size_t end, int slots) {
  if (first == first_ && end == end_ && slots == slots_) return;
  first_ = first;
  end_ = end;
  slots_ = std::max(slots, 1);
  // The even share as piece_owners makes it for a tensor of several pieces: run_owners'.
  const std::size_t n = end_ > first_ ? end_ - first_ : 0;
  std::vector<int> owner;
  run_owners(int(n), slots_, owner);
  counts_.assign(std::size_t(slots_), 0);
  before_.reserve(std::size_t(slots_));
  for (int s : owner) ++counts_[std::size_t(s)];
  busy_.assign(std::size_t(slots_), 0.0);
  differences_.assign(std::size_t(slots_ - 1) * kWindow, 0.0);
  steps_ = 0;
}

void RowBalance::assign(std::span<int> owner) const {
  std::size_t k = 0;
  for (int s = 0; s < slots_; ++s)
    for (int i = 0; i < counts_[std::size_t(s)] && k < owner.size(); ++i) owner[k++] = s;
}

void RowBalance::record(std::span<const double> busy) {
  if (!enabled_ || slots_ < 2 || busy.size() != std::size_t(slots_)) return;
  for (int s = 0; s < slots_; ++s) busy_[std::size_t(s)] += busy[std::size_t(s)];
  for (int s = 0; s + 1 < slots_; ++s)
    differences_[std::size_t(s) * kWindow + std::size_t(steps_)] =
        busy[std::size_t(s) + 1] - busy[std::size_t(s)];
  if (++steps_ < kWindow) return;
  // Every boundary decided on the window's counts, then the moves made, none leaving a slot
  // without a piece.
  before_.assign(counts_.begin(), counts_.end());  // no allocation: sized by layout()
  const std::vector<int>& before = before_;
  for (int s = 0; s + 1 < slots_; ++s) {
    const int left = before[std::size_t(s)], right = before[std::size_t(s) + 1];
    if (left == 0 || right == 0) continue;
    // The median step's difference: a step in which the host took a core away for a while
    // (a millisecond, now and then, on a shared machine) does not move a piece.
    const auto first = differences_.begin() + std::ptrdiff_t(s) * kWindow;
    std::nth_element(first, first + kWindow / 2, first + kWindow);
    const double d = first[kWindow / 2];
    // Each side's time for one piece in a step. It counts the rest of those passes too (the
    // batch's copy, the other tensors' sums), so it errs on the side of moving less.
    const double per_left = busy_[std::size_t(s)] / kWindow / left,
                 per_right = busy_[std::size_t(s) + 1] / kWindow / right;
    int& to_left = counts_[std::size_t(s)];
    int& to_right = counts_[std::size_t(s) + 1];
    if (d > 1.5 * per_left && to_right > 1) {
      ++to_left;
      --to_right;
    } else if (-d > 1.5 * per_right && to_left > 1) {
      --to_left;
      ++to_right;
    }
  }
  std::fill(busy_.begin(), busy_.end(), 0.0);
  steps_ = 0;
}

void RowBalance::set_counts(std::span<const int> counts) {
  const std::size_t n = end_ > first_ ? end_ - first_ : 0;
  long total = 0;
  bool positive = true;
  for (int c : counts) {
    total += c;
    positive = positive && c >= 1;
  }
  if (counts.size() != std::size_t(slots_) || !positive || total != long(n))
    throw Error("RowBalance::set_counts: want " + std::to_string(slots_) +
                " counts of at least 1 summing to " + std::to_string(n) + ", got " +
                std::to_string(counts.size()) + " summing to " + std::to_string(total));
  counts_.assign(counts.begin(), counts.end());
  std::fill(busy_.begin(), busy_.end(), 0.0);
  steps_ = 0;
}

}  // namespace ts
