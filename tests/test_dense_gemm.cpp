// The float kernels of dense and convolution layers (core/layers/dense_gemm.h) against
// products formed independently in double precision, on shapes that exercise every tile
// and tail; and the float Dense and Conv2d layers against the double layers (whose gradients
// test_layers.cpp checks by central differences) with the same parameters.
#include "core/layers/dense_gemm.h"
#include "core/layers/layer.h"
#include "core/layers/network.h"
#include "core/rng.h"

#include "tests/kernel_checks.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace ts;

using namespace ts::testing;

namespace {

// How many outputs of y = W x + b (W (m, k) row-major, x (k, n) and y (m, n) column-major)
// fall outside `terms` roundings' bound of the product in double.
int forward_outside(const Shape& s, const std::vector<float>& w, const std::vector<float>& b,
                    const std::vector<float>& x, const Guarded& y, Index terms) {
  int bad = 0;
  for (Index i = 0; i < s.m; ++i)
    for (Index j = 0; j < s.n; ++j) {
      double exact = b[std::size_t(i)], bound = std::abs(b[std::size_t(i)]);
      for (Index t = 0; t < s.k; ++t) {
        const double p = double(w[std::size_t(i * s.k + t)]) * double(x[std::size_t(j * s.k + t)]);
        exact += p;
        bound += std::abs(p);
      }
      bad += !within(y[std::size_t(j * s.m + i)], exact, bound, terms);
    }
  return bad;
}

}  // namespace

TEST_CASE("dense kernels: forward, input and weight gradients against double products") {
  Rng rng(3);
  // Forward tiles run from 5x5 to 10x1 (4x6 and 6x4 where 1 to 3 columns are left past the
  // fives), the gradients' are 48x8 (input) and 8x48 (weight), with 16-lane vectors: these
  // shapes hit full tiles, every remainder and masked k tails.
  const std::vector<Shape> shapes{{1, 1, 1},     {3, 7, 2},      {5, 16, 5},    {7, 17, 9},
                                  {10, 100, 32}, {13, 47, 11},   {16, 49, 8},   {24, 96, 17},
                                  {37, 33, 6},   {100, 300, 32}, {64, 576, 23}, {7, 20, 6},
                                  {10, 33, 12},  {6, 18, 13}};
  for (const Shape& s : shapes) {
    CAPTURE(s.m);
    CAPTURE(s.k);
    CAPTURE(s.n);
    const auto w = random_floats(std::size_t(s.m * s.k), rng);  // (m, k) row-major
    const auto b = random_floats(std::size_t(s.m), rng);
    const auto x = random_floats(std::size_t(s.k * s.n), rng);   // (k, n) column-major
    const auto dy = random_floats(std::size_t(s.m * s.n), rng);  // (m, n) column-major
    Guarded y(std::size_t(s.m * s.n)), dx(std::size_t(s.k * s.n)), dw(std::size_t(s.m * s.k)),
        db(std::size_t(s.m));
    dense_forward(w.data(), b.data(), x.data(), y.data(), s.m, s.k, s.n);
    dense_input_grad(w.data(), dy.data(), dx.data(), s.m, s.k, s.n);
    dense_weight_grad(dy.data(), x.data(), dw.data(), db.data(), s.m, s.k, s.n);

    CHECK(y.guards_intact());
    CHECK(dx.guards_intact());
    CHECK(dw.guards_intact());
    CHECK(db.guards_intact());
    int bad = forward_outside(s, w, b, x, y, s.k + 1);
    for (Index t = 0; t < s.k; ++t)
      for (Index j = 0; j < s.n; ++j) {
        double exact = 0, bound = 0;
        for (Index i = 0; i < s.m; ++i) {
          const double p =
              double(w[std::size_t(i * s.k + t)]) * double(dy[std::size_t(j * s.m + i)]);
          exact += p;
          bound += std::abs(p);
        }
        bad += !within(dx[std::size_t(j * s.k + t)], exact, bound, s.m);
      }
    for (Index i = 0; i < s.m; ++i) {
      double exact_b = 0, bound_b = 0;
      for (Index j = 0; j < s.n; ++j) {
        exact_b += dy[std::size_t(j * s.m + i)];
        bound_b += std::abs(dy[std::size_t(j * s.m + i)]);
      }
      bad += !within(db[std::size_t(i)], exact_b, bound_b, s.n);
      for (Index t = 0; t < s.k; ++t) {
        double exact = 0, bound = 0;
        for (Index j = 0; j < s.n; ++j) {
          const double p =
              double(dy[std::size_t(j * s.m + i)]) * double(x[std::size_t(j * s.k + t)]);
          exact += p;
          bound += std::abs(p);
        }
        bad += !within(dw[std::size_t(i * s.k + t)], exact, bound, s.n);
      }
    }
    CHECK(bad == 0);
  }
}

