// The first dense layer's pieces shared between slots by their busy time (core/run/
// row_balance.h), fed the busy times of slots whose time for a piece is known: the share it
// settles on against the best share found by trying every one, a window of steps before any
// move, a stalled step that does not move a piece, and the even share it starts from
// against piece_owners'.
#include "core/error.h"
#include "core/owned_loop.h"
#include "core/run/row_balance.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

using namespace ts;

namespace {

// One window of steps in which slot s takes `per_piece[s]` seconds a piece, plus `fixed`.
void window(RowBalance& b, const std::vector<double>& per_piece, double fixed = 0.0) {
  for (int step = 0; step < RowBalance::kWindow; ++step) {
    std::vector<double> busy;
    for (std::size_t s = 0; s < per_piece.size(); ++s)
      busy.push_back(fixed + per_piece[s] * b.counts()[s]);
    b.record(busy);
  }
}

double step_time(std::span<const int> counts, const std::vector<double>& per_piece) {
  double most = 0;
  for (std::size_t s = 0; s < counts.size(); ++s) most = std::max(most, per_piece[s] * counts[s]);
  return most;
}

}  // namespace

TEST_CASE("row balance: the even share it starts from is piece_owners'") {
  // A layer of one piece is left to piece_owners (StepRunner balances two or more).
  for (int slots : {1, 2, 3, 4})
    for (std::size_t n = 2; n <= 20; ++n) {
      CAPTURE(slots);
      CAPTURE(n);
      // Two single-piece tensors around the layer's n pieces, as a network's biases are.
      std::vector<ParamPiece> pieces{{0, 0, 10}};
      for (std::size_t i = 0; i < n; ++i) pieces.push_back({1, 10 + 100 * i, 100});
      pieces.push_back({2, 10 + 100 * n, 10});
      std::vector<int> want;
      piece_owners(pieces, slots, want);
      RowBalance b;
      b.layout(1, 1 + n, slots);
      std::vector<int> got(want);
      b.assign(std::span<int>(got).subspan(1, n));
      CHECK(got == want);
    }
}

TEST_CASE("row balance: a slower slot gives pieces to the faster until the step is shortest") {
  // Slot 1 takes `slow` times as long a piece; the best share is found by trying them all.
  for (double slow : {1.0, 1.1, 1.3, 1.6, 2.0, 3.0, 0.7, 0.4}) {
    CAPTURE(slow);
    const std::vector<double> per_piece{1e-5, slow * 1e-5};
    RowBalance b;
    b.layout(3, 19, 2);  // 16 pieces
    for (int w = 0; w < 40; ++w) window(b, per_piece);
    const std::vector<int> settled(b.counts().begin(), b.counts().end());
    // It has stopped moving.
    for (int w = 0; w < 5; ++w) window(b, per_piece);
    CHECK(std::vector<int>(b.counts().begin(), b.counts().end()) == settled);
    double best = 1e9;
    for (int left = 1; left < 16; ++left) {
      const std::vector<int> c{left, 16 - left};
      best = std::min(best, step_time(c, per_piece));
    }
    // Within half the slower slot's piece of the best: the margin that keeps moves from
    // being undone.
    CHECK(step_time(settled, per_piece) <= best + 0.5 * std::max(per_piece[0], per_piece[1]));
    CHECK(settled[0] + settled[1] == 16);
    if (slow == 1.0) CHECK(settled == std::vector<int>{8, 8});
    if (slow > 1.2) CHECK(settled[0] > 8);
    if (slow < 0.8) CHECK(settled[1] > 8);
  }
}

TEST_CASE("row balance: three slots, the middle one slow, gives pieces to both sides") {
  const std::vector<double> per_piece{1e-5, 2e-5, 1e-5};
  RowBalance b;
  b.layout(0, 24, 3);
  CHECK(std::vector<int>(b.counts().begin(), b.counts().end()) == std::vector<int>{8, 8, 8});
  for (int w = 0; w < 40; ++w) window(b, per_piece);
  const auto c = b.counts();
  CHECK(c[0] > 8);
  CHECK(c[2] > 8);
  CHECK(c[1] < 8);
  CHECK(c[0] + c[1] + c[2] == 24);
  std::vector<int> owner(24, -1);
  b.assign(owner);
  // One contiguous run a slot, in slot order.
  CHECK(std::is_sorted(owner.begin(), owner.end()));
  CHECK(std::count(owner.begin(), owner.end(), 1) == c[1]);
}

TEST_CASE("row balance: nothing moves before a window is full, nor for a stalled step") {
  RowBalance b;
  b.layout(0, 16, 2);
  // Slot 1 twice as slow for one step short of a window: no move yet; the next step moves one.
  for (int step = 0; step + 1 < RowBalance::kWindow; ++step) b.record(std::vector{8e-5, 16e-5});
  CHECK(b.counts()[0] == 8);
  b.record(std::vector{8e-5, 16e-5});
  CHECK(b.counts()[0] == 9);

  // Even slots, but in each window one step where slot 1 was stopped for a millisecond: its
  // mean is 40% over the other's, its median step even.
  RowBalance even;
  even.layout(0, 16, 2);
  for (int w = 0; w < 10; ++w)
    for (int step = 0; step < RowBalance::kWindow; ++step)
      even.record(std::vector{8e-5, step == 5 ? 8e-5 + 1e-3 : 8e-5});
  CHECK(even.counts()[0] == 8);

  // A slot keeps at least one piece however slow it is.
  RowBalance slow;
  slow.layout(0, 16, 2);
  for (int w = 0; w < 40; ++w) window(slow, {1e-5, 1e-2});
  CHECK(std::vector<int>(slow.counts().begin(), slow.counts().end()) == std::vector<int>{15, 1});

  // Off, nothing moves; on again, it goes on from there.
  RowBalance off;
  off.layout(0, 16, 2);
  off.set_enabled(false);
  for (int w = 0; w < 5; ++w) window(off, {1e-5, 3e-5});
  CHECK(off.counts()[0] == 8);
  off.set_enabled(true);
  window(off, {1e-5, 3e-5});
  CHECK(off.counts()[0] == 9);
}

TEST_CASE(
    "row balance: a new layout starts from the even share, and a share set by hand is checked") {
  RowBalance b;
  b.layout(0, 16, 2);
  for (int w = 0; w < 3; ++w) window(b, {1e-5, 3e-5});
  CHECK(b.counts()[0] == 11);
  b.layout(0, 16, 2);  // the same: kept
  CHECK(b.counts()[0] == 11);
  b.layout(0, 12, 2);
  CHECK(std::vector<int>(b.counts().begin(), b.counts().end()) == std::vector<int>{6, 6});
  b.set_counts(std::vector{1, 11});
  CHECK(b.counts()[0] == 1);
  CHECK_THROWS_WITH_AS(b.set_counts(std::vector{0, 12}),
                       "RowBalance::set_counts: want 2 counts of at least 1 summing to 12, got 2 "
                       "summing to 12",
                       Error);
  CHECK_THROWS_AS(b.set_counts(std::vector{5, 6}), Error);
  CHECK_THROWS_AS(b.set_counts(std::vector{4, 4, 4}), Error);
}
