// Loops whose items belong to one worker (core/owned_loop.h): the pieces a matrix is cut into
// (core/params.h) and the owners of pieces and of shards, checked against hand-worked cuts and
// assignments; every item runs exactly once, a slot's items in order on one thread, with as
// many threads as slots, with fewer, and with more.
#include "core/owned_loop.h"

#include <doctest/doctest.h>

#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace ts;

TEST_CASE(
    "piece owners: a tensor's pieces in runs over the slots, single pieces to the least "
    "loaded") {
  // Tensor 0 in five pieces of 100, tensor 1 one piece of 30, tensor 2 two pieces of 50 and 40,
  // tensor 3 one piece of 10.
  const std::vector<ParamPiece> pieces = {{0, 0, 100},   {0, 100, 100}, {0, 200, 100},
                                          {0, 300, 100}, {0, 400, 100}, {1, 512, 30},
                                          {2, 544, 50},  {2, 594, 40},  {3, 640, 10}};
  std::vector<int> owner;
  piece_owners(pieces, 2, owner);
  // Tensor 0: piece i to slot i * 2 / 5 = 0, 0, 0, 1, 1 (loads 300 and 200). Tensor 1 to the
  // lighter slot 1 (230). Tensor 2: 0 and 1 (350, 270). Tensor 3 to slot 1 (280).
  CHECK(owner == std::vector<int>{0, 0, 0, 1, 1, 1, 0, 1, 1});
  piece_owners(pieces, 3, owner);
  // Tensor 0: i * 3 / 5 = 0, 0, 1, 1, 2 (200, 200, 100); tensor 1 to slot 2 (130); tensor 2:
  // 0 and 1 (250, 240); tensor 3 to slot 2.
  CHECK(owner == std::vector<int>{0, 0, 1, 1, 2, 2, 0, 1, 2});
  piece_owners(pieces, 1, owner);
  CHECK(owner == std::vector<int>(pieces.size(), 0));
  // An arena wider than kMaxOwnerSlots uses that many slots.
  piece_owners(pieces, 1000, owner);
  for (int o : owner) CHECK((o >= 0 && o < kMaxOwnerSlots));
}

TEST_CASE("trained pieces: whole rows shared evenly, other tensors in runs of kParamPiece") {
  // LeNet's first layer (300 rows of 784), a frozen tensor, a vector, and a matrix whose rows
  // are longer than a piece.
  std::vector<ParamInfo> infos(4);
  infos[0].shape = {300, 784};
  infos[0].size = 300 * 784;
  infos[1].shape = {100, 300};
  infos[1].size = 30000;
  infos[1].offset = 235200;
  infos[1].frozen = true;
  infos[2].shape = {40000};
  infos[2].size = 40000;
  infos[2].offset = 265216;
  infos[3].shape = {2, 20000};
  infos[3].size = 40000;
  infos[3].offset = 305216;
  std::vector<ParamPiece> pieces;
  trained_pieces(infos, pieces);
  // 300 rows need 15.6 pieces of at most kParamPiece (20 rows), so 16: 18 or 19 rows each,
  // rows 300 p / 16 to 300 (p + 1) / 16; the first eight hold 150 rows.
  REQUIRE(pieces.size() == 16 + 3 + 3);
  std::size_t at = 0, first_half = 0;
  for (std::size_t p = 0; p < 16; ++p) {
    CHECK(pieces[p].tensor == 0);
    CHECK(pieces[p].offset == at);
    CHECK(pieces[p].size == (300 * (p + 1) / 16 - 300 * p / 16) * 784);
    at += pieces[p].size;
    if (p < 8) first_half += pieces[p].size;
  }
  CHECK(at == 300 * 784);
  CHECK(first_half == 150 * 784);
  CHECK(pieces[16].tensor == 2);
  CHECK(pieces[16].offset == 265216);
  CHECK(pieces[16].size == kParamPiece);
  CHECK(pieces[18].size == 40000 - 2 * kParamPiece);
  CHECK(pieces[19].tensor == 3);
  CHECK(pieces[21].offset == 305216 + 2 * kParamPiece);
  CHECK(row_pieces(infos[0]) == 16);
  CHECK(row_pieces(infos[3]) == 0);
}

TEST_CASE("run owners: contiguous runs, item i to slot i * slots / items") {
  std::vector<int> owner;
  run_owners(4, 2, owner);
  CHECK(owner == std::vector<int>{0, 0, 1, 1});
  run_owners(3, 2, owner);
  CHECK(owner == std::vector<int>{0, 0, 1});
  run_owners(2, 4, owner);
  CHECK(owner == std::vector<int>{0, 2});
}

