#include "core/layers/conv_winograd.h"

#include "core/error.h"
#include "core/layers/conv_gemm.h"

#include <algorithm>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ts {

namespace {

constexpr Index kPositions = 16;  // ξ: the 4x4 transform's positions
constexpr Index kTileBlock = 24;  // tiles transformed and multiplied together

// G g Gᵀ for one 3x3 kernel g (row-major), G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].
void transform_kernel(const float (&g)[9], float (&out)[16]) {
  float t[4][3];  // G g
  for (int col = 0; col < 3; ++col) {
    const float a = g[col], b = g[3 + col], c = g[6 + col];
    t[0][col] = a;
    t[1][col] = 0.5f * (a + b + c);
    t[2][col] = 0.5f * (a - b + c);
    t[3][col] = c;
  }
  for (int row = 0; row < 4; ++row) {  // (G g) Gᵀ
    const float a = t[row][0], b = t[row][1], c = t[row][2];
    out[row * 4 + 0] = a;
    out[row * 4 + 1] = 0.5f * (a + b + c);
    out[row * 4 + 2] = 0.5f * (a - b + c);
    out[row * 4 + 3] = c;
  }
}

}  // namespace

Index conv_winograd_weight_floats(Index c, Index m) {
  return kPositions * c * conv_padded_filters(m);
}

Index conv_winograd_scratch_floats(Index c, Index m) {
  return kPositions * kTileBlock * (c + conv_padded_filters(m));
}

void conv_winograd_weights(const float* w, Index c, Index m, bool flipped, float* u) {
  const Index mp = conv_padded_filters(m);
  std::fill(u, u + conv_winograd_weight_floats(c, m), 0.0f);
  for (Index o = 0; o < m; ++o)
    for (Index i = 0; i < c; ++i) {
      float g[9], t[16];
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 3; ++kx)
          g[ky * 3 + kx] = flipped ? w[i * 9 * m + ((2 - ky) * 3 + (2 - kx)) * m + o]
                                   : w[o * 9 * c + (ky * 3 + kx) * c + i];
      transform_kernel(g, t);
      for (Index xi = 0; xi < kPositions; ++xi) u[(xi * c + i) * mp + o] = t[xi];
    }
}

#if defined(__AVX512F__)

