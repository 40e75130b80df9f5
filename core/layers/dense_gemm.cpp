#include "core/layers/dense_gemm.h"

#include <algorithm>

#if defined(__AVX512F__)
#include "core/layers/lanes16.h"

#include <immintrin.h>
#endif

namespace ts {

// db(i) = Σ_j dy(i, j), each row summed over the columns in order (vectorized across rows,
// which leaves every row's order alone), then assigned or added.
void dense_bias_grad(const float* dy, float* db, Index m, Index n, bool accumulate) {
  constexpr Index kBlock = 64;
  for (Index i0 = 0; i0 < m; i0 += kBlock) {
    const Index rows = std::min(kBlock, m - i0);
    float acc[kBlock] = {};
    for (Index j = 0; j < n; ++j) {
      const float* col = dy + j * m + i0;
      for (Index i = 0; i < rows; ++i) acc[i] += col[i];
    }
    for (Index i = 0; i < rows; ++i) db[i0 + i] = accumulate ? db[i0 + i] + acc[i] : acc[i];
  }
}

#if defined(__AVX512F__)

namespace {

constexpr int kLanes = 16;
constexpr Index kLargeFloats = Index(1) << 18;  // 1 MB of floats: more than L2 holds for it

// Loops over a tile's registers must unroll completely, or GCC keeps the accumulators in
// memory and stores them back on every iteration.
#define TS_UNROLL _Pragma("GCC unroll 16")

using simd::lanes_mask;
using simd::sum_lanes16;

// ---- forward: y(m0.., n0..) = W rows · x columns, MR rows by NR columns ----------------
// Dot products along k: both operands are contiguous there. The accumulators hold 16
// partial sums each and are reduced at the end.
template <int MR, int NR>
inline void forward_tile(const float* w, const float* b, const float* x, float* y, Index m, Index k,
                         Index m0, Index n0) {
  __m512 acc[MR][NR];
  TS_UNROLL
  for (int i = 0; i < MR; ++i) TS_UNROLL
  for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_setzero_ps();
  const float* wr = w + m0 * k;
  const float* xc = x + n0 * k;
  const Index full = k & ~Index(kLanes - 1);
  Index kk = 0;
  for (; kk < full; kk += kLanes) {
    __m512 xv[NR];
    TS_UNROLL
    for (int j = 0; j < NR; ++j) xv[j] = _mm512_loadu_ps(xc + j * k + kk);
    TS_UNROLL
    for (int i = 0; i < MR; ++i) {
      const __m512 wv = _mm512_loadu_ps(wr + i * k + kk);
      TS_UNROLL
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_fmadd_ps(wv, xv[j], acc[i][j]);
    }
  }
  if (kk < k) {
    const __mmask16 mask = lanes_mask(k - kk);
    __m512 xv[NR];
    TS_UNROLL
    for (int j = 0; j < NR; ++j) xv[j] = _mm512_maskz_loadu_ps(mask, xc + j * k + kk);
    TS_UNROLL
    for (int i = 0; i < MR; ++i) {
      const __m512 wv = _mm512_maskz_loadu_ps(mask, wr + i * k + kk);
      TS_UNROLL
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_fmadd_ps(wv, xv[j], acc[i][j]);
    }
  }
  // Reduce 16 accumulators at a time; column j's rows come out side by side.
  constexpr int kCount = MR * NR, kGroups = (kCount + 15) / 16;
  alignas(64) float sums[kGroups * 16];
  TS_UNROLL
  for (int g = 0; g < kGroups; ++g) {
    __m512 v[16];
    TS_UNROLL
    for (int e = 0; e < 16; ++e) {
      const int idx = g * 16 + e;
      v[e] = idx < kCount ? acc[idx % MR][idx / MR] : _mm512_setzero_ps();
    }
    _mm512_store_ps(sums + g * 16, sum_lanes16(v));
  }
  TS_UNROLL
  for (int j = 0; j < NR; ++j) TS_UNROLL
  for (int i = 0; i < MR; ++i) y[(n0 + j) * m + m0 + i] = sums[j * MR + i] + b[m0 + i];
}

// Rows per tile for NR columns: taller tiles for the narrow tails of a batch, so each x column
// loaded serves more rows (25 accumulators at 5x5, 24 at 4x6 and 6x4, 21 at 7x3, 20 at 10x2,
// 10 at 10x1; 4x6 keeps its 24, 6 columns and a row of W in the 32 registers); chosen by
// measuring 32-column batches.
template <int NR>
constexpr int forward_rows() {
  return NR >= 6 ? 4 : NR == 5 ? 5 : NR == 4 ? 6 : NR == 3 ? 7 : 10;
}

// Rows [r0, r1) of NR columns from n0.
template <int NR>
void forward_columns(const float* w, const float* b, const float* x, float* y, Index m, Index k,
                     Index n0, Index r0, Index r1) {
  constexpr int MR = forward_rows<NR>();
  Index m0 = r0;
  for (; m0 + MR <= r1; m0 += MR) forward_tile<MR, NR>(w, b, x, y, m, k, m0, n0);
  for (; m0 + 5 <= r1; m0 += 5) forward_tile<5, NR>(w, b, x, y, m, k, m0, n0);
  switch (r1 - m0) {
    case 4:
      forward_tile<4, NR>(w, b, x, y, m, k, m0, n0);
      break;
    case 3:
      forward_tile<3, NR>(w, b, x, y, m, k, m0, n0);
      break;
    case 2:
      forward_tile<2, NR>(w, b, x, y, m, k, m0, n0);
      break;
    case 1:
      forward_tile<1, NR>(w, b, x, y, m, k, m0, n0);
      break;
    default:
      break;
  }
}

// ---- inference by outer products: y(m0.., n0..) += Wt block · x, 64 rows by NR columns ---
// wt holds W's rows m0..m0+63 for k0..k0+kb, transposed: wt[kk * kPackRows + i]. The block's
// sums start at zero and are added to y at the end, so each output is the bias plus one sum
// a block, each in the order of k.
constexpr Index kPackRows = 64, kPackDepth = 256;
constexpr Index kPackMinRow = 4096, kPackMinColumns = 32;

template <int NR>
inline void packed_tile(const float* wt, const float* x, float* y, Index m, Index k, Index k0,
                        Index kb, Index m0, const __mmask16 (&mask)[4], Index n0) {
  __m512 acc[4][NR];
  TS_UNROLL
  for (int j = 0; j < NR; ++j) TS_UNROLL
  for (int v = 0; v < 4; ++v) acc[v][j] = _mm512_setzero_ps();
  const float* xc = x + n0 * k + k0;
  for (Index kk = 0; kk < kb; ++kk) {
    __m512 wv[4];
    TS_UNROLL
    for (int v = 0; v < 4; ++v) wv[v] = _mm512_load_ps(wt + kk * kPackRows + v * kLanes);
    TS_UNROLL
    for (int j = 0; j < NR; ++j) {
      const __m512 xb = _mm512_set1_ps(xc[j * k + kk]);
      TS_UNROLL
      for (int v = 0; v < 4; ++v) acc[v][j] = _mm512_fmadd_ps(wv[v], xb, acc[v][j]);
    }
  }
  TS_UNROLL
  for (int j = 0; j < NR; ++j) TS_UNROLL
  for (int v = 0; v < 4; ++v) {
    float* out = y + (n0 + j) * m + m0 + v * kLanes;
    _mm512_mask_storeu_ps(out, mask[v],
                          _mm512_add_ps(_mm512_maskz_loadu_ps(mask[v], out), acc[v][j]));
  }
}

// The last `left` columns (below 6) as one tile of that width.
template <int NR>
inline void packed_tail(Index left, const float* wt, const float* x, float* y, Index m, Index k,
                        Index k0, Index kb, Index m0, const __mmask16 (&mask)[4], Index n0) {
  if constexpr (NR > 0) {
    if (left == NR) return packed_tile<NR>(wt, x, y, m, k, k0, kb, m0, mask, n0);
    packed_tail<NR - 1>(left, wt, x, y, m, k, k0, kb, m0, mask, n0);
  }
}

// W's rows [m0, m0 + rows) at k0..k0+kb into wt, transposed, 16 x 16 at a time; rows past
// `rows` are zero (their sums are never stored).
void pack_transposed(const float* w, Index k, Index m0, Index rows, Index k0, Index kb, float* wt) {
  for (Index i0 = 0; i0 < kPackRows; i0 += kLanes)
    for (Index q0 = 0; q0 < kb; q0 += kLanes) {
      const __mmask16 along = lanes_mask(kb - q0);
      __m512 r[16];
      TS_UNROLL
      for (int i = 0; i < 16; ++i)
        r[i] = i0 + i < rows ? _mm512_maskz_loadu_ps(along, w + (m0 + i0 + i) * k + k0 + q0)
                             : _mm512_setzero_ps();
      simd::transpose16(r);
      const Index q1 = std::min<Index>(kLanes, kb - q0);
      for (Index q = 0; q < q1; ++q) _mm512_store_ps(wt + (q0 + q) * kPackRows + i0, r[q]);
    }
}

// ---- input gradient: dx(k0.., n0..) = Σ_i W(i, k0..) dy(i, n0..) -------------------------
// KV vectors of 16 along k by NR columns; W's rows are contiguous along k, dy is broadcast.
template <int KV, int NR>
inline void input_grad_tile(const float* w, const float* dy, float* dx, Index m, Index k, Index k0,
                            Index n0, Index ahead) {
  __mmask16 mask[KV];
  TS_UNROLL
  for (int v = 0; v < KV; ++v) mask[v] = lanes_mask(k - k0 - v * kLanes);
  __m512 acc[KV][NR];
  TS_UNROLL
  for (int v = 0; v < KV; ++v) TS_UNROLL
  for (int j = 0; j < NR; ++j) acc[v][j] = _mm512_setzero_ps();
  const float* dyc = dy + n0 * m;
  for (Index i = 0; i < m; ++i) {
    __m512 wv[KV];
    TS_UNROLL
    for (int v = 0; v < KV; ++v)
      wv[v] = _mm512_maskz_loadu_ps(mask[v], w + i * k + k0 + v * kLanes);
    if (ahead > 0) {
      TS_UNROLL
      for (int v = 0; v < 3; ++v)
        _mm_prefetch(reinterpret_cast<const char*>(w + i * k + k0 + ahead + v * kLanes),
                     _MM_HINT_T0);
    }
    TS_UNROLL
    for (int j = 0; j < NR; ++j) {
      const __m512 d = _mm512_set1_ps(dyc[j * m + i]);
      TS_UNROLL
      for (int v = 0; v < KV; ++v) acc[v][j] = _mm512_fmadd_ps(wv[v], d, acc[v][j]);
    }
  }
  TS_UNROLL
  for (int j = 0; j < NR; ++j) TS_UNROLL
  for (int v = 0; v < KV; ++v)
    _mm512_mask_storeu_ps(dx + (n0 + j) * k + k0 + v * kLanes, mask[v], acc[v][j]);
}

// Columns [0, n) of the strip of KV vectors at k0: the strip's slice of W (m rows of KV
// vectors) stays in L1 while dy's columns stream past it.
template <int KV>
void input_grad_strip(const float* w, const float* dy, float* dx, Index m, Index k, Index n,
                      Index k0) {
  Index n0 = 0;
  // W's next strip, for the first tile of columns to prefetch row by row: W's rows are k
  // floats apart, too far for the hardware to follow, and a W larger than L2 comes from
  // L3 or memory (Conv-2's 12,544 x 256 layer: 2.5 -> 1.4 ms from cold caches, 32 columns).
  const bool large = m * k > kLargeFloats;
  const Index ahead = large && k0 + 2 * 3 * kLanes <= k ? 3 * kLanes : 0;
  for (; n0 + 8 <= n; n0 += 8) input_grad_tile<KV, 8>(w, dy, dx, m, k, k0, n0, n0 == 0 ? ahead : 0);
  switch (n - n0) {
    case 7:
      input_grad_tile<KV, 7>(w, dy, dx, m, k, k0, n0, 0);
      break;
    case 6:
      input_grad_tile<KV, 6>(w, dy, dx, m, k, k0, n0, 0);
      break;
    case 5:
      input_grad_tile<KV, 5>(w, dy, dx, m, k, k0, n0, 0);
      break;
    case 4:
      input_grad_tile<KV, 4>(w, dy, dx, m, k, k0, n0, 0);
      break;
    case 3:
      input_grad_tile<KV, 3>(w, dy, dx, m, k, k0, n0, 0);
      break;
    case 2:
      input_grad_tile<KV, 2>(w, dy, dx, m, k, k0, n0, 0);
      break;
    case 1:
      input_grad_tile<KV, 1>(w, dy, dx, m, k, k0, n0, 0);
      break;
    default:
      break;
  }
}

// ---- weight gradient: dw(m0.., k0..) = Σ_j dy(m0.., j) x(k0.., j) -------------------------
// MR rows by KV vectors of 16 along k; x's columns are contiguous along k, dy is broadcast.
template <int MR, int KV>
inline void weight_grad_tile(const float* dy, const float* x, float* dw, Index m, Index k, Index n,
                             Index m0, Index k0, bool accumulate, bool next_rows) {
  if (next_rows) {  // the next tile's rows of dw, which this tile's stores then overlap
    TS_UNROLL
    for (int i = 0; i < MR; ++i) TS_UNROLL
    for (int v = 0; v < KV; ++v)
      _mm_prefetch(reinterpret_cast<const char*>(dw + (m0 + MR + i) * k + k0 + v * kLanes),
                   _MM_HINT_T0);
  }
  __mmask16 mask[KV];
  TS_UNROLL
  for (int v = 0; v < KV; ++v) mask[v] = lanes_mask(k - k0 - v * kLanes);
  __m512 acc[MR][KV];
  TS_UNROLL
  for (int i = 0; i < MR; ++i) TS_UNROLL
  for (int v = 0; v < KV; ++v) acc[i][v] = _mm512_setzero_ps();
  for (Index j = 0; j < n; ++j) {
    __m512 xv[KV];
    TS_UNROLL
    for (int v = 0; v < KV; ++v)
      xv[v] = _mm512_maskz_loadu_ps(mask[v], x + j * k + k0 + v * kLanes);
    const float* dyc = dy + j * m + m0;
    TS_UNROLL
    for (int i = 0; i < MR; ++i) {
      const __m512 d = _mm512_set1_ps(dyc[i]);
      TS_UNROLL
      for (int v = 0; v < KV; ++v) acc[i][v] = _mm512_fmadd_ps(d, xv[v], acc[i][v]);
    }
  }
  TS_UNROLL
  for (int i = 0; i < MR; ++i) TS_UNROLL
  for (int v = 0; v < KV; ++v) {
    float* out = dw + (m0 + i) * k + k0 + v * kLanes;
    const __m512 sum =
        accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(mask[v], out), acc[i][v]) : acc[i][v];
    _mm512_mask_storeu_ps(out, mask[v], sum);
  }
}

// Rows [r0, r1) of the strip at k0; each row's values are the same whatever rows it is
// computed with.
template <int KV>
void weight_grad_strip(const float* dy, const float* x, float* dw, Index m, Index k, Index n,
                       Index k0, Index r0, Index r1, bool accumulate) {
  // A dw larger than L2 has each next tile's rows prefetched: they are k floats apart, too
  // far for the hardware to follow (Conv-2's 12,544 x 256 layer: 1.8 -> 1.5 ms from cold
  // caches, 32 columns).
  const bool large = m * k > kLargeFloats;
  Index m0 = r0;
  for (; m0 + 8 <= r1; m0 += 8)
    weight_grad_tile<8, KV>(dy, x, dw, m, k, n, m0, k0, accumulate, large && m0 + 16 <= r1);
  switch (r1 - m0) {
    case 7:
      weight_grad_tile<7, KV>(dy, x, dw, m, k, n, m0, k0, accumulate, false);
      break;
    case 6:
      weight_grad_tile<6, KV>(dy, x, dw, m, k, n, m0, k0, accumulate, false);
      break;
    case 5:
      weight_grad_tile<5, KV>(dy, x, dw, m, k, n, m0, k0, accumulate, false);
      break;
    case 4:
      weight_grad_tile<4, KV>(dy, x, dw, m, k, n, m0, k0, accumulate, false);
      break;
    case 3:
      weight_grad_tile<3, KV>(dy, x, dw, m, k, n, m0, k0, accumulate, false);
      break;
    case 2:
      weight_grad_tile<2, KV>(dy, x, dw, m, k, n, m0, k0, accumulate, false);
      break;
    case 1:
      weight_grad_tile<1, KV>(dy, x, dw, m, k, n, m0, k0, accumulate, false);
      break;
    default:
      break;
  }
}

}  // namespace