TEST_CASE("owned loop: every item once, a slot's items in order on one thread") {
  std::vector<int> owner;
  run_owners(23, 4, owner);
  for (int threads : {1, 2, 4, 6}) {
    CAPTURE(threads);
    tbb::task_arena arena(threads);
    for (int round = 0; round < 50; ++round) {
      std::vector<int> runs(owner.size(), 0), thread(owner.size(), -1);
      std::vector<std::size_t> order;
      std::mutex m;
      arena.execute([&] {
        for_each_owned(owner, 4, [&](std::size_t i) {
          std::lock_guard<std::mutex> lock(m);
          ++runs[i];
          thread[i] = tbb::this_task_arena::current_thread_index();
          order.push_back(i);
        });
      });
      CHECK(runs == std::vector<int>(owner.size(), 1));
      // One thread a slot, and within the order, a slot's items rising.
      for (std::size_t i = 1; i < owner.size(); ++i)
        if (owner[i] == owner[i - 1]) CHECK(thread[i] == thread[i - 1]);
      std::vector<long> last(4, -1);
      for (std::size_t i : order) {
        CHECK(long(i) > last[std::size_t(owner[i])]);
        last[std::size_t(owner[i])] = long(i);
      }
    }
  }
}

namespace {
// Runs for_each_slot_in_phases over `slots` slots and `phases` phases in `arena` and checks
// that every (phase, slot) ran once, a slot's phases on one thread, and no phase began on
// any slot before the one before it had ended on every slot. Returns how many threads ran
// slots.
std::size_t check_phases(tbb::task_arena& arena, int slots, int phases, bool nested) {
  std::mutex m;
  std::vector<int> runs(std::size_t(slots * phases), 0), thread(std::size_t(slots), -1);
  std::vector<int> ended(std::size_t(phases), 0);
  int violations = 0;
  arena.execute([&] {
    for_each_slot_in_phases(slots, phases, [&](int p, int s) {
      {
        std::lock_guard<std::mutex> lock(m);
        ++runs[std::size_t(p * slots + s)];
        const int me = tbb::this_task_arena::current_thread_index();
        if (thread[std::size_t(s)] < 0) thread[std::size_t(s)] = me;
        if (thread[std::size_t(s)] != me) ++violations;
        if (p > 0 && ended[std::size_t(p - 1)] != slots) ++violations;
      }
      if (nested) {
        std::atomic<int> sum{0};
        tbb::parallel_for(0, 64, [&](int i) { sum += i; });
        CHECK(sum == 64 * 63 / 2);
      }
      std::lock_guard<std::mutex> lock(m);
      ++ended[std::size_t(p)];
    });
  });
  CHECK(runs == std::vector<int>(runs.size(), 1));
  CHECK(violations == 0);
  std::sort(thread.begin(), thread.end());
  return std::size_t(std::unique(thread.begin(), thread.end()) - thread.begin());
}
}  // namespace

TEST_CASE("phased slots: every phase of every slot once, in phase order, a slot on one thread") {
  for (int threads : {1, 2, 4, 6}) {
    CAPTURE(threads);
    tbb::task_arena arena(threads);
    for (int round = 0; round < 30; ++round) {
      check_phases(arena, 4, 3, false);
      check_phases(arena, 2, 4, round % 3 == 0);  // nested loops cannot take another slot
    }
  }
  // A worker that never comes: the arena's second thread is held by a loop on another caller
  // until this one is done, so the first thread must take both slots.
  tbb::task_arena arena(2);
  std::atomic<bool> hold{true}, held{false};
  std::thread holder([&] {
    arena.execute([&] {
      held = true;
      while (hold) std::this_thread::yield();
    });
  });
  while (!held) std::this_thread::yield();
  for (int round = 0; round < 20; ++round) CHECK(check_phases(arena, 2, 3, false) == 1);
  hold = false;
  holder.join();
}

TEST_CASE("phased slots: an exception in one slot's phase ends every slot and is rethrown") {
  for (int threads : {1, 2, 4}) {
    CAPTURE(threads);
    tbb::task_arena arena(threads);
    for (int round = 0; round < 20; ++round) {
      std::atomic<int> after{0};
      CHECK_THROWS_WITH_AS(arena.execute([&] {
        for_each_slot_in_phases(threads, 4, [&](int p, int s) {
          if (p == 1 && s == threads - 1) throw std::runtime_error("phase 1 failed");
          if (p >= 2) ++after;
        });
      }),
                           "phase 1 failed", std::runtime_error);
      CHECK(after == 0);  // no slot went on past the phase that failed
    }
  }
}
