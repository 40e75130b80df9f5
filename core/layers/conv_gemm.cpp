#include "core/layers/conv_gemm.h"

#include <algorithm>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ts {

Index conv_padded_filters(Index m) { return (m + 15) / 16 * 16; }

void conv_pack_weights(const float* w, Index m, Index k, float* wt) {
  const Index mp = conv_padded_filters(m);
  for (Index t = 0; t < k; ++t) {
    float* row = wt + t * mp;
    for (Index f = 0; f < m; ++f) row[f] = w[f * k + t];
    std::fill(row + m, row + mp, 0.0f);
  }
}

void conv_unpack_weight_grad(const float* dwt, Index m, Index k, float* dw, bool accumulate) {
  const Index mp = conv_padded_filters(m);
  for (Index f = 0; f < m; ++f) {
    float* row = dw + f * k;
    if (accumulate)
      for (Index t = 0; t < k; ++t) row[t] += dwt[t * mp + f];
    else
      for (Index t = 0; t < k; ++t) row[t] = dwt[t * mp + f];
  }
}

#if defined(__AVX512F__)

namespace {

constexpr int kLanes = 16;
constexpr Index kFilterBlock = 4 * kLanes;  // filters per tile: four vectors
constexpr Index kL1Floats = 6144;           // the loaded operand's block: 24 KB of L1

// Loops over a tile's registers must unroll completely, or GCC keeps the accumulators in
// memory.
#define TS_UNROLL _Pragma("GCC unroll 16")

inline __mmask16 lanes_mask(Index count) {
  return count >= kLanes ? __mmask16(0xFFFF) : __mmask16((1u << count) - 1u);
}

// Broadcast columns (or taps) per tile for MV vectors of filters: 24 to 28 accumulators
// (with four vectors, 6 columns measured faster than 7 on the conv-2 shapes).
template <int MV>
constexpr int tile_width() {
  return MV == 4 ? 6 : MV == 3 ? 9 : 14;
}

// ---- forward: y(f0.., n0..) over taps [t0, t1), from the bias (or zero) at t0 == 0, else
// from y ----
template <int MV, int NR>
inline void forward_tile(const float* wt, const float* b, const float* cols, float* y, Index m,
                         Index mp, Index k, Index f0, Index n0, Index t0, Index t1) {
  __mmask16 mask[MV];
  TS_UNROLL
  for (int v = 0; v < MV; ++v) mask[v] = lanes_mask(m - f0 - v * kLanes);
  __m512 acc[MV][NR];
  TS_UNROLL
  for (int v = 0; v < MV; ++v) {
    const __m512 bias =
        b ? _mm512_maskz_loadu_ps(mask[v], b + f0 + v * kLanes) : _mm512_setzero_ps();
    TS_UNROLL
    for (int j = 0; j < NR; ++j)
      acc[v][j] =
          t0 == 0 ? bias : _mm512_maskz_loadu_ps(mask[v], y + (n0 + j) * m + f0 + v * kLanes);
  }
  const float* wp = wt + f0;
  const float* cp = cols + n0 * k;
  for (Index t = t0; t < t1; ++t) {
    __m512 wv[MV];
    TS_UNROLL
    for (int v = 0; v < MV; ++v) wv[v] = _mm512_loadu_ps(wp + t * mp + v * kLanes);
    TS_UNROLL
    for (int j = 0; j < NR; ++j) {
      const __m512 xv = _mm512_set1_ps(cp[j * k + t]);
      TS_UNROLL
      for (int v = 0; v < MV; ++v) acc[v][j] = _mm512_fmadd_ps(wv[v], xv, acc[v][j]);
    }
  }
  TS_UNROLL
  for (int j = 0; j < NR; ++j) TS_UNROLL
  for (int v = 0; v < MV; ++v)
    _mm512_mask_storeu_ps(y + (n0 + j) * m + f0 + v * kLanes, mask[v], acc[v][j]);
}

// The last `count` (1..NR) columns.
template <int MV, int NR>
void forward_tail(const float* wt, const float* b, const float* cols, float* y, Index m, Index mp,
                  Index k, Index f0, Index n0, Index t0, Index t1, Index count) {
  if constexpr (NR > 1)
    if (count < NR)
      return forward_tail<MV, NR - 1>(wt, b, cols, y, m, mp, k, f0, n0, t0, t1, count);
  forward_tile<MV, NR>(wt, b, cols, y, m, mp, k, f0, n0, t0, t1);
}

template <int MV>
void forward_block(const float* wt, const float* b, const float* cols, float* y, Index m, Index mp,
                   Index k, Index n, Index f0, Index t0, Index t1) {
  constexpr int NR = tile_width<MV>();
  Index n0 = 0;
  for (; n0 + NR <= n; n0 += NR) forward_tile<MV, NR>(wt, b, cols, y, m, mp, k, f0, n0, t0, t1);
  if (n0 < n) forward_tail<MV, NR - 1>(wt, b, cols, y, m, mp, k, f0, n0, t0, t1, n - n0);
}

// ---- weight gradient: dwt(t0.., f0..) over pixels [p0, p1), from zero or from dwt ----
template <int MV, int NR>
inline void weight_grad_tile(const float* dy, const float* cols, float* dwt, Index m, Index mp,
                             Index k, Index f0, Index t0, Index p0, Index p1, bool fresh) {
  __mmask16 mask[MV];
  TS_UNROLL
  for (int v = 0; v < MV; ++v) mask[v] = lanes_mask(m - f0 - v * kLanes);
  __m512 acc[MV][NR];
  TS_UNROLL
  for (int j = 0; j < NR; ++j) TS_UNROLL
  for (int v = 0; v < MV; ++v)
    acc[v][j] =
        fresh ? _mm512_setzero_ps() : _mm512_loadu_ps(dwt + (t0 + j) * mp + f0 + v * kLanes);
  for (Index p = p0; p < p1; ++p) {
    __m512 dv[MV];
    TS_UNROLL
    for (int v = 0; v < MV; ++v)
      dv[v] = _mm512_maskz_loadu_ps(mask[v], dy + p * m + f0 + v * kLanes);
    const float* cp = cols + p * k + t0;
    TS_UNROLL
    for (int j = 0; j < NR; ++j) {
      const __m512 xv = _mm512_set1_ps(cp[j]);
      TS_UNROLL
      for (int v = 0; v < MV; ++v) acc[v][j] = _mm512_fmadd_ps(dv[v], xv, acc[v][j]);
    }
  }
  TS_UNROLL
  for (int j = 0; j < NR; ++j) TS_UNROLL
  for (int v = 0; v < MV; ++v) _mm512_storeu_ps(dwt + (t0 + j) * mp + f0 + v * kLanes, acc[v][j]);
}

// The last `count` (1..NR) taps.
template <int MV, int NR>
void weight_grad_tail(const float* dy, const float* cols, float* dwt, Index m, Index mp, Index k,
                      Index f0, Index t0, Index p0, Index p1, bool fresh, Index count) {
  if constexpr (NR > 1)
    if (count < NR)
      return weight_grad_tail<MV, NR - 1>(dy, cols, dwt, m, mp, k, f0, t0, p0, p1, fresh, count);
  weight_grad_tile<MV, NR>(dy, cols, dwt, m, mp, k, f0, t0, p0, p1, fresh);
}

template <int MV>
void weight_grad_block(const float* dy, const float* cols, float* dwt, Index m, Index mp, Index k,
                       Index f0, Index p0, Index p1, bool fresh) {
  constexpr int NR = tile_width<MV>();
  Index t0 = 0;
  for (; t0 + NR <= k; t0 += NR)
    weight_grad_tile<MV, NR>(dy, cols, dwt, m, mp, k, f0, t0, p0, p1, fresh);
  if (t0 < k) weight_grad_tail<MV, NR - 1>(dy, cols, dwt, m, mp, k, f0, t0, p0, p1, fresh, k - t0);
}

}  // namespace

