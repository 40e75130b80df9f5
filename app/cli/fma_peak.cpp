#include "app/cli/fma_peak.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace ts::cli {

namespace {

// Twelve independent chains a = a * b + c: with a latency of four cycles and two FMA units,
// eight are enough to keep both busy; twelve leave room. Returns the FLOPs done; the result is
// written to `sink` so the loop is not optimized away.
__attribute__((target("avx512f"))) double chains_avx512(int64_t iters, float* sink) {
  __m512 a[12];
  for (int k = 0; k < 12; ++k) a[k] = _mm512_set1_ps(1.0f + 0.01f * float(k));
  const __m512 b = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < iters; ++i)
    for (int k = 0; k < 12; ++k) a[k] = _mm512_fmadd_ps(a[k], b, c);
  __m512 s = a[0];
  for (int k = 1; k < 12; ++k) s = _mm512_add_ps(s, a[k]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  float t = 0;
  for (float v : lanes) t += v;
  *sink = t;
  return double(iters) * 12 * 16 * 2;
}

__attribute__((target("avx2,fma"))) double chains_avx2(int64_t iters, float* sink) {
  __m256 a[12];
  for (int k = 0; k < 12; ++k) a[k] = _mm256_set1_ps(1.0f + 0.01f * float(k));
  const __m256 b = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iters; ++i)
    for (int k = 0; k < 12; ++k) a[k] = _mm256_fmadd_ps(a[k], b, c);
  __m256 s = a[0];
  for (int k = 1; k < 12; ++k) s = _mm256_add_ps(s, a[k]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  float t = 0;
  for (float v : lanes) t += v;
  *sink = t;
  return double(iters) * 12 * 8 * 2;
}

}  // namespace

FmaPeak measure_fma_peak(int cores, double seconds) {
  const bool wide = __builtin_cpu_supports("avx512f");
  auto chains = wide ? chains_avx512 : chains_avx2;
  FmaPeak peak;
  peak.isa = wide ? "AVX-512" : "AVX2";
  // A round: every thread runs `iters` iterations at once; its rate is all their FLOPs over
  // the wall time. Rounds double in length until one takes a quarter of `seconds`, then three
  // more; the best is the peak (a round that lost its core to another process is slower, never
  // faster).
  using Clock = std::chrono::steady_clock;
  const std::size_t n = std::size_t(std::max(cores, 1));
  auto round = [&](int64_t iters, double& secs) {
    std::vector<float> sinks(n * 16);  // a cache line each
    std::vector<double> flops(n);
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < n; ++t)
      threads.emplace_back([&, t] { flops[t] = chains(iters, &sinks[t * 16]); });
    for (auto& th : threads) th.join();
    secs = std::chrono::duration<double>(Clock::now() - t0).count();
    double total = 0;
    for (double f : flops) total += f;
    return total / secs / 1e9;
  };
  int64_t iters = 1 << 12;
  double secs = 0;
  for (peak.gflops = round(iters, secs); secs < seconds / 4 && iters < (int64_t(1) << 40);)
    peak.gflops = std::max(peak.gflops, round(iters *= 2, secs));
  for (int i = 0; i < 3; ++i) peak.gflops = std::max(peak.gflops, round(iters, secs));
  return peak;
}

}  // namespace ts::cli
