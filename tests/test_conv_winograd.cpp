// The Winograd convolutions (core/layers/conv_winograd.h), F(2x2, 3x3) and inference's
// F(4x4, 3x3), against a direct convolution in double, within an error bound of their own
// arithmetic: every output is a sum over the channels of 16 (or 36) transformed products,
// each bounded by the transforms taken on magnitudes, so a wrong tap, transform entry, tile
// or tail is far outside it.
#include "core/layers/conv_gemm.h"
#include "core/layers/conv_winograd.h"
#include "core/rng.h"

#include "tests/kernel_checks.h"

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

using namespace ts;
using namespace ts::testing;

namespace {

using Mat4 = std::array<std::array<double, 4>, 4>;

// |B|ᵀ d |B| for a 4x4 patch of magnitudes.
Mat4 patch_magnitudes(const double (&d)[4][4]) {
  const double Bt[4][4] = {{1, 0, 1, 0}, {0, 1, 1, 0}, {0, 1, 1, 0}, {0, 1, 0, 1}};
  Mat4 out{};
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b)
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) out[a][b] += Bt[a][y] * d[y][x] * Bt[b][x];
  return out;
}

// One of the two forward transforms, as the tests see it: its tile of n x n outputs from an
// a x a patch (a = n + 2), the magnitudes of its matrices (|G| a x 3, |Bᵀ| a x a, |Aᵀ| n x a),
// and its functions.
struct Variant {
  const char* name;
  int n;
  std::vector<std::vector<double>> G, Bt, At;
  Index extra_terms;  // the roundings of the transforms around a sum of c products
  Index (*weight_floats)(Index, Index);
  Index (*scratch_floats)(Index, Index);
  // u from the layer's kernels (flipped or not) for c channels and m filters.
  void (*weights)(const float* w, Index c, Index m, bool flipped, float* u);
  void (*forward)(const float* u, const float* b, const float* image, Index wp, Index c, Index oh,
                  Index ow, float* y, Index m, float* scratch);
};

Variant two_by_two() {
  return {"F(2x2, 3x3)",
          2,
          {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0, 0, 1}},
          {{1, 0, 1, 0}, {0, 1, 1, 0}, {0, 1, 1, 0}, {0, 1, 0, 1}},
          {{1, 1, 1, 0}, {0, 1, 1, 1}},
          12,
          conv_winograd_weight_floats,
          conv_winograd_scratch_floats,
          conv_winograd_weights,
          conv_forward_winograd};
}

Variant four_by_four() {
  return {
      "F(4x4, 3x3)",
      4,
      {{1. / 4, 0, 0},
       {1. / 6, 1. / 6, 1. / 6},
       {1. / 6, 1. / 6, 1. / 6},
       {1. / 24, 1. / 12, 1. / 6},
       {1. / 24, 1. / 12, 1. / 6},
       {0, 0, 1}},
      {{4, 0, 5, 0, 1, 0},
       {0, 4, 4, 1, 1, 0},
       {0, 4, 4, 1, 1, 0},
       {0, 2, 1, 2, 1, 0},
       {0, 2, 1, 2, 1, 0},
       {0, 4, 0, 5, 0, 1}},
      {{1, 1, 1, 1, 1, 0}, {0, 1, 1, 2, 2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, 1, 8, 8, 1}},
      24,
      conv_winograd4_weight_floats,
      conv_winograd4_scratch_floats,
      [](const float* w, Index c, Index m, bool, float* u) { conv_winograd4_weights(w, c, m, u); },
      conv_forward_winograd4};
}

struct ForwardCase {
  Index oh, ow, c, m;
  bool flipped;
};

