// Append-only series read while written: every value published untorn, and the level-of-
// detail view's exact bucket extremes.
#include "core/train/series.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

using namespace ts;
using namespace std::chrono_literals;

TEST_CASE("a series publishes every pushed value to a concurrent reader, untorn") {
  // The writer pushes (step, value = f(step)); a reader copies the tail every millisecond
  // and checks every point it sees. The writer's longest push is measured, not asserted.
  ScalarSeries s;
  constexpr int64_t n = 400000;
  std::atomic<bool> done{false};
  std::atomic<bool> bad{false};
  std::size_t seen = 0;
  std::thread reader([&] {
    std::vector<SeriesPoint> copy;
    while (!done.load() || copy.size() < s.size()) {
      s.copy_new(copy);
      for (std::size_t i = seen; i < copy.size(); ++i)
        if (copy[i].step != int64_t(i) + 1 || copy[i].value != float((i + 1) % 1000) * 0.5f)
          bad = true;
      seen = copy.size();
      std::this_thread::sleep_for(1ms);
    }
  });
  double longest = 0;
  for (int64_t i = 1; i <= n; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    s.push(i, float(i % 1000) * 0.5f);
    longest = std::max(
        longest, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  done = true;
  reader.join();
  CHECK_FALSE(bad.load());
  CHECK(seen == std::size_t(n));
  MESSAGE("longest push while a reader copied: " << longest * 1e6 << " us");
}

TEST_CASE("a series' level-of-detail view gives each bucket's exact min and max") {
  ScalarSeries s;
  std::mt19937 rng(3);
  std::normal_distribution<float> noise;
  std::vector<float> v;
  for (int i = 0; i < 70000; ++i) {
    float x = noise(rng);
    if (i == 12345) x = 1e6f;           // a spike hidden in a summary block
    if (i == 20000) x = std::nanf("");  // skipped
    v.push_back(x);
    s.push(i * 2, x);
  }
  for (auto [begin, end, buckets] :
       {std::tuple{0, 70000, 700}, {100, 69000, 37}, {5, 300, 1000}, {0, 64, 1}}) {
    std::vector<SeriesBucket> out;
    s.view(std::size_t(begin), std::size_t(end), std::size_t(buckets), out);
    const std::size_t n = std::size_t(end - begin);
    REQUIRE(out.size() == std::min<std::size_t>(n, std::size_t(buckets)));
    for (std::size_t k = 0; k < out.size(); ++k) {
      const std::size_t a = std::size_t(begin) + n * k / out.size(),
                        z = std::size_t(begin) + n * (k + 1) / out.size();
      float lo = INFINITY, hi = -INFINITY;
      for (std::size_t i = a; i < z; ++i)
        if (!std::isnan(v[i])) lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
      CHECK(out[k].min == lo);
      CHECK(out[k].max == hi);
      CHECK(out[k].first_step == int64_t(a) * 2);
      CHECK(out[k].last_step == int64_t(z - 1) * 2);
    }
  }
}
