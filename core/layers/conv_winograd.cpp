#include "core/layers/conv_winograd.h"

#include "core/error.h"
#include "core/layers/conv_gemm.h"

#include <algorithm>
#include <type_traits>

#if defined(__AVX512F__)
#include "core/layers/lanes16.h"

#include <immintrin.h>
#endif

namespace ts {

namespace {

constexpr Index kPositions = 16;  // ξ: the 4x4 transform's positions
constexpr Index kTileBlock = 24;  // tiles transformed and multiplied together
// F(4x4, 3x3): the 6x6 transform's positions, and the most tiles a block (its 16 outputs a
// tile make 30 tiles 480 pixels; a 28x28 output's 49 tiles go as blocks of 25 and 24).
constexpr Index kPositions4 = 36;
constexpr Index kTileBlock4 = 30;

// Floats from one position's plane of a block's transforms to the next: `tiles` rows of
// `width`, rounded up to 2 KB past a multiple of 4 KB. A tile's transform writes one vector
// to each of the 16 planes at once; 4 KB apart they all fall into the same sets of L1 and
// evict each other (the weight gradient's transforms of a 32-sample shard of Conv-2 took
// 1.6-1.9 ms against 0.6-1.0 in planes of 16 and 48 tiles), 2 KB off they take two halves.
constexpr Index plane(Index tiles, Index width) {
  const Index floats = tiles * width;
  return floats + (1536 - floats % 1024) % 1024;
}

}  // namespace

Index conv_winograd_weight_floats(Index c, Index m) {
  return kPositions * c * conv_padded_filters(m);
}

Index conv_winograd_scratch_floats(Index c, Index m) {
  return kPositions * (plane(kTileBlock, c) + plane(kTileBlock, conv_padded_filters(m)));
}

Index conv_winograd4_weight_floats(Index c, Index m) {
  return kPositions4 * c * conv_padded_filters(m);
}

Index conv_winograd4_scratch_floats(Index c, Index m) {
  return kPositions4 * (plane(kTileBlock4, c) + plane(kTileBlock4, conv_padded_filters(m)));
}

void conv_winograd_unpack_weight_grad(const float* du, Index c, Index m, float* dw,
                                      bool accumulate) {
  // Gᵀ dU G, G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]: rows of dU to the kernel's 3, then columns.
  const Index mp = conv_padded_filters(m);
  for (Index o = 0; o < m; ++o)
    for (Index i = 0; i < c; ++i) {
      float q[4][4], t[3][4];
      for (Index xi = 0; xi < kPositions; ++xi) q[xi / 4][xi % 4] = du[(xi * c + i) * mp + o];
      for (int x = 0; x < 4; ++x) {
        t[0][x] = q[0][x] + 0.5f * (q[1][x] + q[2][x]);
        t[1][x] = 0.5f * (q[1][x] - q[2][x]);
        t[2][x] = 0.5f * (q[1][x] + q[2][x]) + q[3][x];
      }
      for (int y = 0; y < 3; ++y) {
        const float g[3] = {t[y][0] + 0.5f * (t[y][1] + t[y][2]), 0.5f * (t[y][1] - t[y][2]),
                            0.5f * (t[y][1] + t[y][2]) + t[y][3]};
        for (int x = 0; x < 3; ++x) {
          float& out = dw[o * 9 * c + (y * 3 + x) * c + i];
          out = accumulate ? out + g[x] : g[x];
        }
      }
    }
}

#if defined(__AVX512F__)

namespace {

constexpr int kLanes = 16;

#define TS_UNROLL _Pragma("GCC unroll 16")

using simd::lanes_mask;

// G g Gᵀ for 16 3x3 kernels g (row-major) at once, G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].
void transform_kernel(const __m512 (&g)[9], __m512 (&out)[16]) {
  __m512 t[4][3];  // G g
  for (int col = 0; col < 3; ++col) {
    const __m512 a = g[col], b = g[3 + col], c = g[6 + col];
    t[0][col] = a;
    t[1][col] = 0.5f * (a + b + c);
    t[2][col] = 0.5f * (a - b + c);
    t[3][col] = c;
  }
  for (int row = 0; row < 4; ++row) {  // (G g) Gᵀ
    const __m512 a = t[row][0], b = t[row][1], c = t[row][2];
    out[row * 4 + 0] = a;
    out[row * 4 + 1] = 0.5f * (a + b + c);
    out[row * 4 + 2] = 0.5f * (a - b + c);
    out[row * 4 + 3] = c;
  }
}

// V for tiles [t0, t0 + count) of the (hp, wp) image, tile t at output pixel
// (2 (t / tw), 2 (t % tw)): v[ξ * step + (t - t0) * c + i] = (Bᵀ d B)[ξ] of channel i's 4x4
// patch there, with Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. A patch that passes the
// image's last row or column (an odd output side) reads zeros there.
void transform_input(const float* image, Index hp, Index wp, Index c, Index tw, Index t0,
                     Index count, Index step, float* v) {
  for (Index t = 0; t < count; ++t) {
    const Index ty = (t0 + t) / tw, tx = (t0 + t) % tw;
    const float* patch = image + (2 * ty * wp + 2 * tx) * c;
    const Index rows = std::min<Index>(4, hp - 2 * ty), cols = std::min<Index>(4, wp - 2 * tx);
    const bool whole = rows == 4 && cols == 4;
    for (Index i0 = 0; i0 < c; i0 += kLanes) {
      __m512 r[4][4];  // Bᵀ d, row by row
      __m512 d[4][4];
      TS_UNROLL
      for (int y = 0; y < 4; ++y) TS_UNROLL
      for (int x = 0; x < 4; ++x)
        d[y][x] = whole || (y < rows && x < cols) ? _mm512_loadu_ps(patch + (y * wp + x) * c + i0)
                                                  : _mm512_setzero_ps();
      TS_UNROLL
      for (int x = 0; x < 4; ++x) {
        r[0][x] = _mm512_sub_ps(d[0][x], d[2][x]);
        r[1][x] = _mm512_add_ps(d[1][x], d[2][x]);
        r[2][x] = _mm512_sub_ps(d[2][x], d[1][x]);
        r[3][x] = _mm512_sub_ps(d[1][x], d[3][x]);
      }
      float* out = v + t * c + i0;
      TS_UNROLL
      for (int y = 0; y < 4; ++y) {
        _mm512_storeu_ps(out + (y * 4 + 0) * step, _mm512_sub_ps(r[y][0], r[y][2]));
        _mm512_storeu_ps(out + (y * 4 + 1) * step, _mm512_add_ps(r[y][1], r[y][2]));
        _mm512_storeu_ps(out + (y * 4 + 2) * step, _mm512_sub_ps(r[y][2], r[y][1]));
        _mm512_storeu_ps(out + (y * 4 + 3) * step, _mm512_sub_ps(r[y][1], r[y][3]));
      }
    }
  }
}

// mo[ξ * plane(kTileBlock, mp) + t * mp + f0 ..] for NT tiles from t0 and MV vectors of filters
// from f0 = Σ_i U[ξ](i, f) V[ξ](i, t), the channels in order.
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

// f(std::integral_constant<int, MV>(), f0) for the blocks of mp filters: four vectors at a
// time, then what is left as one block of one to three.
template <class F>
void for_filter_blocks(Index mp, F&& f) {
  Index f0 = 0;
  for (; f0 + 4 * kLanes <= mp; f0 += 4 * kLanes) f(std::integral_constant<int, 4>(), f0);
  switch ((mp - f0) / kLanes) {
    case 3:
      f(std::integral_constant<int, 3>(), f0);
      break;
    case 2:
      f(std::integral_constant<int, 2>(), f0);
      break;
    case 1:
      f(std::integral_constant<int, 1>(), f0);
      break;
    default:
      break;
  }
}

// M[ξ] = U[ξ] V[ξ] for each of the transform's `positions`, `count` tiles; a position's
// transforms are `v_plane` floats from the next one's in v, its products `m_plane` in mo.
void multiply(const float* u, const float* v, float* mo, Index c, Index mp, Index count,
              Index positions, Index v_plane, Index m_plane) {
  for (Index xi = 0; xi < positions; ++xi) {
    const float* ux = u + xi * c * mp;
    const float* vx = v + xi * v_plane;
    float* mx = mo + xi * m_plane;
    for_filter_blocks(mp, [&](auto vectors, Index f0) {
      multiply_filters<decltype(vectors)::value>(ux, vx, mx, c, mp, f0, count);
    });
  }
}

// y's 2x2 pixels of tiles [t0, t0 + count) = Aᵀ M A + b, Aᵀ = [1 1 1 0; 0 1 -1 -1]; on an
// odd side, only those inside the (oh, ow) output.
void transform_output(const float* mo, const float* b, float* y, Index m, Index mp, Index oh,
                      Index ow, Index tw, Index t0, Index count) {
  for (Index t = 0; t < count; ++t) {
    const Index ty = (t0 + t) / tw, tx = (t0 + t) % tw;
    float* out = y + (2 * ty * ow + 2 * tx) * m;
    const Index rows = std::min<Index>(2, oh - 2 * ty), cols = std::min<Index>(2, ow - 2 * tx);
    for (Index f0 = 0; f0 < mp; f0 += kLanes) {
      const __mmask16 mask = lanes_mask(m - f0);
      __m512 q[4][4];
      TS_UNROLL
      for (int xi = 0; xi < 16; ++xi)
        q[xi / 4][xi % 4] = _mm512_loadu_ps(mo + xi * plane(kTileBlock, mp) + t * mp + f0);
      __m512 r[2][4];  // Aᵀ M
      TS_UNROLL
      for (int x = 0; x < 4; ++x) {
        r[0][x] = _mm512_add_ps(_mm512_add_ps(q[0][x], q[1][x]), q[2][x]);
        r[1][x] = _mm512_sub_ps(_mm512_sub_ps(q[1][x], q[2][x]), q[3][x]);
      }
      const __m512 bias = b ? _mm512_maskz_loadu_ps(mask, b + f0) : _mm512_setzero_ps();
      TS_UNROLL
      for (int y2 = 0; y2 < 2; ++y2) {
        if (y2 >= rows) break;
        const __m512 p0 = _mm512_add_ps(_mm512_add_ps(r[y2][0], r[y2][1]), r[y2][2]);
        const __m512 p1 = _mm512_sub_ps(_mm512_sub_ps(r[y2][1], r[y2][2]), r[y2][3]);
        _mm512_mask_storeu_ps(out + (y2 * ow) * m + f0, mask, _mm512_add_ps(p0, bias));
        if (cols == 2)
          _mm512_mask_storeu_ps(out + (y2 * ow + 1) * m + f0, mask, _mm512_add_ps(p1, bias));
      }
    }
  }
}

// ---- F(4x4, 3x3), for inference --------------------------------------------------------
// G = [¼ 0 0; -⅙ -⅙ -⅙; -⅙ ⅙ -⅙; 1/24 1/12 ⅙; 1/24 -1/12 ⅙; 0 0 1],
// Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
//       0 4 0 -5 0 1],
// Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].

// G applied to three vectors (a column or a row of kernels): its six.
inline void kernel_side4(__m512 a, __m512 b, __m512 c, __m512 (&out)[6]) {
  const __m512 sixth = _mm512_set1_ps(1.0f / 6.0f);
  const __m512 ac = _mm512_add_ps(a, c);
  out[0] = _mm512_mul_ps(_mm512_set1_ps(0.25f), a);
  out[1] = _mm512_mul_ps(_mm512_set1_ps(-1.0f / 6.0f), _mm512_add_ps(ac, b));
  out[2] = _mm512_mul_ps(_mm512_set1_ps(-1.0f / 6.0f), _mm512_sub_ps(ac, b));
  // a/24 + c/6 and b/12
  const __m512 even = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 24.0f), a, _mm512_mul_ps(sixth, c));
  const __m512 odd = _mm512_mul_ps(_mm512_set1_ps(1.0f / 12.0f), b);
  out[3] = _mm512_add_ps(even, odd);
  out[4] = _mm512_sub_ps(even, odd);
  out[5] = c;
}