void dense_forward_rows(const float* w, const float* b, const float* x, float* y, Index m, Index k,
                        Index n, Index r0, Index r1) {
  // Blocks of rows of at most about 512 KB of W, each taken across all the columns: a
  // block stays in L2 while the columns stream past it, where W as a whole would be read
  // again from L3 for every tile of columns. The tiles, and so the bits, are the same.
  constexpr Index kBlockFloats = 131072;
  const Index rows = std::max<Index>(10, kBlockFloats / std::max<Index>(k, 1));
  for (Index b0 = r0; b0 < r1; b0 += rows) {
    const Index b1 = std::min(r1, b0 + rows);
    // Tiles of 5 columns, and where 1 to 3 are left the last of them and the rest as tiles
    // of 6 (4x6) or 4 (6x4): a narrow tile loads W's rows for 1 to 3 columns only, which on a
    // Xeon with W streaming from L2 made the 2 columns left of a 32-column shard (a 10x2
    // tile) cost 11 us of its 102 (300 x 784); 4 of 5 and 2 of 6 take 96 us.
    const Index left = n % 5;
    Index fives = n / 5, sixes = 0, fours = 0;
    if (left == 1 && fives >= 1) {
      fives -= 1;
      sixes = 1;
    } else if (left == 2 && fives >= 2) {
      fives -= 2;
      sixes = 2;
    } else if (left == 3 && fives >= 1) {
      fives -= 1;
      fours = 2;
    }
    Index n0 = 0;
    for (Index t = 0; t < fives; ++t, n0 += 5) forward_columns<5>(w, b, x, y, m, k, n0, b0, b1);
    for (Index t = 0; t < sixes; ++t, n0 += 6) forward_columns<6>(w, b, x, y, m, k, n0, b0, b1);
    for (Index t = 0; t < fours; ++t, n0 += 4) forward_columns<4>(w, b, x, y, m, k, n0, b0, b1);
    switch (n - n0) {
      case 4:
        forward_columns<4>(w, b, x, y, m, k, n0, b0, b1);
        break;
      case 3:
        forward_columns<3>(w, b, x, y, m, k, n0, b0, b1);
        break;
      case 2:
        forward_columns<2>(w, b, x, y, m, k, n0, b0, b1);
        break;
      case 1:
        forward_columns<1>(w, b, x, y, m, k, n0, b0, b1);
        break;
      default:
        break;
    }
  }
}