// The variant's forward against a direct convolution in double: every output within the
// bound Σ_i Σ_ξ |Aᵀ|(|U| ⊙ |V|)|A| at its pixel of its tile, plus |b|, times the rounding of
// a sum of c products and the transforms' operations on either side.
void check_forward(const Variant& v, std::initializer_list<ForwardCase> cases) {
  Rng rng(17);
  const int n = v.n, a = n + 2;
  for (const ForwardCase& t : cases) {
    const std::string name = v.name;
    CAPTURE(name);
    CAPTURE(t.oh);
    CAPTURE(t.ow);
    CAPTURE(t.c);
    CAPTURE(t.m);
    CAPTURE(t.flipped);
    REQUIRE(conv_winograd_applies(3, 1, t.c, t.oh, t.ow));
    const Index hp = t.oh + 2, wp = t.ow + 2;
    const auto image = random_floats(std::size_t(hp * wp * t.c), rng);
    // A tile's patch, zero past the image (where a side is not a multiple of the tile).
    auto at = [&](Index y, Index x, Index i) {
      return y < hp && x < wp ? double(image[std::size_t((y * wp + x) * t.c + i)]) : 0.0;
    };
    const auto w = random_floats(std::size_t(t.m * 9 * t.c), rng);
    const auto b = random_floats(std::size_t(t.m), rng);
    // The kernel at filter o, tap (ky, kx), channel i, as the header defines it.
    auto kernel = [&](Index o, Index ky, Index kx, Index i) {
      return double(t.flipped ? w[std::size_t(i * 9 * t.m + ((2 - ky) * 3 + (2 - kx)) * t.m + o)]
                              : w[std::size_t(o * 9 * t.c + (ky * 3 + kx) * t.c + i)]);
    };
    std::vector<float> u(std::size_t(v.weight_floats(t.c, t.m)));
    std::vector<float> scratch(std::size_t(v.scratch_floats(t.c, t.m)));
    // With flipped weights the stored tensor has t.c filters of t.m channels: same size.
    v.weights(w.data(), t.c, t.m, t.flipped, u.data());
    Guarded y(std::size_t(t.m * t.oh * t.ow));
    v.forward(u.data(), b.data(), image.data(), wp, t.c, t.oh, t.ow, y.data(), t.m, scratch.data());
    CHECK(y.guards_intact());
    int bad = 0;
    double worst = 0;
    const std::size_t aa = std::size_t(a * a);
    // |L| x |L|ᵀ: x (rows of `inner`) between a matrix of magnitudes and its transpose.
    auto sandwich = [&](const std::vector<std::vector<double>>& L, const double* x, int inner,
                        double* out) {
      for (int r = 0; r < a; ++r)
        for (int q = 0; q < a; ++q) {
          double sum = 0;
          for (int y2 = 0; y2 < inner; ++y2)
            for (int x2 = 0; x2 < inner; ++x2)
              sum += L[std::size_t(r)][std::size_t(y2)] * x[y2 * inner + x2] *
                     L[std::size_t(q)][std::size_t(x2)];
          out[std::size_t(r * a + q)] = sum;
        }
    };
    // |U| for each filter and channel, and |V| for each tile and channel, once.
    std::vector<double> ug(std::size_t(t.m * t.c) * aa);
    for (Index o = 0; o < t.m; ++o)
      for (Index i = 0; i < t.c; ++i) {
        double g[9];
        for (Index k = 0; k < 9; ++k) g[k] = std::abs(kernel(o, k / 3, k % 3, i));
        sandwich(v.G, g, 3, ug.data() + std::size_t(o * t.c + i) * aa);
      }
    const Index th = (t.oh + n - 1) / n, tw = (t.ow + n - 1) / n;
    std::vector<double> vd(std::size_t(th * tw * t.c) * aa), patch(aa);
    for (Index tile = 0; tile < th * tw; ++tile)
      for (Index i = 0; i < t.c; ++i) {
        for (int py = 0; py < a; ++py)
          for (int px = 0; px < a; ++px)
            patch[std::size_t(py * a + px)] =
                std::abs(at(tile / tw * n + py, tile % tw * n + px, i));
        sandwich(v.Bt, patch.data(), a, vd.data() + std::size_t(tile * t.c + i) * aa);
      }
    for (Index oy = 0; oy < t.oh; ++oy)
      for (Index ox = 0; ox < t.ow; ++ox)
        for (Index o = 0; o < t.m; ++o) {
          double exact = b[std::size_t(o)];
          for (Index ky = 0; ky < 3; ++ky)
            for (Index kx = 0; kx < 3; ++kx)
              for (Index i = 0; i < t.c; ++i)
                exact += kernel(o, ky, kx, i) *
                         double(image[std::size_t(((oy + ky) * wp + ox + kx) * t.c + i)]);
          const Index tile = oy / n * tw + ox / n, ry = oy % n, rx = ox % n;
          double bound = std::abs(b[std::size_t(o)]);
          for (Index i = 0; i < t.c; ++i) {
            const double* u1 = ug.data() + std::size_t(o * t.c + i) * aa;
            const double* v1 = vd.data() + std::size_t(tile * t.c + i) * aa;
            for (int p = 0; p < a; ++p)
              for (int q = 0; q < a; ++q)
                bound += v.At[std::size_t(ry)][std::size_t(p)] * u1[p * a + q] * v1[p * a + q] *
                         v.At[std::size_t(rx)][std::size_t(q)];
          }
          const double got = y[std::size_t((oy * t.ow + ox) * t.m + o)];
          bad += !within(got, exact, bound, t.c + v.extra_terms);
          worst = std::max(worst, std::abs(got - exact) / bound);
        }
    CHECK(bad == 0);
    MESSAGE(std::string(v.name) << ": largest error over its bound's magnitude: " << worst);
  }
}

}  // namespace

