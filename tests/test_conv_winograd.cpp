// The Winograd F(2x2, 3x3) convolution (core/layers/conv_winograd.h) against a direct
// convolution in double, within an error bound of its own arithmetic: every output is a
// sum over the channels of 16 transformed products, each bounded by the transforms taken on
// magnitudes, so a wrong tap, transform entry, tile or tail is far outside it.
#include "core/layers/conv_gemm.h"
#include "core/layers/conv_winograd.h"
#include "core/rng.h"

#include "tests/kernel_checks.h"

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <vector>

using namespace ts;
using namespace ts::testing;

namespace {

using Mat4 = std::array<std::array<double, 4>, 4>;

// |G| g |G|ᵀ for a 3x3 kernel of magnitudes, G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].
Mat4 kernel_magnitudes(const double (&g)[3][3]) {
  const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0, 0, 1}};
  Mat4 out{};
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b)
      for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x) out[a][b] += G[a][y] * g[y][x] * G[b][x];
  return out;
}

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
  struct Case {
    Index oh, ow, c, m;
    bool flipped;
  };
  Rng rng(17);
  for (const Case& t :
       {Case{2, 2, 16, 16, false}, Case{6, 8, 32, 7, false}, Case{10, 4, 16, 70, true},
        Case{28, 28, 64, 64, false}, Case{28, 28, 64, 64, true}, Case{12, 14, 48, 33, true},
        Case{7, 7, 16, 20, false}, Case{1, 1, 16, 16, true}, Case{5, 8, 32, 16, false},
        Case{9, 3, 16, 7, true}}) {
    CAPTURE(t.oh);
    CAPTURE(t.c);
    CAPTURE(t.m);
    CAPTURE(t.flipped);
    REQUIRE(conv_winograd_applies(3, 1, t.c, t.oh, t.ow));
    const Index hp = t.oh + 2, wp = t.ow + 2;
    const auto image = random_floats(std::size_t(hp * wp * t.c), rng);
    // A tile's patch, zero past the image (on an odd side).
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
    std::vector<float> u(std::size_t(conv_winograd_weight_floats(t.c, t.m)));
    std::vector<float> scratch(std::size_t(conv_winograd_scratch_floats(t.c, t.m)));
    // With flipped weights the stored tensor has t.c filters of t.m channels: same size.
    conv_winograd_weights(w.data(), t.c, t.m, t.flipped, u.data());
    Guarded y(std::size_t(t.m * t.oh * t.ow));
    conv_forward_winograd(u.data(), b.data(), image.data(), wp, t.c, t.oh, t.ow, y.data(), t.m,
                          scratch.data());
    CHECK(y.guards_intact());
    int bad = 0;
    double worst = 0;
    for (Index oy = 0; oy < t.oh; ++oy)
      for (Index ox = 0; ox < t.ow; ++ox)
        for (Index o = 0; o < t.m; ++o) {
          double exact = b[std::size_t(o)];
          for (Index ky = 0; ky < 3; ++ky)
            for (Index kx = 0; kx < 3; ++kx)
              for (Index i = 0; i < t.c; ++i)
                exact += kernel(o, ky, kx, i) *
                         double(image[std::size_t(((oy + ky) * wp + ox + kx) * t.c + i)]);
          // The bound: Σ_i Σ_ξ |Aᵀ|(|U| ⊙ |V|)|A| at this pixel of its tile, plus |b|.
          const Index ty = oy / 2 * 2, tx = ox / 2 * 2, ry = oy - ty, rx = ox - tx;
          const double At[2][4] = {{1, 1, 1, 0}, {0, 1, 1, 1}};
          double bound = std::abs(b[std::size_t(o)]);
          for (Index i = 0; i < t.c; ++i) {
            double g[3][3], d[4][4];
            for (Index ky = 0; ky < 3; ++ky)
              for (Index kx = 0; kx < 3; ++kx) g[ky][kx] = std::abs(kernel(o, ky, kx, i));
            for (Index py = 0; py < 4; ++py)
              for (Index px = 0; px < 4; ++px) d[py][px] = std::abs(at(ty + py, tx + px, i));
            const Mat4 ug = kernel_magnitudes(g), vd = patch_magnitudes(d);
            for (int a = 0; a < 4; ++a)
              for (int c2 = 0; c2 < 4; ++c2)
                bound += At[ry][a] * ug[a][c2] * vd[a][c2] * At[rx][c2];
          }
          const double got = y[std::size_t((oy * t.ow + ox) * t.m + o)];
          // A sum of c products a position, the transforms' few additions on either side.
          bad += !within(got, exact, bound, t.c + 12);
          worst = std::max(worst, std::abs(got - exact) / bound);
        }
    CHECK(bad == 0);
    MESSAGE("largest error over its bound's magnitude: " << worst);
  }
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