// G g Gᵀ for 16 3x3 kernels g (row-major) at once: 36 positions, row-major.
void transform_kernel4(const __m512 (&g)[9], __m512 (&out)[36]) {
  __m512 t[6][3];  // G g
  for (int col = 0; col < 3; ++col) {
    __m512 side[6];
    kernel_side4(g[col], g[3 + col], g[6 + col], side);
    for (int row = 0; row < 6; ++row) t[row][col] = side[row];
  }
  for (int row = 0; row < 6; ++row) {  // (G g) Gᵀ
    __m512 side[6];
    kernel_side4(t[row][0], t[row][1], t[row][2], side);
    for (int col = 0; col < 6; ++col) out[row * 6 + col] = side[col];
  }
}

// Bᵀ applied to six vectors: its six.
inline void patch_side4(const __m512 (&d)[6], __m512 (&out)[6]) {
  const __m512 four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f), two = _mm512_set1_ps(2.0f);
  out[0] = _mm512_fmadd_ps(four, d[0], _mm512_fnmadd_ps(five, d[2], d[4]));
  out[1] = _mm512_fnmadd_ps(four, _mm512_add_ps(d[1], d[2]), _mm512_add_ps(d[3], d[4]));
  out[2] = _mm512_fmadd_ps(four, _mm512_sub_ps(d[1], d[2]), _mm512_sub_ps(d[4], d[3]));
  const __m512 d42 = _mm512_sub_ps(d[4], d[2]), d31 = _mm512_sub_ps(d[3], d[1]);
  out[3] = _mm512_fmadd_ps(two, d31, d42);
  out[4] = _mm512_fnmadd_ps(two, d31, d42);
  out[5] = _mm512_fmadd_ps(four, d[1], _mm512_fnmadd_ps(five, d[3], d[5]));
}

