// tanh, the logistic sigmoid and ELU of doubles, eight at a time with AVX-512, for the double
// networks' activation layers: the pruning curves run a double copy of the network after the
// pruned layer for every sample a removal moves, and the C library's tanh took three quarters
// of their time on a network with a tanh there. Each is within 3 ulp of the correctly rounded
// value (tests/test_double_activations.cpp) and gives the same bits for a value wherever it
// lies in an array. tanh is odd, -0 included. Without AVX-512, the C library's functions.
//
// Pure functions: any thread may call them on distinct outputs.
#pragma once

#include <cstddef>

namespace ts {

// y[i] = tanh(x[i]) for i in [0, n); x and y may be the same array.
void tanh_double(const double* x, double* y, std::size_t n);

// y[i] = 1 / (1 + e^-x[i]) for i in [0, n); x and y may be the same array.
void sigmoid_double(const double* x, double* y, std::size_t n);

// y[i] = x[i] above 0, else alpha (e^x[i] - 1), for i in [0, n); x and y may be the same array.
// e^x - 1 is within 3 ulp of its correctly rounded value (not e^x less 1, which loses x's
// digits near 0).
void elu_double(const double* x, double* y, std::size_t n, double alpha);

}  // namespace ts
