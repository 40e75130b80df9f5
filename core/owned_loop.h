// Parallel loops whose items each belong to one worker of the task arena, the same one every
// time, so the data an item touches (a piece of the weights, its gradient and optimizer
// state; a shard's activations) stays in that worker's core's caches from one pass to the
// next and from one step to the next. Where the path between two cores is slow (on a 2-core
// AMD EPYC a line written by the other core reads at a third of the speed of a local one),
// data that changes core every step costs more than the arithmetic on it.
//
// An owner is a slot of the arena, 0 .. slots-1 (oneTBB's thread index in the arena: the
// thread that called execute() is 0). Which slot runs an item changes no number: every item
// is computed alone, and whatever is summed over items is summed afterwards in item order.
//
// Used by the training thread inside its tbb::task_arena (StepRunner, Optimizer); a step's
// passes, which wait for each other, run as phases of one loop (for_each_slot_in_phases).
#pragma once

#include "core/params.h"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <span>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace ts {

// A spin-wait hint to the core (x86's pause); nothing elsewhere.
inline void owned_loop_pause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// The most slots a loop spreads over; an arena with more threads leaves the rest idle here.
inline constexpr int kMaxOwnerSlots = 64;

// The slot count for an arena of `concurrency` threads.
inline int owner_slots(int concurrency) { return std::clamp(concurrency, 1, kMaxOwnerSlots); }

// Owners for parameter pieces (trained_pieces): each tensor cut into pieces is shared out in
// contiguous runs, one per slot, as evenly as its pieces allow (the first dense layer's rows
// half and half on two threads); each tensor that is a single piece goes to the slot with the
// fewest values so far. The same pieces and slot count give the same owners, so the gradient's
// finish and the optimizer's update, which cut the tensors alike, give a piece to one slot.
void piece_owners(std::span<const ParamPiece> pieces, int slots, std::vector<int>& owner);

// Owners for `items` items taken in contiguous runs: item i goes to slot i * slots / items.
void run_owners(int items, int slots, std::vector<int>& owner);

// The slots of one parallel loop, each taken by exactly one thread: the thread whose arena
// index is a free slot takes that one, else the first free slot.
class SlotClaims {
 public:
  explicit SlotClaims(int slots) : slots_(slots) {
    for (int s = 0; s < slots_; ++s) taken_[std::size_t(s)].store(false, std::memory_order_relaxed);
  }
  // True when this call took slot s.
  bool claim(int s) { return !taken_[std::size_t(s)].exchange(true); }
  bool taken(int s) const { return taken_[std::size_t(s)].load(std::memory_order_relaxed); }
  // The calling thread's own slot if free, else the first free slot, else -1.
  int claim_first() {
    const int me = tbb::this_task_arena::current_thread_index();
    if (me >= 0 && me < slots_ && claim(me)) return me;
    for (int s = 0; s < slots_; ++s)
      if (claim(s)) return s;
    return -1;
  }

 private:
  int slots_;
  std::array<std::atomic<bool>, kMaxOwnerSlots> taken_;
};

// Calls f(i) for every item i of `owner` (each owner in [0, slots)), a slot's items in item
// order on one thread. The thread whose arena index is a slot takes that slot; a slot whose
// thread is still asleep when the others have finished theirs is taken by one of them, so
// every item runs exactly once whoever is awake. Call inside the arena.
template <class F>
void for_each_owned(std::span<const int> owner, int slots, F&& f) {
  slots = owner_slots(slots);
  auto run_slot = [&](int s) {
    for (std::size_t i = 0; i < owner.size(); ++i)
      if (owner[i] == s) f(i);
  };
  if (slots == 1) {
    run_slot(0);
    return;
  }
  SlotClaims claims(slots);
  tbb::parallel_for(
      0, slots, 1,
      [&](int) {
        if (const int s = claims.claim_first(); s >= 0) run_slot(s);
      },
      tbb::simple_partitioner());
}

// Calls f(phase, slot) for every phase in [0, phases) and every slot in [0, slots), phase p
// of every slot before phase p + 1 of any, each slot's phases on one thread: like one
// for_each_owned a phase, but the threads stay in one parallel loop and wait for each other
// between phases at a barrier (spinning, then yielding), which on a 2-core EPYC takes about
// 1 us where ending one loop and starting the next took 3.4. A slot whose thread has not
// come by the first barrier is taken by a thread waiting there (every slot's first phase is
// done before anyone passes it, so no later phase can be missed). Each call runs isolated,
// so a nested parallel loop inside f cannot take up another slot's phases on a waiting
// thread. An exception from f stops every slot at its next phase and is rethrown. Call inside
// the arena.
template <class F>
void for_each_slot_in_phases(int slots, int phases, F&& f) {
  slots = owner_slots(slots);
  if (slots == 1) {
    for (int p = 0; p < phases; ++p) f(p, 0);
    return;
  }
  SlotClaims claims(slots);
  // Slot-phases done so far: phase p is done everywhere when it reaches (p + 1) * slots.
  std::atomic<long> done{0};
  // The first exception thrown by f: every thread then stops (none waits for a phase that
  // will not end), and it is thrown here once they have.
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  auto run = [&](int p, int s) {
    try {
      tbb::this_task_arena::isolate([&] { f(p, s); });
    } catch (...) {
      if (!failed.exchange(true)) error = std::current_exception();
    }
    done.fetch_add(1, std::memory_order_acq_rel);
  };
  tbb::parallel_for(
      0, slots, 1,
      [&](int) {
        std::array<int, kMaxOwnerSlots> held{};
        int n_held = 0;
        if (const int s = claims.claim_first(); s >= 0)
          held[std::size_t(n_held++)] = s;
        else
          return;  // every slot already has a thread
        for (int p = 0; p < phases && !failed.load(std::memory_order_acquire); ++p) {
          for (int i = 0; i < n_held; ++i) run(p, held[std::size_t(i)]);
          const long target = long(p + 1) * slots;
          for (int spins = 0; done.load(std::memory_order_acquire) < target &&
                              !failed.load(std::memory_order_acquire);
               ++spins) {
            if (p == 0)
              for (int s = 0; s < slots; ++s)
                if (!claims.taken(s) && claims.claim(s)) {
                  held[std::size_t(n_held++)] = s;
                  run(0, s);
                }
            if (spins < 2048)
              owned_loop_pause();
            else
              std::this_thread::yield();
          }
        }
      },
      tbb::simple_partitioner());
  if (error) std::rethrow_exception(error);
}

}  // namespace ts