// V for tiles [t0, t0 + count) of the (hp, wp) image, tile t at output pixel
// (4 (t / tw), 4 (t % tw)): v[ξ * step + (t - t0) * c + i] = (Bᵀ d B)[ξ] of channel i's 6x6
// patch there; a patch that passes the image's last rows or columns reads zeros there.
void transform_input4(const float* image, Index hp, Index wp, Index c, Index tw, Index t0,
                      Index count, Index step, float* v) {
  for (Index t = 0; t < count; ++t) {
    const Index ty = (t0 + t) / tw, tx = (t0 + t) % tw;
    const float* patch = image + (4 * ty * wp + 4 * tx) * c;
    const Index rows = std::min<Index>(6, hp - 4 * ty), cols = std::min<Index>(6, wp - 4 * tx);
    const bool whole = rows == 6 && cols == 6;
    for (Index i0 = 0; i0 < c; i0 += kLanes) {
      __m512 r[6][6];  // Bᵀ d, column by column
      TS_UNROLL
      for (int x = 0; x < 6; ++x) {
        __m512 d[6], out[6];
        TS_UNROLL
        for (int y = 0; y < 6; ++y)
          d[y] = whole || (y < rows && x < cols) ? _mm512_loadu_ps(patch + (y * wp + x) * c + i0)
                                                 : _mm512_setzero_ps();
        patch_side4(d, out);
        TS_UNROLL
        for (int y = 0; y < 6; ++y) r[y][x] = out[y];
      }
      float* dst = v + t * c + i0;
      TS_UNROLL
      for (int y = 0; y < 6; ++y) {
        __m512 out[6];
        patch_side4(r[y], out);
        TS_UNROLL
        for (int x = 0; x < 6; ++x) _mm512_storeu_ps(dst + (y * 6 + x) * step, out[x]);
      }
    }
  }
}

