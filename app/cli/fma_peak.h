// The machine's measured fused multiply-add peak in single precision: a loop of independent
// FMA chains wide enough to fill both FMA units (AVX-512 where the CPU has it, else AVX2), on
// `cores` threads at once, for about `seconds`. What `bench` compares each model's GFLOP/s to
// (share_of_peak), measured on the same machine in the same sitting, the clock slowdown of
// wide vectors included. Any thread; it spawns and joins its own.
#pragma once

#include <string>

namespace ts::cli {

struct FmaPeak {
  double gflops = 0;  // over all the threads
  std::string isa;    // "AVX-512" or "AVX2"
};

FmaPeak measure_fma_peak(int cores, double seconds = 0.3);

}  // namespace ts::cli