TEST_CASE("winograd: a 3x3 convolution within its error bound of the exact one") {
  if (!conv_winograd_applies(3, 1, 16, 2, 2)) {
    MESSAGE("skipped: the Winograd kernels need AVX-512");
    return;
  }
  // Sides and filter counts that give one tile, a block of tiles with a tail, several
  // blocks (28x28: 196 tiles), odd sides (tiles that reach past the output), filters in one
  // to five vectors with a partial one, and the layer's kernel flipped as the input gradient
  // takes it.
  check_forward(two_by_two(), {{2, 2, 16, 16, false},
                               {6, 8, 32, 7, false},
                               {10, 4, 16, 70, true},
                               {28, 28, 64, 64, false},
                               {28, 28, 64, 64, true},
                               {12, 14, 48, 33, true},
                               {7, 7, 16, 20, false},
                               {1, 1, 16, 16, true},
                               {5, 8, 32, 16, false},
                               {9, 3, 16, 7, true}});
}

TEST_CASE("winograd: F(4x4, 3x3) within its error bound of the exact convolution") {
  if (!conv_winograd_applies(3, 1, 16, 2, 2)) {
    MESSAGE("skipped: the Winograd kernels need AVX-512");
    return;
  }
  // One tile; sides 1 to 3 past a multiple of 4 (tiles reaching past the output); 28x28's 49
  // tiles in two blocks; 14x14 and 60x60 (225 tiles, eight blocks); filters in one to five
  // vectors with a partial one.
  check_forward(four_by_four(), {{4, 4, 16, 16, false},
                                 {1, 1, 16, 16, false},
                                 {5, 6, 32, 7, false},
                                 {7, 11, 16, 70, false},
                                 {28, 28, 64, 64, false},
                                 {14, 14, 48, 33, false},
                                 {9, 3, 16, 20, false},
                                 {60, 60, 16, 16, false}});
}