// Aᵀ applied to six vectors: its four.
inline void output_side4(const __m512 (&q)[6], __m512 (&out)[4]) {
  const __m512 s12 = _mm512_add_ps(q[1], q[2]), d12 = _mm512_sub_ps(q[1], q[2]);
  const __m512 s34 = _mm512_add_ps(q[3], q[4]), d34 = _mm512_sub_ps(q[3], q[4]);
  out[0] = _mm512_add_ps(_mm512_add_ps(q[0], s12), s34);
  out[1] = _mm512_fmadd_ps(_mm512_set1_ps(2.0f), d34, d12);
  out[2] = _mm512_fmadd_ps(_mm512_set1_ps(4.0f), s34, s12);
  out[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8.0f), d34, d12), q[5]);
}

// y's 4x4 pixels of tiles [t0, t0 + count) = Aᵀ M A + b; past a side of the (oh, ow) output
// that is not a multiple of 4, only those inside it.
void transform_output4(const float* mo, const float* b, float* y, Index m, Index mp, Index oh,
                       Index ow, Index tw, Index t0, Index count, Index m_plane) {
  for (Index t = 0; t < count; ++t) {
    const Index ty = (t0 + t) / tw, tx = (t0 + t) % tw;
    float* out = y + (4 * ty * ow + 4 * tx) * m;
    const Index rows = std::min<Index>(4, oh - 4 * ty), cols = std::min<Index>(4, ow - 4 * tx);
    for (Index f0 = 0; f0 < mp; f0 += kLanes) {
      const __mmask16 mask = lanes_mask(m - f0);
      __m512 r[4][6];  // Aᵀ M, column by column
      TS_UNROLL
      for (int x = 0; x < 6; ++x) {
        __m512 q[6], side[4];
        TS_UNROLL
        for (int yy = 0; yy < 6; ++yy)
          q[yy] = _mm512_loadu_ps(mo + (yy * 6 + x) * m_plane + t * mp + f0);
        output_side4(q, side);
        TS_UNROLL
        for (int yy = 0; yy < 4; ++yy) r[yy][x] = side[yy];
      }
      const __m512 bias = b ? _mm512_maskz_loadu_ps(mask, b + f0) : _mm512_setzero_ps();
      for (Index yy = 0; yy < rows; ++yy) {
        __m512 px[4];
        output_side4(r[yy], px);
        for (Index x = 0; x < cols; ++x)
          _mm512_mask_storeu_ps(out + (yy * ow + x) * m + f0, mask, _mm512_add_ps(px[x], bias));
      }
    }
  }
}