namespace {

constexpr int kLanes = 16;

#define TS_UNROLL _Pragma("GCC unroll 16")

inline __mmask16 lanes_mask(Index count) {
  return count >= kLanes ? __mmask16(0xFFFF) : __mmask16((1u << count) - 1u);
}

// V for tiles [t0, t0 + count) of the image, tile t at output pixel (2 (t / tw), 2 (t % tw)):
// v[(ξ * kTileBlock + t - t0) * c + i] = (Bᵀ d B)[ξ] of channel i's 4x4 patch there, with
// Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
void transform_input(const float* image, Index wp, Index c, Index tw, Index t0, Index count,
                     float* v) {
  for (Index t = 0; t < count; ++t) {
    const Index ty = (t0 + t) / tw, tx = (t0 + t) % tw;
    const float* patch = image + (2 * ty * wp + 2 * tx) * c;
    for (Index i0 = 0; i0 < c; i0 += kLanes) {
      __m512 r[4][4];  // Bᵀ d, row by row
      __m512 d[4][4];
      TS_UNROLL
      for (int y = 0; y < 4; ++y) TS_UNROLL
      for (int x = 0; x < 4; ++x) d[y][x] = _mm512_loadu_ps(patch + (y * wp + x) * c + i0);
      TS_UNROLL
      for (int x = 0; x < 4; ++x) {
        r[0][x] = _mm512_sub_ps(d[0][x], d[2][x]);
        r[1][x] = _mm512_add_ps(d[1][x], d[2][x]);
        r[2][x] = _mm512_sub_ps(d[2][x], d[1][x]);
        r[3][x] = _mm512_sub_ps(d[1][x], d[3][x]);
      }
      float* out = v + t * c + i0;
      constexpr Index kStride = kTileBlock;  // ξ to ξ + 1: kTileBlock tiles of c
      TS_UNROLL
      for (int y = 0; y < 4; ++y) {
        _mm512_storeu_ps(out + (y * 4 + 0) * kStride * c, _mm512_sub_ps(r[y][0], r[y][2]));
        _mm512_storeu_ps(out + (y * 4 + 1) * kStride * c, _mm512_add_ps(r[y][1], r[y][2]));
        _mm512_storeu_ps(out + (y * 4 + 2) * kStride * c, _mm512_sub_ps(r[y][2], r[y][1]));
        _mm512_storeu_ps(out + (y * 4 + 3) * kStride * c, _mm512_sub_ps(r[y][1], r[y][3]));
      }
    }
  }
}

// mo[(ξ * kTileBlock + t) * mp + f0 ..] for NT tiles from t0 and MV vectors of filters from
// f0 = Σ_i U[ξ](i, f) V[ξ](i, t), the channels in order.
template <int MV, int NT>
inline void multiply_tile(const float* u, const float* v, float* mo, Index c, Index mp, Index f0,
                          Index t0) {
  __m512 acc[MV][NT];
  TS_UNROLL
  for (int a = 0; a < MV; ++a) TS_UNROLL
  for (int j = 0; j < NT; ++j) acc[a][j] = _mm512_setzero_ps();
  const float* vt = v + t0 * c;
  for (Index i = 0; i < c; ++i) {
    __m512 uv[MV];
    TS_UNROLL
    for (int a = 0; a < MV; ++a) uv[a] = _mm512_loadu_ps(u + i * mp + f0 + a * kLanes);
    TS_UNROLL
    for (int j = 0; j < NT; ++j) {
      const __m512 x = _mm512_set1_ps(vt[j * c + i]);
      TS_UNROLL
      for (int a = 0; a < MV; ++a) acc[a][j] = _mm512_fmadd_ps(uv[a], x, acc[a][j]);
    }
  }
  TS_UNROLL
  for (int j = 0; j < NT; ++j) TS_UNROLL
  for (int a = 0; a < MV; ++a) _mm512_storeu_ps(mo + (t0 + j) * mp + f0 + a * kLanes, acc[a][j]);
}

constexpr int kTileWidth = 6;  // tiles a register block: 4 x 6 accumulators

// NT tiles (1 to kTileWidth) as the template argument.
template <int MV>
void multiply_tail(const float* u, const float* v, float* mo, Index c, Index mp, Index f0, Index t0,
                   Index tiles) {
  switch (tiles) {
    case 5:
      multiply_tile<MV, 5>(u, v, mo, c, mp, f0, t0);
      break;
    case 4:
      multiply_tile<MV, 4>(u, v, mo, c, mp, f0, t0);
      break;
    case 3:
      multiply_tile<MV, 3>(u, v, mo, c, mp, f0, t0);
      break;
    case 2:
      multiply_tile<MV, 2>(u, v, mo, c, mp, f0, t0);
      break;
    case 1:
      multiply_tile<MV, 1>(u, v, mo, c, mp, f0, t0);
      break;
    default:
      break;
  }
}

template <int MV>
void multiply_filters(const float* u, const float* v, float* mo, Index c, Index mp, Index f0,
                      Index count) {
  Index t0 = 0;
  for (; t0 + kTileWidth <= count; t0 += kTileWidth)
    multiply_tile<MV, kTileWidth>(u, v, mo, c, mp, f0, t0);
  multiply_tail<MV>(u, v, mo, c, mp, f0, t0, count - t0);
}

// M[ξ] = U[ξ] V[ξ] for every position, `count` tiles.
void multiply(const float* u, const float* v, float* mo, Index c, Index mp, Index count) {
  for (Index xi = 0; xi < kPositions; ++xi) {
    const float* ux = u + xi * c * mp;
    const float* vx = v + xi * kTileBlock * c;
    float* mx = mo + xi * kTileBlock * mp;
    Index f0 = 0;
    for (; f0 + 4 * kLanes <= mp; f0 += 4 * kLanes)
      multiply_filters<4>(ux, vx, mx, c, mp, f0, count);
    switch ((mp - f0) / kLanes) {
      case 3:
        multiply_filters<3>(ux, vx, mx, c, mp, f0, count);
        break;
      case 2:
        multiply_filters<2>(ux, vx, mx, c, mp, f0, count);
        break;
      case 1:
        multiply_filters<1>(ux, vx, mx, c, mp, f0, count);
        break;
      default:
        break;
    }
  }
}

// y's 2x2 pixels of tiles [t0, t0 + count) = Aᵀ M A + b, Aᵀ = [1 1 1 0; 0 1 -1 -1].
void transform_output(const float* mo, const float* b, float* y, Index m, Index mp, Index ow,
                      Index tw, Index t0, Index count) {
  for (Index t = 0; t < count; ++t) {
    const Index ty = (t0 + t) / tw, tx = (t0 + t) % tw;
    float* out = y + (2 * ty * ow + 2 * tx) * m;
    for (Index f0 = 0; f0 < mp; f0 += kLanes) {
      const __mmask16 mask = lanes_mask(m - f0);
      __m512 q[4][4];
      TS_UNROLL
      for (int xi = 0; xi < 16; ++xi)
        q[xi / 4][xi % 4] = _mm512_loadu_ps(mo + (xi * kTileBlock + t) * mp + f0);
      __m512 r[2][4];  // Aᵀ M
      TS_UNROLL
      for (int x = 0; x < 4; ++x) {
        r[0][x] = _mm512_add_ps(_mm512_add_ps(q[0][x], q[1][x]), q[2][x]);
        r[1][x] = _mm512_sub_ps(_mm512_sub_ps(q[1][x], q[2][x]), q[3][x]);
      }
      const __m512 bias = b ? _mm512_maskz_loadu_ps(mask, b + f0) : _mm512_setzero_ps();
      TS_UNROLL
      for (int y2 = 0; y2 < 2; ++y2) {
        const __m512 p0 = _mm512_add_ps(_mm512_add_ps(r[y2][0], r[y2][1]), r[y2][2]);
        const __m512 p1 = _mm512_sub_ps(_mm512_sub_ps(r[y2][1], r[y2][2]), r[y2][3]);
        _mm512_mask_storeu_ps(out + (y2 * ow) * m + f0, mask, _mm512_add_ps(p0, bias));
        _mm512_mask_storeu_ps(out + (y2 * ow + 1) * m + f0, mask, _mm512_add_ps(p1, bias));
      }
    }
  }
}

}  // namespace

