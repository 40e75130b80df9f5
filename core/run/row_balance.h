// How the first dense layer's pieces of rows (StepRunner's deferred layer) are shared between
// the slots of a step, moved by how long each slot was busy with them.
//
// An even share makes every core wait at each barrier for the slowest. A core runs slower
// when another process or the host takes time from it, or when it is the smaller core of a
// hybrid CPU: on a 2-core EPYC guest one virtual CPU ran 15-23% slower than the other through
// whole rounds of LeNet, and the faster one spent 18% of each step waiting.
//
// Every kWindow steps, the balance looks at each boundary between two neighbouring slots. It
// takes the median over the window of each step's difference in busy time, so that a step in
// which the host stopped a core for a while does not count. When the slot after the boundary
// was busier by more than 1.5 times the other slot's time for one piece, one piece moves to
// the other slot, and the reverse. A move shortens the step once the difference is more than
// one piece's time on the receiving slot; the extra half keeps the next window's noise from
// moving it back, since the difference left is at most about half a piece the other way.
//
// Each slot keeps one contiguous run of pieces, as the even share gives it. Which slot
// computes a piece changes no number (core/owned_loop.h), so neither does the balance.
//
// Owned and called by the training thread only (StepRunner).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace ts {

class RowBalance {
 public:
  // Steps summed before each decision.
  static constexpr int kWindow = 32;

  // The layer's pieces are [first, end) of the step's pieces, two or more, shared among
  // `slots`. When any of these differs from the last call, the share starts again from the
  // even one (piece_owners') and the sums from zero.
  void layout(std::size_t first, std::size_t end, int slots);

  // Writes the owner of each of the layer's pieces into `owner` (end - first of them): slot
  // 0's run first, then slot 1's, and so on.
  void assign(std::span<int> owner) const;

  // One step's busy seconds for each slot in the passes that take the layer's rows. After
  // kWindow steps, moves at most one piece across each boundary and starts the sums again.
  void record(std::span<const double> busy);

  // The pieces of each slot, in slot order.
  std::span<const int> counts() const { return counts_; }

  // Off, the share stays as it is and record() does nothing (bench --row-balance compares).
  bool enabled() const { return enabled_; }
  void set_enabled(bool on) { enabled_ = on; }

  // Sets the share (for tests): one count per slot, each at least 1, summing to the layer's
  // pieces. Throws Error otherwise.
  void set_counts(std::span<const int> counts);

 private:
  std::size_t first_ = 0, end_ = 0;
  int slots_ = 0;
  std::vector<int> counts_, before_;  // before_: the counts a window's moves are decided on
  std::vector<double> busy_;          // summed over the window so far, one per slot
  // Each step's difference across each boundary (slot s + 1's busy time less slot s's),
  // kWindow a boundary.
  std::vector<double> differences_;
  int steps_ = 0;
  bool enabled_ = true;
};

}  // namespace ts