// ---- weight gradient: the forward's adjoint ----------------------------------------------
// dg = Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ V] G for each filter and channel, dY a tile's 2x2 output
// gradient: the 16 sums over tiles are products again (dU[ξ] = V[ξ] Dᵀ[ξ]), taken in
// blocks of kTileBlock tiles.

// D for tiles [t0, t0 + count): d[ξ * plane(kTileBlock, mp) + (t - t0) * mp + f] = (A dY Aᵀ)[ξ] of
// filter f's 2x2 gradient there, A = [1 0; 1 1; 1 -1; 0 -1]; zero in the padding lanes, and
// for pixels past an odd side of the (oh, ow) output.
void transform_output_grad(const float* dy, Index m, Index mp, Index oh, Index ow, Index tw,
                           Index t0, Index count, float* d) {
  for (Index t = 0; t < count; ++t) {
    const Index ty = (t0 + t) / tw, tx = (t0 + t) % tw;
    const float* in = dy + (2 * ty * ow + 2 * tx) * m;
    const Index rows = std::min<Index>(2, oh - 2 * ty), cols = std::min<Index>(2, ow - 2 * tx);
    for (Index f0 = 0; f0 < mp; f0 += kLanes) {
      const __mmask16 mask = lanes_mask(m - f0);
      __m512 g[2][2];
      TS_UNROLL
      for (int y = 0; y < 2; ++y) TS_UNROLL
      for (int x = 0; x < 2; ++x)
        g[y][x] = y < rows && x < cols ? _mm512_maskz_loadu_ps(mask, in + (y * ow + x) * m + f0)
                                       : _mm512_setzero_ps();
      __m512 r[4][2];  // A dY
      TS_UNROLL
      for (int x = 0; x < 2; ++x) {
        r[0][x] = g[0][x];
        r[1][x] = _mm512_add_ps(g[0][x], g[1][x]);
        r[2][x] = _mm512_sub_ps(g[0][x], g[1][x]);
        r[3][x] = _mm512_sub_ps(_mm512_setzero_ps(), g[1][x]);
      }
      float* out = d + t * mp + f0;
      const Index step = plane(kTileBlock, mp);
      TS_UNROLL
      for (int y = 0; y < 4; ++y) {
        _mm512_storeu_ps(out + (y * 4 + 0) * step, r[y][0]);
        _mm512_storeu_ps(out + (y * 4 + 1) * step, _mm512_add_ps(r[y][0], r[y][1]));
        _mm512_storeu_ps(out + (y * 4 + 2) * step, _mm512_sub_ps(r[y][0], r[y][1]));
        _mm512_storeu_ps(out + (y * 4 + 3) * step, _mm512_sub_ps(_mm512_setzero_ps(), r[y][1]));
      }
    }
  }
}

