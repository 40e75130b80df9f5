#include "app/cli/core_round_trip.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace ts::cli {

double measure_core_round_trip() {
  if (std::thread::hardware_concurrency() < 2) return 0;
  constexpr int kBatches = 9, kTrips = 20000;
  // Odd values are the first thread's serve, even values the second's return; -1 ends.
  alignas(64) std::atomic<long> ball{0};
  std::thread partner([&] {
    for (long seen = 0;;) {
      long v;
      while ((v = ball.load(std::memory_order_acquire)) == seen) {
      }
      if (v < 0) return;
      seen = v + 1;
      ball.store(seen, std::memory_order_release);
    }
  });
  using Clock = std::chrono::steady_clock;
  std::vector<double> ns;
  long v = 0;
  for (int b = 0; b < kBatches; ++b) {
    const auto t0 = Clock::now();
    // A batch ends early after 20 ms: on a busy machine the partner may wait for a time slice
    // at every trip, and the measurement must still end soon.
    int trips = 0;
    while (trips < kTrips &&
           (trips % 256 != 0 || Clock::now() - t0 < std::chrono::milliseconds(20))) {
      ball.store(++v, std::memory_order_release);
      while (ball.load(std::memory_order_acquire) != v + 1) {
      }
      ++v;
      ++trips;
    }
    ns.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / trips);
  }
  ball.store(-1, std::memory_order_release);
  partner.join();
  std::nth_element(ns.begin(), ns.begin() + kBatches / 2, ns.end());
  return ns[kBatches / 2];
}

}  // namespace ts::cli
