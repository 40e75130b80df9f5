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
    // With AVX-512 the same bits; Eigen's products, the fallback, add the pieces' products
    // to what dwt holds, within a float sum's error.
    int differ = 0;
    for (std::size_t i = 0; i < whole.size(); ++i)
      differ += dense_gemm_vectorized()
                    ? whole[i] != pieces[i]
                    : std::abs(whole[i] - pieces[i]) > 1e-5f * (1.0f + std::abs(whole[i]));
    CHECK(differ == 0);
  }
}

TEST_CASE("conv kernels: the windows of a padded image give the products on its columns") {
  // Columns formed here by hand from the padded image, window by window, in the order
  // (ky, kx, channel); conv_forward_image and conv_weight_grad_image must give
  // conv_forward's and conv_weight_grad_t's values on them (with AVX-512 their bits), at
  // strides 1 to 3, kernels 1 to 5, filters in one to four vectors. The weight gradient is
  // taken twice, the second time added on, as a layer does sample after sample.
  struct Case {
    Index h, w, c, k, s, m;
  };
  Rng rng(13);
  for (const Case& t :
       {Case{9, 7, 3, 3, 1, 21}, Case{6, 6, 64, 3, 1, 64}, Case{8, 11, 5, 5, 2, 40},
        Case{4, 5, 17, 1, 1, 7}, Case{10, 9, 2, 4, 3, 33}, Case{7, 8, 6, 3, 1, 70}}) {
    CAPTURE(t.c);
    CAPTURE(t.k);
    CAPTURE(t.s);
    const Index oh = (t.h - t.k) / t.s + 1, ow = (t.w - t.k) / t.s + 1, n = oh * ow;
    const Index taps = t.k * t.k * t.c, mp = conv_padded_filters(t.m);
    const auto image = random_floats(std::size_t(t.h * t.w * t.c), rng);
    const auto w = random_floats(std::size_t(t.m * taps), rng);
    const auto b = random_floats(std::size_t(t.m), rng);
    std::vector<float> cols(std::size_t(taps * n)), wt(std::size_t(taps * mp));
    for (Index j = 0; j < n; ++j) {
      const Index oy = j / ow, ox = j % ow;
      for (Index ky = 0; ky < t.k; ++ky)
        for (Index kx = 0; kx < t.k; ++kx)
          for (Index ch = 0; ch < t.c; ++ch)
            cols[std::size_t(j * taps + (ky * t.k + kx) * t.c + ch)] =
                image[std::size_t(((oy * t.s + ky) * t.w + ox * t.s + kx) * t.c + ch)];
    }
    conv_pack_weights(w.data(), t.m, t.k * t.k * t.c, wt.data());
    Guarded by_cols(std::size_t(t.m * n)), by_image(std::size_t(t.m * n));
    conv_forward(wt.data(), b.data(), cols.data(), by_cols.data(), t.m, taps, n);
    conv_forward_image(wt.data(), b.data(), image.data(), t.w, t.c, t.k, t.s, oh, ow,
                       by_image.data(), t.m);
    CHECK(by_image.guards_intact());
    int bad = 0;
    for (Index f = 0; f < t.m; ++f)
      for (Index j = 0; j < n; ++j) {
        const float got = by_image[std::size_t(j * t.m + f)];
        double exact = b[std::size_t(f)], bound = std::abs(b[std::size_t(f)]);
        for (Index u = 0; u < taps; ++u) {
          const double p =
              double(w[std::size_t(f * taps + u)]) * double(cols[std::size_t(j * taps + u)]);
          exact += p;
          bound += std::abs(p);
        }
        bad += !within(got, exact, bound, taps + 1);
        if (dense_gemm_vectorized()) bad += got != by_cols[std::size_t(j * t.m + f)];
      }
    CHECK(bad == 0);

    const auto dy = random_floats(std::size_t(t.m * n), rng);
    Guarded dwt_cols(std::size_t(taps * mp)), dwt_image(std::size_t(taps * mp));
    for (const bool again : {false, true}) {
      conv_weight_grad_t(dy.data(), cols.data(), dwt_cols.data(), t.m, taps, n, again);
      conv_weight_grad_image(dy.data(), image.data(), t.w, t.c, t.k, t.s, oh, ow, dwt_image.data(),
                             t.m, again);
    }
    CHECK(dwt_image.guards_intact());
    int bad_dw = 0;
    for (Index f = 0; f < t.m; ++f)
      for (Index u = 0; u < taps; ++u) {
        const float got = dwt_image[std::size_t(u * mp + f)];
        double exact = 0, bound = 0;
        for (Index j = 0; j < n; ++j) {
          const double p =
              double(dy[std::size_t(j * t.m + f)]) * double(cols[std::size_t(j * taps + u)]);
          exact += 2 * p;
          bound += 2 * std::abs(p);
        }
        bad_dw += !within(got, exact, bound, 2 * n);
        if (dense_gemm_vectorized()) bad_dw += got != dwt_cols[std::size_t(u * mp + f)];
      }
    CHECK(bad_dw == 0);
  }
}