TEST_CASE("dense inference: long rows by packed outer products, within a block's bound") {
  Rng rng(21);
  // 64 rows by 256 of k a block, six columns a tile: these have rows past a multiple of 64, k
  // past a multiple of 256 (by 4 and 15) and every tail of columns (1 to 5).
  const std::vector<Shape> shapes{{70, 4100, 37}, {64, 4096, 32}, {130, 4111, 34},
                                  {20, 4103, 33}, {3, 4096, 35},  {1, 4097, 36}};
  for (const Shape& s : shapes) {
    CAPTURE(s.m);
    CAPTURE(s.k);
    CAPTURE(s.n);
    REQUIRE(dense_infer_packs(s.m, s.k, s.n) == dense_gemm_vectorized());
    const auto w = random_floats(std::size_t(s.m * s.k), rng);
    const auto b = random_floats(std::size_t(s.m), rng);
    const auto x = random_floats(std::size_t(s.k * s.n), rng);
    Guarded y(std::size_t(s.m * s.n));
    dense_infer(w.data(), b.data(), x.data(), y.data(), s.m, s.k, s.n);
    CHECK(y.guards_intact());
    // Each output is the bias plus one sum a block of 256, each in order: at most 256 + blocks
    // + 1 roundings deep, far below the k + 1 of one running sum.
    const Index depth = 256 + (s.k + 255) / 256 + 1;
    CHECK(forward_outside(s, w, b, x, y, depth) == 0);
  }
  // Shorter rows or fewer columns take dense_forward itself.
  for (const Shape& s : {Shape{256, 4095, 64}, Shape{40, 12544, 31}}) {
    CAPTURE(s.k);
    CHECK_FALSE(dense_infer_packs(s.m, s.k, s.n));
    const auto w = random_floats(std::size_t(s.m * s.k), rng);
    const auto b = random_floats(std::size_t(s.m), rng);
    const auto x = random_floats(std::size_t(s.k * s.n), rng);
    std::vector<float> y1(std::size_t(s.m * s.n)), y2(y1.size());
    dense_infer(w.data(), b.data(), x.data(), y1.data(), s.m, s.k, s.n);
    dense_forward(w.data(), b.data(), x.data(), y2.data(), s.m, s.k, s.n);
    CHECK(y1 == y2);
  }
}