void dense_forward(const float* w, const float* b, const float* x, float* y, Index m, Index k,
                   Index n) {
  dense_forward_rows(w, b, x, y, m, k, n, 0, m);
}

bool dense_infer_packs(Index m, Index k, Index n) {
  return m > 0 && k >= kPackMinRow && n >= kPackMinColumns;
}

void dense_infer(const float* w, const float* b, const float* x, float* y, Index m, Index k,
                 Index n) {
  if (!dense_infer_packs(m, k, n)) return dense_forward(w, b, x, y, m, k, n);
  alignas(64) float wt[kPackDepth * kPackRows];  // 64 KB: a worker's stack holds it
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < m; ++i) y[j * m + i] = b[i];
  for (Index k0 = 0; k0 < k; k0 += kPackDepth) {
    const Index kb = std::min(kPackDepth, k - k0);
    for (Index m0 = 0; m0 < m; m0 += kPackRows) {
      const Index rows = std::min(kPackRows, m - m0);
      pack_transposed(w, k, m0, rows, k0, kb, wt);
      __mmask16 mask[4];
      for (int v = 0; v < 4; ++v) mask[v] = lanes_mask(std::max<Index>(0, rows - v * kLanes));
      Index n0 = 0;
      for (; n0 + 6 <= n; n0 += 6) packed_tile<6>(wt, x, y, m, k, k0, kb, m0, mask, n0);
      packed_tail<5>(n - n0, wt, x, y, m, k, k0, kb, m0, mask, n0);
    }
  }
}

