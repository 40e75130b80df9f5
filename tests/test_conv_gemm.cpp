// The float kernels of a convolution's forward pass and weight gradient
// (core/layers/conv_gemm.h) against products formed independently in double precision, on
// shapes that exercise every tile width, filter block, block of taps or pixels and tail; with
// AVX-512, against the exact float sequence of fused multiply-adds the header promises.
#include "core/layers/conv_gemm.h"
#include "core/layers/dense_gemm.h"
#include "core/rng.h"

#include "tests/kernel_checks.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace ts;

using namespace ts::testing;

TEST_CASE("conv kernels: forward and weight gradient against double products") {
  Rng rng(5);
  // Filters: one to four vectors, masked last vectors and a second block of 64 (70, 130).
  // Taps: 1, a 3x3 kernel of one channel, and more than one L1 block of taps (400, 576).
  // Pixels: tails of every width and more than one L1 block of pixels (200).
  const std::vector<Shape> shapes{{1, 1, 1},     {5, 9, 13},    {16, 17, 7},  {21, 9, 200},
                                  {48, 100, 10}, {64, 576, 23}, {64, 9, 200}, {70, 400, 11},
                                  {130, 27, 17}, {33, 64, 15}};
  for (const Shape& s : shapes) {
    CAPTURE(s.m);
    CAPTURE(s.k);
    CAPTURE(s.n);
    const Index mp = conv_padded_filters(s.m);
    CHECK(mp % 16 == 0);
    CHECK(mp >= s.m);
    CHECK(mp < s.m + 16);
    const auto w = random_floats(std::size_t(s.m * s.k), rng);  // (m, k) row-major
    const auto b = random_floats(std::size_t(s.m), rng);
    const auto cols = random_floats(std::size_t(s.k * s.n), rng);  // (k, n) column-major
    const auto dy = random_floats(std::size_t(s.m * s.n), rng);    // (m, n) column-major
    Guarded wt(std::size_t(s.k * mp)), y(std::size_t(s.m * s.n)), dwt(std::size_t(s.k * mp)),
        dw(std::size_t(s.m * s.k));
    conv_pack_weights(w.data(), s.m, s.k, wt.data());
    conv_forward(wt.data(), b.data(), cols.data(), y.data(), s.m, s.k, s.n);
    conv_weight_grad_t(dy.data(), cols.data(), dwt.data(), s.m, s.k, s.n, false);
    conv_unpack_weight_grad(dwt.data(), s.m, s.k, dw.data(), false);
    CHECK(wt.guards_intact());
    CHECK(y.guards_intact());
    CHECK(dwt.guards_intact());
    CHECK(dw.guards_intact());

    int bad_pack = 0, bad_y = 0, bad_dw = 0, bad_pad = 0;
    for (Index t = 0; t < s.k; ++t)
      for (Index f = 0; f < mp; ++f) {
        const float want = f < s.m ? w[std::size_t(f * s.k + t)] : 0.0f;
        bad_pack += wt[std::size_t(t * mp + f)] != want;
        bad_pad += f >= s.m && dwt[std::size_t(t * mp + f)] != 0.0f;
      }
    for (Index f = 0; f < s.m; ++f)
      for (Index j = 0; j < s.n; ++j) {
        double exact = b[std::size_t(f)], bound = std::abs(b[std::size_t(f)]);
        for (Index t = 0; t < s.k; ++t) {
          const double p =
              double(w[std::size_t(f * s.k + t)]) * double(cols[std::size_t(j * s.k + t)]);
          exact += p;
          bound += std::abs(p);
        }
        bad_y += !within(y[std::size_t(j * s.m + f)], exact, bound, s.k + 1);
      }
    for (Index f = 0; f < s.m; ++f)
      for (Index t = 0; t < s.k; ++t) {
        double exact = 0, bound = 0;
        for (Index j = 0; j < s.n; ++j) {
          const double p =
              double(dy[std::size_t(j * s.m + f)]) * double(cols[std::size_t(j * s.k + t)]);
          exact += p;
          bound += std::abs(p);
        }
        bad_dw += !within(dw[std::size_t(f * s.k + t)], exact, bound, s.n);
      }
    CHECK(bad_pack == 0);
    CHECK(bad_pad == 0);
    CHECK(bad_y == 0);
    CHECK(bad_dw == 0);

    // The vectorized kernels take each output as one fused multiply-add after another: taps
    // in order from the bias, pixels in order from zero. Nothing else gives these bits.
    if (dense_gemm_vectorized()) {
      int differ_y = 0, differ_dw = 0;
      for (Index f = 0; f < s.m; ++f)
        for (Index j = 0; j < s.n; ++j) {
          float acc = b[std::size_t(f)];
          for (Index t = 0; t < s.k; ++t)
            acc = std::fma(w[std::size_t(f * s.k + t)], cols[std::size_t(j * s.k + t)], acc);
          differ_y += y[std::size_t(j * s.m + f)] != acc;
        }
      for (Index f = 0; f < s.m; ++f)
        for (Index t = 0; t < s.k; ++t) {
          float acc = 0.0f;
          for (Index j = 0; j < s.n; ++j)
            acc = std::fma(dy[std::size_t(j * s.m + f)], cols[std::size_t(j * s.k + t)], acc);
          differ_dw += dw[std::size_t(f * s.k + t)] != acc;
        }
      CHECK(differ_y == 0);
      CHECK(differ_dw == 0);
    }
  }
}

TEST_CASE("conv kernels: a weight gradient taken in pieces of pixels is the whole gradient") {
  // Pieces of 37, 100 and 63 pixels of 200: each piece continues from what the last left.
  Rng rng(9);
  for (const Shape& s : {Shape{64, 576, 200}, Shape{21, 9, 200}, Shape{70, 30, 200}}) {
    CAPTURE(s.m);
    const Index mp = conv_padded_filters(s.m);
    const auto cols = random_floats(std::size_t(s.k * s.n), rng);
    const auto dy = random_floats(std::size_t(s.m * s.n), rng);
    std::vector<float> whole(std::size_t(s.k * mp)), pieces(std::size_t(s.k * mp), 7.0f);
    conv_weight_grad_t(dy.data(), cols.data(), whole.data(), s.m, s.k, s.n, false);
    Index p0 = 0;
    for (const Index count : {Index(37), Index(100), Index(63)}) {
      conv_weight_grad_t(dy.data() + p0 * s.m, cols.data() + p0 * s.k, pieces.data(), s.m, s.k,
                         count, p0 > 0);
      p0 += count;
    }
    REQUIRE(p0 == s.n);
    int differ = 0;
    for (std::size_t i = 0; i < whole.size(); ++i) differ += whole[i] != pieces[i];
    CHECK(differ == 0);
  }
}