TEST_CASE("dense kernels: an accumulated weight gradient adds the pieces' products exactly") {
  Rng rng(8);
  for (const Shape& s : {Shape{21, 50, 13}, Shape{9, 7, 5}, Shape{3, 1, 2}}) {
    CAPTURE(s.k);
    const Index m = s.m, k = s.k, n1 = s.n, n2 = 6;
    const auto x = random_floats(std::size_t(k * (n1 + n2)), rng);
    const auto dy = random_floats(std::size_t(m * (n1 + n2)), rng);
    const auto mk = std::size_t(m * k), ms = std::size_t(m);
    std::vector<float> part1(mk), part2(mk), db1(ms), db2(ms);
    dense_weight_grad(dy.data(), x.data(), part1.data(), db1.data(), m, k, n1);
    dense_weight_grad(dy.data() + m * n1, x.data() + k * n1, part2.data(), db2.data(), m, k, n2);
    std::vector<float> dw(mk, 0.0f), db(ms, 0.0f);
    dense_weight_grad(dy.data(), x.data(), dw.data(), db.data(), m, k, n1);
    dense_weight_grad(dy.data() + m * n1, x.data() + k * n1, dw.data(), db.data(), m, k, n2, true);
    int differ = 0;
    for (std::size_t i = 0; i < dw.size(); ++i) differ += dw[i] != part1[i] + part2[i];
    for (std::size_t i = 0; i < db.size(); ++i) differ += db[i] != db1[i] + db2[i];
    CHECK(differ == 0);
  }
}

TEST_CASE("dense kernels: a forward pass taken in pieces of rows is the whole pass") {
  // Pieces of 7, 12 and 10 rows (each starting its tiles of rows afresh), 11 columns (a tile
  // of 5 and one of 6), 50 inputs (a masked tail): with AVX-512 every output has the whole
  // pass's bits, which a training step taken by pieces on any number of threads needs; so does
  // each column taken alone (a 10x1 tile), whatever tile of columns the batch gave it.
  Rng rng(11);
  const Index m = 29, k = 50, n = 11;
  const auto w = random_floats(std::size_t(m * k), rng);
  const auto b = random_floats(std::size_t(m), rng);
  const auto x = random_floats(std::size_t(k * n), rng);
  std::vector<float> whole(std::size_t(m * n)), pieces(whole.size(), 7.0f);
  dense_forward(w.data(), b.data(), x.data(), whole.data(), m, k, n);
  dense_forward_rows(w.data(), b.data(), x.data(), pieces.data(), m, k, n, 7, 19);
  int outside = 0;  // rows outside the piece keep their value
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < m; ++i)
      outside += (i < 7 || i >= 19) && pieces[std::size_t(j * m + i)] != 7.0f;
  CHECK(outside == 0);
  dense_forward_rows(w.data(), b.data(), x.data(), pieces.data(), m, k, n, 0, 7);
  dense_forward_rows(w.data(), b.data(), x.data(), pieces.data(), m, k, n, 19, 29);
  int differ = 0;
  for (std::size_t i = 0; i < whole.size(); ++i)
    differ +=
        dense_gemm_vectorized() ? pieces[i] != whole[i] : std::abs(pieces[i] - whole[i]) > 1e-5f;
  CHECK(differ == 0);
  int column_differs = 0;
  std::vector<float> alone(static_cast<std::size_t>(m));
  for (Index j = 0; j < n; ++j) {
    dense_forward(w.data(), b.data(), x.data() + j * k, alone.data(), m, k, 1);
    for (Index i = 0; i < m; ++i) {
      const float a = alone[std::size_t(i)], o = whole[std::size_t(j * m + i)];
      column_differs += dense_gemm_vectorized() ? a != o : std::abs(a - o) > 1e-5f;
    }
  }
  CHECK(column_differs == 0);
}

TEST_CASE("dense kernels: a weight gradient's rows alone are the whole product's rows") {
  Rng rng(9);
  if (!dense_gemm_vectorized()) {
    MESSAGE("skipped: Eigen's products, without AVX-512, promise no rows' bits");
    return;
  }
  const Index m = 29, k = 50, n = 11;
  const auto x = random_floats(std::size_t(k * n), rng);
  const auto dy = random_floats(std::size_t(m * n), rng);
  std::vector<float> whole(std::size_t(m * k));
  dense_weight_grad(dy.data(), x.data(), whole.data(), nullptr, m, k, n);
  // Rows 3..20 (a tile of 8, then a remainder of 1) assigned, then added once more; the
  // rows outside keep the value they had.
  std::vector<float> rows(whole.size(), 7.0f);
  dense_weight_grad_rows(dy.data(), x.data(), rows.data(), m, k, n, 3, 20, false);
  int differ = 0;
  for (Index i = 0; i < m; ++i)
    for (Index j = 0; j < k; ++j) {
      const std::size_t at = std::size_t(i * k + j);
      differ += rows[at] != (i >= 3 && i < 20 ? whole[at] : 7.0f);
    }
  CHECK(differ == 0);
  dense_weight_grad_rows(dy.data(), x.data(), rows.data(), m, k, n, 3, 20, true);
  differ = 0;
  for (Index i = 3; i < 20; ++i)
    for (Index j = 0; j < k; ++j)
      differ += rows[std::size_t(i * k + j)] != whole[std::size_t(i * k + j)] * 2.0f;
  CHECK(differ == 0);
}