void dense_input_grad(const float* w, const float* dy, float* dx, Index m, Index k, Index n) {
  constexpr Index kStrip = 3 * kLanes;
  Index k0 = 0;
  for (; k0 + kStrip <= k; k0 += kStrip) input_grad_strip<3>(w, dy, dx, m, k, n, k0);
  const Index rest = k - k0;
  if (rest > 2 * kLanes)
    input_grad_strip<3>(w, dy, dx, m, k, n, k0);
  else if (rest > kLanes)
    input_grad_strip<2>(w, dy, dx, m, k, n, k0);
  else if (rest > 0)
    input_grad_strip<1>(w, dy, dx, m, k, n, k0);
}

void dense_weight_grad_rows(const float* dy, const float* x, float* dw, Index m, Index k, Index n,
                            Index r0, Index r1, bool accumulate) {
  constexpr Index kStrip = 3 * kLanes;
  Index k0 = 0;
  for (; k0 + kStrip <= k; k0 += kStrip)
    weight_grad_strip<3>(dy, x, dw, m, k, n, k0, r0, r1, accumulate);
  const Index rest = k - k0;
  if (rest > 2 * kLanes)
    weight_grad_strip<3>(dy, x, dw, m, k, n, k0, r0, r1, accumulate);
  else if (rest > kLanes)
    weight_grad_strip<2>(dy, x, dw, m, k, n, k0, r0, r1, accumulate);
  else if (rest > 0)
    weight_grad_strip<1>(dy, x, dw, m, k, n, k0, r0, r1, accumulate);
}