// du[(i0 + j) * mp + f0 ..] += Σ_t v[t * c + i0 + j] d[t * mp + f0 ..], the tiles in order,
// for four channels and MV vectors of filters.
template <int MV>
inline void grad_tile(const float* v, const float* d, float* du, Index c, Index mp, Index f0,
                      Index i0, Index count) {
  constexpr int kChannels = 4;
  __m512 acc[MV][kChannels];
  TS_UNROLL
  for (int a = 0; a < MV; ++a) TS_UNROLL
  for (int j = 0; j < kChannels; ++j) acc[a][j] = _mm512_setzero_ps();
  for (Index t = 0; t < count; ++t) {
    __m512 dv[MV];
    TS_UNROLL
    for (int a = 0; a < MV; ++a) {
      dv[a] = _mm512_loadu_ps(d + t * mp + f0 + a * kLanes);
      // Held in a register: folded into each multiply-add instead, it is loaded four times.
      asm("" : "+v"(dv[a]));
    }
    TS_UNROLL
    for (int j = 0; j < kChannels; ++j) {
      const __m512 x = _mm512_set1_ps(v[t * c + i0 + j]);
      TS_UNROLL
      for (int a = 0; a < MV; ++a) acc[a][j] = _mm512_fmadd_ps(dv[a], x, acc[a][j]);
    }
  }
  TS_UNROLL
  for (int j = 0; j < kChannels; ++j) TS_UNROLL
  for (int a = 0; a < MV; ++a) {
    float* out = du + (i0 + j) * mp + f0 + a * kLanes;
    _mm512_storeu_ps(out, _mm512_add_ps(_mm512_loadu_ps(out), acc[a][j]));
  }
}

template <int MV>
void grad_filters(const float* v, const float* d, float* du, Index c, Index mp, Index f0,
                  Index count) {
  for (Index i0 = 0; i0 < c; i0 += 4) grad_tile<MV>(v, d, du, c, mp, f0, i0, count);
}

// dU[ξ] += V[ξ] D[ξ]ᵀ for every position, `count` tiles.
void grad_multiply(const float* v, const float* d, float* du, Index c, Index mp, Index count) {
  for (Index xi = 0; xi < kPositions; ++xi) {
    const float* vx = v + xi * plane(kTileBlock, c);
    const float* dx = d + xi * plane(kTileBlock, mp);
    float* ux = du + xi * c * mp;
    for_filter_blocks(mp, [&](auto vectors, Index f0) {
      grad_filters<decltype(vectors)::value>(vx, dx, ux, c, mp, f0, count);
    });
  }
}

// u from the layer's kernels by `transform` (transform_kernel or transform_kernel4), P
// positions. Sixteen filters at a time, each position's vector stored whole; the padding lanes
// load zeros and so transform to zeros. The layer's own kernels are 9c floats apart from one
// filter to the next (gathered), the flipped ones side by side.
template <int P, class Transform>
void transformed_weights(const float* w, Index c, Index m, bool flipped, float* u,
                         Transform transform) {
  const Index mp = conv_padded_filters(m);
  const __m512i apart =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(int(9 * c)));
  for (Index i = 0; i < c; ++i)
    for (Index o0 = 0; o0 < mp; o0 += kLanes) {
      const __mmask16 mask = lanes_mask(m - o0);
      __m512 g[9], t[P];
      for (int tap = 0; tap < 9; ++tap)
        g[tap] = flipped ? _mm512_maskz_loadu_ps(mask, w + i * 9 * m + (8 - tap) * m + o0)
                         : _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mask, apart,
                                                    w + o0 * 9 * c + tap * c + i, 4);
      transform(g, t);
      for (Index xi = 0; xi < P; ++xi) _mm512_storeu_ps(u + (xi * c + i) * mp + o0, t[xi]);
    }
}

}  // namespace

void conv_winograd_weights(const float* w, Index c, Index m, bool flipped, float* u) {
  transformed_weights<int(kPositions)>(w, c, m, flipped, u, transform_kernel);
}