namespace {

// Runs one layer in float and in double on the same parameters and input; returns the
// largest difference of output, input gradient and parameter gradients, relative to the
// largest magnitude of each: the forward pass as training takes it, or with `inference`
// the output alone of an inference pass (where a 3x3 convolution takes F(4x4, 3x3)).
double float_vs_double(const LayerSpec& spec, Shape3 in, Index batch, Rng& rng,
                       bool inference = false) {
  auto lf = make_layer<float>(spec, in);
  auto ld = make_layer<double>(spec, in);
  Parameters<float> pf;
  Parameters<double> pd;
  lf->declare(pf);
  ld->declare(pd);
  pf.finalize();
  pd.finalize();
  for (std::size_t i = 0; i < pf.total_size(); ++i) {
    pf.values()[i] = float(rng.uniform(-0.5, 0.5));
    pd.values()[i] = double(pf.values()[i]);
  }
  Matrix<float> xf(in.size(), batch);
  for (Index i = 0; i < xf.size(); ++i) xf.data()[i] = float(rng.uniform(-1.0, 1.0));
  const Matrix<double> xd = xf.cast<double>();
  Matrix<float> yf;
  Matrix<double> yd;
  LayerCache<float> cf;
  LayerCache<double> cd;
  Rng dropout(1);
  const PassContext ctx{!inference, &dropout};
  lf->forward(pf.values(), xf, yf, cf, ctx);
  ld->forward(pd.values(), xd, yd, cd, ctx);
  const auto rel = [](const auto& a, const auto& b) {
    double diff = 0, scale = 1e-30;
    for (Index i = 0; i < Index(b.size()); ++i) {
      diff = std::max(diff, std::abs(double(a[std::size_t(i)]) - double(b[std::size_t(i)])));
      scale = std::max(scale, std::abs(double(b[std::size_t(i)])));
    }
    return diff / scale;
  };
  REQUIRE(yf.size() == yd.size());
  const std::vector<float> yv(yf.data(), yf.data() + yf.size());
  const std::vector<double> ydv(yd.data(), yd.data() + yd.size());
  if (inference) return rel(yv, ydv);
  Matrix<float> dyf(yf.rows(), yf.cols());
  for (Index i = 0; i < dyf.size(); ++i) dyf.data()[i] = float(rng.uniform(-1.0, 1.0));
  const Matrix<double> dyd = dyf.cast<double>();
  Matrix<float> dxf;
  Matrix<double> dxd;
  std::vector<float> gf(pf.total_size());
  std::vector<double> gd(pd.total_size());
  lf->backward(pf.values(), xf, yf, dyf, &dxf, gf, cf);
  ld->backward(pd.values(), xd, yd, dyd, &dxd, gd, cd);
  REQUIRE(dxf.size() == dxd.size());
  const std::vector<float> dxv(dxf.data(), dxf.data() + dxf.size());
  const std::vector<double> dxdv(dxd.data(), dxd.data() + dxd.size());
  return std::max({rel(yv, ydv), rel(dxv, dxdv), rel(gf, gd)});
}

}  // namespace