bool conv_winograd_applies(Index k, Index s, Index c, Index oh, Index ow) {
  return k == 3 && s == 1 && c > 0 && c % kLanes == 0 && oh > 0 && ow > 0 && oh % 2 == 0 &&
         ow % 2 == 0;
}

void conv_forward_winograd(const float* u, const float* b, const float* image, Index wp, Index c,
                           Index oh, Index ow, float* y, Index m, float* scratch) {
  const Index mp = conv_padded_filters(m), tw = ow / 2, tiles = (oh / 2) * tw;
  float* v = scratch;
  float* mo = scratch + kPositions * kTileBlock * c;
  for (Index t0 = 0; t0 < tiles; t0 += kTileBlock) {
    const Index count = std::min(kTileBlock, tiles - t0);
    transform_input(image, wp, c, tw, t0, count, v);
    multiply(u, v, mo, c, mp, count);
    transform_output(mo, b, y, m, mp, ow, tw, t0, count);
  }
}

#else  // no AVX-512: never taken

bool conv_winograd_applies(Index, Index, Index, Index, Index) { return false; }

void conv_forward_winograd(const float*, const float*, const float*, Index, Index, Index, Index,
                           float*, Index, float*) {
  throw Error("conv_forward_winograd: built without AVX-512");
}

#endif

}  // namespace ts