void conv_forward(const float* wt, const float* b, const float* cols, float* y, Index m, Index k,
                  Index n) {
  const Index mp = conv_padded_filters(m);
  for (Index f0 = 0; f0 < m; f0 += kFilterBlock) {
    const Index vectors = std::min<Index>(4, (m - f0 + kLanes - 1) / kLanes);
    // Taps a block: that many rows of this filter block's weights stay in L1 while the
    // columns stream past them.
    const Index taps = std::max<Index>(kLanes, kL1Floats / (vectors * kLanes));
    for (Index t0 = 0; t0 == 0 || t0 < k; t0 += taps) {
      const Index t1 = std::min(k, t0 + taps);
      switch (vectors) {
        case 4:
          forward_block<4>(wt, b, cols, y, m, mp, k, n, f0, t0, t1);
          break;
        case 3:
          forward_block<3>(wt, b, cols, y, m, mp, k, n, f0, t0, t1);
          break;
        case 2:
          forward_block<2>(wt, b, cols, y, m, mp, k, n, f0, t0, t1);
          break;
        default:
          forward_block<1>(wt, b, cols, y, m, mp, k, n, f0, t0, t1);
          break;
      }
    }
  }
}

void conv_weight_grad_t(const float* dy, const float* cols, float* dwt, Index m, Index k, Index n,
                        bool accumulate) {
  const Index mp = conv_padded_filters(m);
  for (Index f0 = 0; f0 < mp; f0 += kFilterBlock) {
    const Index vectors = std::min<Index>(4, (mp - f0) / kLanes);
    // Pixels a block: that many pixels' output gradients stay in L1 while the columns
    // stream past them.
    const Index pixels = std::max<Index>(8, kL1Floats / (vectors * kLanes));
    for (Index p0 = 0; p0 == 0 || p0 < n; p0 += pixels) {
      const Index p1 = std::min(n, p0 + pixels);
      const bool fresh = !accumulate && p0 == 0;
      switch (vectors) {
        case 4:
          weight_grad_block<4>(dy, cols, dwt, m, mp, k, f0, p0, p1, fresh);
          break;
        case 3:
          weight_grad_block<3>(dy, cols, dwt, m, mp, k, f0, p0, p1, fresh);
          break;
        case 2:
          weight_grad_block<2>(dy, cols, dwt, m, mp, k, f0, p0, p1, fresh);
          break;
        default:
          weight_grad_block<1>(dy, cols, dwt, m, mp, k, f0, p0, p1, fresh);
          break;
      }
    }
  }
}

#else  // no AVX-512: Eigen's products

void conv_forward(const float* wt, const float* b, const float* cols, float* y, Index m, Index k,
                  Index n) {
  MatrixMap<float> ym(y, m, n);
  ym.noalias() = ConstMatrixMap<float>(wt, conv_padded_filters(m), k).topRows(m) *
                 ConstMatrixMap<float>(cols, k, n);
  if (b) ym.colwise() += ConstVectorMap<float>(b, m);
}

void conv_weight_grad_t(const float* dy, const float* cols, float* dwt, Index m, Index k, Index n,
                        bool accumulate) {
  MatrixMap<float> d(dwt, conv_padded_filters(m), k);
  if (!accumulate) d.setZero();
  d.topRows(m).noalias() +=
      ConstMatrixMap<float>(dy, m, n) * ConstMatrixMap<float>(cols, k, n).transpose();
}

#endif

}  // namespace ts