TEST_CASE(
    "winograd: the weight gradient within its error bound of the exact one, assigned or "
    "added") {
  if (!conv_winograd_applies(3, 1, 16, 2, 2)) {
    MESSAGE("skipped: the Winograd kernels need AVX-512");
    return;
  }
  // dW(f, i, ky, kx) = Σ over images and pixels of dy(f, p) x(i, p + (ky, kx)); two images
  // summed into one du, which then replaces dw or is added to what it holds.
  struct Case {
    Index oh, ow, c, m;
  };
  Rng rng(19);
  for (const Case& t :
       {Case{2, 2, 16, 16}, Case{6, 8, 32, 7}, Case{10, 4, 16, 70}, Case{12, 14, 48, 33},
        Case{28, 28, 64, 64}, Case{7, 7, 16, 20}, Case{5, 9, 32, 16}, Case{1, 3, 16, 7}}) {
    CAPTURE(t.oh);
    CAPTURE(t.c);
    CAPTURE(t.m);
    const Index hp = t.oh + 2, wp = t.ow + 2, images = 2, pixels = t.oh * t.ow;
    const auto image = random_floats(std::size_t(images * hp * wp * t.c), rng);
    const auto dy = random_floats(std::size_t(images * t.m * pixels), rng);
    const auto before = random_floats(std::size_t(t.m * 9 * t.c), rng);
    std::vector<float> du(std::size_t(conv_winograd_weight_floats(t.c, t.m)), 0.0f);
    std::vector<float> scratch(std::size_t(conv_winograd_scratch_floats(t.c, t.m)));
    for (Index s = 0; s < images; ++s)
      conv_weight_grad_winograd(dy.data() + s * t.m * pixels, image.data() + s * hp * wp * t.c, wp,
                                t.c, t.oh, t.ow, t.m, du.data(), scratch.data());
    Guarded assigned(before.size()), added(before.size());
    std::copy(before.begin(), before.end(), added.data());
    conv_winograd_unpack_weight_grad(du.data(), t.c, t.m, assigned.data(), false);
    conv_winograd_unpack_weight_grad(du.data(), t.c, t.m, added.data(), true);
    CHECK(assigned.guards_intact());
    CHECK(added.guards_intact());
    const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0, 0, 1}};
    const double A[4][2] = {{1, 0}, {1, 1}, {1, 1}, {0, 1}};  // |A|
    int bad = 0, bad_added = 0;
    double worst = 0;
    for (Index o = 0; o < t.m; ++o)
      for (Index i = 0; i < t.c; ++i) {
        double exact[3][3] = {}, mag[4][4] = {};
        for (Index s = 0; s < images; ++s) {
          const float* x = image.data() + s * hp * wp * t.c;
          const float* g = dy.data() + s * t.m * pixels;
          for (Index p = 0; p < pixels; ++p)
            for (Index ky = 0; ky < 3; ++ky)
              for (Index kx = 0; kx < 3; ++kx)
                exact[ky][kx] += double(g[p * t.m + o]) *
                                 double(x[((p / t.ow + ky) * wp + p % t.ow + kx) * t.c + i]);
          // Σ_tiles (|A| |dY| |A|ᵀ) ⊙ (|B|ᵀ |d| |B|): the magnitudes du's sums are made of.
          for (Index ty = 0; ty < t.oh; ty += 2)
            for (Index tx = 0; tx < t.ow; tx += 2) {
              // Zero past the image and past the output (on an odd side).
              double d[4][4], e[2][2];
              for (Index py = 0; py < 4; ++py)
                for (Index px = 0; px < 4; ++px)
                  d[py][px] = ty + py < hp && tx + px < wp
                                  ? std::abs(x[((ty + py) * wp + tx + px) * t.c + i])
                                  : 0.0;
              for (Index r = 0; r < 2; ++r)
                for (Index q = 0; q < 2; ++q)
                  e[r][q] = ty + r < t.oh && tx + q < t.ow
                                ? std::abs(g[((ty + r) * t.ow + tx + q) * t.m + o])
                                : 0.0;
              const Mat4 vd = patch_magnitudes(d);
              for (int a = 0; a < 4; ++a)
                for (int b = 0; b < 4; ++b) {
                  double de = 0;
                  for (int r = 0; r < 2; ++r)
                    for (int q = 0; q < 2; ++q) de += A[a][r] * e[r][q] * A[b][q];
                  mag[a][b] += de * vd[a][b];
                }
            }
        }
        for (Index ky = 0; ky < 3; ++ky)
          for (Index kx = 0; kx < 3; ++kx) {
            double bound = 0;
            for (int a = 0; a < 4; ++a)
              for (int b = 0; b < 4; ++b) bound += G[a][ky] * mag[a][b] * G[b][kx];
            const std::size_t at = std::size_t(o * 9 * t.c + (ky * 3 + kx) * t.c + i);
            // A sum over every tile of both images, the transforms' few additions around it.
            const Index terms = images * pixels / 4 + 12;
            bad += !within(assigned[at], exact[ky][kx], bound, terms);
            bad_added += !within(added[at], double(before[at]) + exact[ky][kx],
                                 bound + std::abs(before[at]), terms);
            worst = std::max(worst, std::abs(assigned[at] - exact[ky][kx]) / bound);
          }
      }
    CHECK(bad == 0);
    CHECK(bad_added == 0);
    MESSAGE("largest error over its bound's magnitude: " << worst);
  }
}