TEST_CASE("dense and conv2d layers in float agree with the double layers") {
  Rng rng(21);
  LayerSpec dense;
  dense.kind = LayerKind::dense;
  dense.name = "fc1";
  dense.units = 37;
  CHECK(float_vs_double(dense, Shape3{1, 1, 83}, 19, rng) < 2e-6);

  // 64 channels make 576 taps. At stride 1 with padding 1 each sample's windows are read in
  // place; with a 2x2 kernel padded by 2 (more than kernel - 1) the 256-tap columns are
  // formed, 512 a chunk, and 9x8 pixels by 10 samples (720 columns) take two chunks, the
  // weight gradient carried across them.
  LayerSpec conv;
  conv.kind = LayerKind::conv2d;
  conv.name = "conv1";
  conv.filters = 9;
  conv.kernel = 3;
  conv.padding = 1;
  CHECK(float_vs_double(conv, Shape3{6, 5, 64}, 10, rng) < 2e-6);
  conv.kernel = 2;
  conv.padding = 2;
  CHECK(float_vs_double(conv, Shape3{6, 5, 64}, 10, rng) < 2e-6);
  // At stride 1 the float input gradient is a convolution of dy with the flipped kernel:
  // a 5x5 kernel of 7 filters over 20 channels (padded to 32), unpadded and padded by 2 and
  // by 4 (all of k-1), on 9x8 pixels by 12 samples: windows read in place with the
  // vectorized kernels, else 864 columns of 175 taps, two chunks.
  conv.filters = 7;
  conv.kernel = 5;
  for (const Index pad : {Index(0), Index(2), Index(4)}) {
    CAPTURE(pad);
    conv.padding = pad;
    CHECK(float_vs_double(conv, Shape3{9, 8, 20}, 12, rng) < 2e-6);
  }
  // 3x3 at stride 1 from whole vectors of channels: Winograd's F(2x2, 3x3),
  // forward (32 and 16 channels) and input gradient (16 and 48 filters as its channels),
  // padded by 1 (dy by 1) and unpadded (dy by 2).
  conv.kernel = 3;
  conv.filters = 16;
  conv.padding = 1;
  CHECK(float_vs_double(conv, Shape3{6, 8, 32}, 5, rng) < 2e-6);
  conv.filters = 48;
  conv.padding = 0;
  CHECK(float_vs_double(conv, Shape3{10, 8, 16}, 3, rng) < 2e-6);
  // Odd sides: 7x9 and, unpadded, 5x7 outputs, whose last tiles reach past them.
  conv.filters = 16;
  conv.padding = 1;
  CHECK(float_vs_double(conv, Shape3{7, 9, 32}, 3, rng) < 2e-6);
  // Inference's forward by F(4x4, 3x3): 7x9 (tiles past both sides), and 28x28 of 64
  // channels as Conv-2's second layer. Its transforms' larger entries (up to 8 and 5) give
  // 2.1e-6 and 6.1e-6 here, where F(2x2, 3x3) stays under 2e-6; an 8 of Aᵀ made a 9 gives
  // 0.53 and 0.90.
  CHECK(float_vs_double(conv, Shape3{7, 9, 32}, 3, rng, true) < 1e-5);
  conv.filters = 64;
  CHECK(float_vs_double(conv, Shape3{28, 28, 64}, 2, rng, true) < 1e-5);
  conv.filters = 16;
  conv.padding = 0;
  CHECK(float_vs_double(conv, Shape3{7, 9, 16}, 3, rng) < 2e-6);
  // Padded by 2 (all of kernel - 1): an 8x7 output, and an input gradient from dy unpadded.
  conv.padding = 2;
  CHECK(float_vs_double(conv, Shape3{6, 5, 16}, 3, rng) < 2e-6);
  // Stride 2: dcols = Wᵀ dy added back by col2im.
  conv.filters = 9;
  conv.kernel = 3;
  conv.stride = 2;
  conv.padding = 0;
  CHECK(float_vs_double(conv, Shape3{7, 6, 3}, 4, rng) < 2e-6);
}
