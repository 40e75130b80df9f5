// tanh of doubles, eight at a time with AVX-512, for the double networks' tanh layers: the
// pruning curves run a double copy of the network after the pruned layer for every sample a
// removal moves, and the C library's tanh took three quarters of their time on a network with
// a tanh there. Within 3 ulp of the correctly rounded tanh (tests/test_tanh_double.cpp);
// odd, so tanh(-x) = -tanh(x) exactly, and -0 stays -0. Without AVX-512, std::tanh.
//
// A pure function: any thread may call it on distinct outputs.
#pragma once

#include <cstddef>

namespace ts {

// y[i] = tanh(x[i]) for i in [0, n); x and y may be the same array.
void tanh_double(const double* x, double* y, std::size_t n);

}  // namespace ts