bool conv_winograd_applies(Index k, Index s, Index c, Index oh, Index ow) {
  return k == 3 && s == 1 && c > 0 && c % kLanes == 0 && oh > 0 && ow > 0;
}

void conv_forward_winograd(const float* u, const float* b, const float* image, Index wp, Index c,
                           Index oh, Index ow, float* y, Index m, float* scratch) {
  const Index mp = conv_padded_filters(m), tw = (ow + 1) / 2, tiles = (oh + 1) / 2 * tw;
  float* v = scratch;
  float* mo = scratch + kPositions * plane(kTileBlock, c);
  for (Index t0 = 0; t0 < tiles; t0 += kTileBlock) {
    const Index count = std::min(kTileBlock, tiles - t0);
    transform_input(image, oh + 2, wp, c, tw, t0, count, plane(kTileBlock, c), v);
    multiply(u, v, mo, c, mp, count, kPositions, plane(kTileBlock, c), plane(kTileBlock, mp));
    transform_output(mo, b, y, m, mp, oh, ow, tw, t0, count);
  }
}

void conv_winograd4_weights(const float* w, Index c, Index m, float* u) {
  transformed_weights<int(kPositions4)>(w, c, m, false, u, transform_kernel4);
}

void conv_forward_winograd4(const float* u, const float* b, const float* image, Index wp, Index c,
                            Index oh, Index ow, float* y, Index m, float* scratch) {
  const Index mp = conv_padded_filters(m), tw = (ow + 3) / 4, tiles = (oh + 3) / 4 * tw;
  const Index v_plane = plane(kTileBlock4, c), m_plane = plane(kTileBlock4, mp);
  float* v = scratch;
  float* mo = scratch + kPositions4 * v_plane;
  // Blocks as even as kTileBlock4 allows: each block reads all of u once.
  const Index blocks = (tiles + kTileBlock4 - 1) / kTileBlock4;
  for (Index k = 0; k < blocks; ++k) {
    const Index t0 = tiles * k / blocks, count = tiles * (k + 1) / blocks - t0;
    transform_input4(image, oh + 2, wp, c, tw, t0, count, v_plane, v);
    multiply(u, v, mo, c, mp, count, kPositions4, v_plane, m_plane);
    transform_output4(mo, b, y, m, mp, oh, ow, tw, t0, count, m_plane);
  }
}

void conv_weight_grad_winograd(const float* dy, const float* image, Index wp, Index c, Index oh,
                               Index ow, Index m, float* du, float* scratch) {
  const Index mp = conv_padded_filters(m), tw = (ow + 1) / 2, tiles = (oh + 1) / 2 * tw;
  float* v = scratch;
  float* d = scratch + kPositions * plane(kTileBlock, c);
  for (Index t0 = 0; t0 < tiles; t0 += kTileBlock) {
    const Index count = std::min(kTileBlock, tiles - t0);
    transform_input(image, oh + 2, wp, c, tw, t0, count, plane(kTileBlock, c), v);
    transform_output_grad(dy, m, mp, oh, ow, tw, t0, count, d);
    grad_multiply(v, d, du, c, mp, count);
  }
}

#else  // no AVX-512: never taken

void conv_winograd_weights(const float*, Index, Index, bool, float*) {
  throw Error("conv_winograd_weights: built without AVX-512");
}

bool conv_winograd_applies(Index, Index, Index, Index, Index) { return false; }

void conv_forward_winograd(const float*, const float*, const float*, Index, Index, Index, Index,
                           float*, Index, float*) {
  throw Error("conv_forward_winograd: built without AVX-512");
}

void conv_winograd4_weights(const float*, Index, Index, float*) {
  throw Error("conv_winograd4_weights: built without AVX-512");
}

void conv_forward_winograd4(const float*, const float*, const float*, Index, Index, Index, Index,
                            float*, Index, float*) {
  throw Error("conv_forward_winograd4: built without AVX-512");
}

void conv_weight_grad_winograd(const float*, const float*, Index, Index, Index, Index, Index,
                               float*, float*) {
  throw Error("conv_weight_grad_winograd: built without AVX-512");
}

#endif

}  // namespace ts