void dense_weight_grad(const float* dy, const float* x, float* dw, float* db, Index m, Index k,
                       Index n, bool accumulate) {
  dense_weight_grad_rows(dy, x, dw, m, k, n, 0, m, accumulate);
  if (db) dense_bias_grad(dy, db, m, n, accumulate);
}

bool dense_gemm_vectorized() { return true; }

#else  // no AVX-512: Eigen's products

void dense_forward(const float* w, const float* b, const float* x, float* y, Index m, Index k,
                   Index n) {
  MatrixMap<float> ym(y, m, n);
  ym.noalias() = ConstRowMatrixMap<float>(w, m, k) * ConstMatrixMap<float>(x, k, n);
  ym.colwise() += ConstVectorMap<float>(b, m);
}

void dense_forward_rows(const float* w, const float* b, const float* x, float* y, Index m, Index k,
                        Index n, Index r0, Index r1) {
  auto rows = MatrixMap<float>(y, m, n).middleRows(r0, r1 - r0);
  rows.noalias() =
      ConstRowMatrixMap<float>(w, m, k).middleRows(r0, r1 - r0) * ConstMatrixMap<float>(x, k, n);
  rows.colwise() += ConstVectorMap<float>(b + r0, r1 - r0);
}

void dense_input_grad(const float* w, const float* dy, float* dx, Index m, Index k, Index n) {
  MatrixMap<float>(dx, k, n).noalias() =
      ConstRowMatrixMap<float>(w, m, k).transpose() * ConstMatrixMap<float>(dy, m, n);
}

void dense_weight_grad_rows(const float* dy, const float* x, float* dw, Index m, Index k, Index n,
                            Index r0, Index r1, bool accumulate) {
  const auto dym = ConstMatrixMap<float>(dy, m, n).middleRows(r0, r1 - r0);
  auto dwm = RowMatrixMap<float>(dw, m, k).middleRows(r0, r1 - r0);
  if (accumulate)
    dwm.noalias() += dym * ConstMatrixMap<float>(x, k, n).transpose();
  else
    dwm.noalias() = dym * ConstMatrixMap<float>(x, k, n).transpose();
}

void dense_weight_grad(const float* dy, const float* x, float* dw, float* db, Index m, Index k,
                       Index n, bool accumulate) {
  dense_weight_grad_rows(dy, x, dw, m, k, n, 0, m, accumulate);
  if (db) dense_bias_grad(dy, db, m, n, accumulate);
}

void dense_infer(const float* w, const float* b, const float* x, float* y, Index m, Index k,
                 Index n) {
  dense_forward(w, b, x, y, m, k, n);
}

bool dense_infer_packs(Index, Index, Index) { return false; }

bool dense_gemm_vectorized() { return false; }

#endif

}  // namespace ts
