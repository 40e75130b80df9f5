#include "core/layers/conv_gemm.h"

#include <algorithm>
#include <type_traits>

#if defined(__AVX512F__)
#include "core/layers/lanes16.h"

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

using simd::lanes_mask;

// Broadcast columns (or taps) per tile for MV vectors of filters: 24 to 28 accumulators
// (with four vectors, 6 columns measured faster than 7 on the conv-2 shapes).
template <int MV>
constexpr int tile_width() {
  return MV == 4 ? 6 : MV == 3 ? 9 : 14;
}

// Calls f(std::integral_constant<int, MV>()) with MV = vectors (1 to 4, fewer taken as 1): a
// block's count of filter vectors as the kernels' template argument.
template <class F>
void with_filter_vectors(Index vectors, F&& f) {
  switch (vectors) {
    case 4:
      f(std::integral_constant<int, 4>());
      break;
    case 3:
      f(std::integral_constant<int, 3>());
      break;
    case 2:
      f(std::integral_constant<int, 2>());
      break;
    default:
      f(std::integral_constant<int, 1>());
      break;
  }
}

// Where a forward tile finds its columns: column j's taps, from the source's first, at
// col(j)[0], col(j)[1], ...
// A cursor walks the columns one after another (for the weight gradient's pixels).
struct ColumnMatrix {  // im2col's columns, ld k
  const float* cols;
  Index k;
  const float* col(Index j) const { return cols + j * k; }
  struct Cursor {
    const float* at;
    Index k;
    void next() { at += k; }
  };
  Cursor cursor(Index j) const { return {col(j), k}; }
};
struct ImageWindows {  // one row ky of each window of a zero-padded (hp, wp, c) image
  const float* image;  // at row ky of the first window
  Index wp, c, s, ow;
  const float* col(Index j) const { return image + ((j / ow) * s * wp + (j % ow) * s) * c; }
  struct Cursor {
    const float* at;
    Index ox, ow, step, wrap;  // from the end of a row of windows to the next row's first
    void next() {
      at += step;
      if (++ox == ow) {
        ox = 0;
        at += wrap;
      }
    }
  };
  Cursor cursor(Index j) const { return {col(j), j % ow, ow, s * c, (s * wp - ow * s) * c}; }
};

// ---- forward: y(f0.., n0..) over the source's taps [u0, u1), whose weights are the rows
// of wt (already at the block's filters and first tap); from the bias (or zero) when
// `from_bias`, else from what y holds ----
template <int MV, int NR, class Source>
inline void forward_tile(const float* wt, const float* b, bool from_bias, const Source& src,
                         float* y, Index m, Index mp, Index f0, Index n0, Index u0, Index u1) {
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
          from_bias ? bias : _mm512_maskz_loadu_ps(mask[v], y + (n0 + j) * m + f0 + v * kLanes);
  }
  const float* cp[NR];
  TS_UNROLL
  for (int j = 0; j < NR; ++j) cp[j] = src.col(n0 + j);
  for (Index u = u0; u < u1; ++u) {
    __m512 wv[MV];
    TS_UNROLL
    for (int v = 0; v < MV; ++v) wv[v] = _mm512_loadu_ps(wt + u * mp + v * kLanes);
    TS_UNROLL
    for (int j = 0; j < NR; ++j) {
      const __m512 xv = _mm512_set1_ps(cp[j][u]);
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
template <int MV, int NR, class Source>
void forward_tail(const float* wt, const float* b, bool from_bias, const Source& src, float* y,
                  Index m, Index mp, Index f0, Index n0, Index u0, Index u1, Index count) {
  if constexpr (NR > 1)
    if (count < NR)
      return forward_tail<MV, NR - 1>(wt, b, from_bias, src, y, m, mp, f0, n0, u0, u1, count);
  forward_tile<MV, NR>(wt, b, from_bias, src, y, m, mp, f0, n0, u0, u1);
}

template <int MV, class Source>
void forward_block(const float* wt, const float* b, bool from_bias, const Source& src, float* y,
                   Index m, Index mp, Index n, Index f0, Index u0, Index u1) {
  constexpr int NR = tile_width<MV>();
  Index n0 = 0;
  for (; n0 + NR <= n; n0 += NR)
    forward_tile<MV, NR>(wt, b, from_bias, src, y, m, mp, f0, n0, u0, u1);
  if (n0 < n) forward_tail<MV, NR - 1>(wt, b, from_bias, src, y, m, mp, f0, n0, u0, u1, n - n0);
}

// Filters [f0, f0 + 64) of y over a run of `run` taps of the source, whose weights start at
// wt's row `first_tap`: blocks of taps that stay in L1.
template <class Source>
void forward_run(const float* wt, const float* b, bool from_bias, const Source& src, float* y,
                 Index m, Index n, Index f0, Index first_tap, Index run) {
  const Index mp = conv_padded_filters(m);
  const Index vectors = std::min<Index>(4, (m - f0 + kLanes - 1) / kLanes);
  // Taps a block: that many rows of this filter block's weights stay in L1 while the
  // columns stream past them.
  const Index taps = std::max<Index>(kLanes, kL1Floats / (vectors * kLanes));
  const float* w = wt + first_tap * mp + f0;
  for (Index u0 = 0; u0 == 0 || u0 < run; u0 += taps) {
    const Index u1 = std::min(run, u0 + taps);
    const bool fresh = from_bias && u0 == 0;
    with_filter_vectors(
        vectors, [&](auto mv) { forward_block<mv()>(w, b, fresh, src, y, m, mp, n, f0, u0, u1); });
  }
}

// ---- weight gradient: dwt(t0.., f0..) over pixels [p0, p1) of the source's taps from u0,
// from zero or from dwt ----
template <int MV, int NR, class Source>
inline void weight_grad_tile(const float* dy, const Source& src, float* dwt, Index m, Index mp,
                             Index f0, Index t0, Index u0, Index p0, Index p1, bool fresh) {
  __mmask16 mask[MV];
  TS_UNROLL
  for (int v = 0; v < MV; ++v) mask[v] = lanes_mask(m - f0 - v * kLanes);
  __m512 acc[MV][NR];
  TS_UNROLL
  for (int j = 0; j < NR; ++j) TS_UNROLL
  for (int v = 0; v < MV; ++v)
    acc[v][j] =
        fresh ? _mm512_setzero_ps() : _mm512_loadu_ps(dwt + (t0 + j) * mp + f0 + v * kLanes);
  auto column = src.cursor(p0);
  for (Index p = p0; p < p1; ++p) {
    __m512 dv[MV];
    TS_UNROLL
    for (int v = 0; v < MV; ++v)
      dv[v] = _mm512_maskz_loadu_ps(mask[v], dy + p * m + f0 + v * kLanes);
    const float* cp = column.at + u0;
    TS_UNROLL
    for (int j = 0; j < NR; ++j) {
      const __m512 xv = _mm512_set1_ps(cp[j]);
      TS_UNROLL
      for (int v = 0; v < MV; ++v) acc[v][j] = _mm512_fmadd_ps(dv[v], xv, acc[v][j]);
    }
    column.next();
  }
  TS_UNROLL
  for (int j = 0; j < NR; ++j) TS_UNROLL
  for (int v = 0; v < MV; ++v) _mm512_storeu_ps(dwt + (t0 + j) * mp + f0 + v * kLanes, acc[v][j]);
}

// The last `count` (1..NR) taps.
template <int MV, int NR, class Source>
void weight_grad_tail(const float* dy, const Source& src, float* dwt, Index m, Index mp, Index f0,
                      Index t0, Index u0, Index p0, Index p1, bool fresh, Index count) {
  if constexpr (NR > 1)
    if (count < NR)
      return weight_grad_tail<MV, NR - 1>(dy, src, dwt, m, mp, f0, t0, u0, p0, p1, fresh, count);
  weight_grad_tile<MV, NR>(dy, src, dwt, m, mp, f0, t0, u0, p0, p1, fresh);
}

// dwt rows [t_first, t_first + run) from the source's taps [0, run).
template <int MV, class Source>
void weight_grad_block(const float* dy, const Source& src, float* dwt, Index m, Index mp, Index f0,
                       Index t_first, Index run, Index p0, Index p1, bool fresh) {
  constexpr int NR = tile_width<MV>();
  Index u0 = 0;
  for (; u0 + NR <= run; u0 += NR)
    weight_grad_tile<MV, NR>(dy, src, dwt, m, mp, f0, t_first + u0, u0, p0, p1, fresh);
  if (u0 < run)
    weight_grad_tail<MV, NR - 1>(dy, src, dwt, m, mp, f0, t_first + u0, u0, p0, p1, fresh,
                                 run - u0);
}

// Filters [f0, f0 + 64) of dwt over pixels [p0, p1), for each run the source gives:
// `runs(visit)` calls visit(source, first tap, run) for each.
template <class Runs>
void weight_grad_pixels(const float* dy, float* dwt, Index m, Index f0, Index p0, Index p1,
                        bool fresh, const Runs& runs) {
  const Index mp = conv_padded_filters(m);
  const Index vectors = std::min<Index>(4, (mp - f0) / kLanes);
  runs([&](const auto& src, Index t_first, Index run) {
    with_filter_vectors(vectors, [&](auto mv) {
      weight_grad_block<mv()>(dy, src, dwt, m, mp, f0, t_first, run, p0, p1, fresh);
    });
  });
}

// Blocks of pixels whose output gradients stay in L1 while the columns stream past them.
template <class Runs>
void weight_grad(const float* dy, float* dwt, Index m, Index n, bool accumulate, const Runs& runs) {
  const Index mp = conv_padded_filters(m);
  for (Index f0 = 0; f0 < mp; f0 += kFilterBlock) {
    const Index vectors = std::min<Index>(4, (mp - f0) / kLanes);
    const Index pixels = std::max<Index>(8, kL1Floats / (vectors * kLanes));
    for (Index p0 = 0; p0 == 0 || p0 < n; p0 += pixels)
      weight_grad_pixels(dy, dwt, m, f0, p0, std::min(n, p0 + pixels), !accumulate && p0 == 0,
                         runs);
  }
}

}  // namespace

void conv_forward(const float* wt, const float* b, const float* cols, float* y, Index m, Index k,
                  Index n) {
  for (Index f0 = 0; f0 < m; f0 += kFilterBlock)
    forward_run(wt, b, true, ColumnMatrix{cols, k}, y, m, n, f0, 0, k);
}

void conv_forward_image(const float* wt, const float* b, const float* image, Index wp, Index c,
                        Index k, Index s, Index oh, Index ow, float* y, Index m) {
  // Window row ky of every pixel is a run of k*c taps, contiguous in the image: taps
  // ky*k*c .. (ky+1)*k*c - 1 of the pixel's im2col column, in the same order.
  for (Index f0 = 0; f0 < m; f0 += kFilterBlock)
    for (Index ky = 0; ky < k; ++ky)
      forward_run(wt, b, ky == 0, ImageWindows{image + ky * wp * c, wp, c, s, ow}, y, m, oh * ow,
                  f0, ky * k * c, k * c);
}

void conv_weight_grad_t(const float* dy, const float* cols, float* dwt, Index m, Index k, Index n,
                        bool accumulate) {
  weight_grad(dy, dwt, m, n, accumulate, [&](const auto& visit) {
    visit(ColumnMatrix{cols, k}, 0, k);
  });
}

void conv_weight_grad_image(const float* dy, const float* image, Index wp, Index c, Index k,
                            Index s, Index oh, Index ow, float* dwt, Index m, bool accumulate) {
  weight_grad(dy, dwt, m, oh * ow, accumulate, [&](const auto& visit) {
    for (Index ky = 0; ky < k; ++ky)
      visit(ImageWindows{image + ky * wp * c, wp, c, s, ow}, ky * k * c, k * c);
  });
}

#else  // no AVX-512: Eigen's products

void conv_forward(const float* wt, const float* b, const float* cols, float* y, Index m, Index k,
                  Index n) {
  MatrixMap<float> ym(y, m, n);
  ym.noalias() = ConstMatrixMap<float>(wt, conv_padded_filters(m), k).topRows(m) *
                 ConstMatrixMap<float>(cols, k, n);
  if (b) ym.colwise() += ConstVectorMap<float>(b, m);
}

void conv_forward_image(const float* wt, const float* b, const float* image, Index wp, Index c,
                        Index k, Index s, Index oh, Index ow, float* y, Index m) {
  const Index mp = conv_padded_filters(m);
  for (Index j = 0; j < oh * ow; ++j) {
    const float* origin = image + ((j / ow) * s * wp + (j % ow) * s) * c;
    for (Index f = 0; f < m; ++f) {
      float acc = b ? b[f] : 0.0f;
      for (Index ky = 0; ky < k; ++ky)
        for (Index u = 0; u < k * c; ++u)
          acc += wt[(ky * k * c + u) * mp + f] * origin[ky * wp * c + u];
      y[j * m + f] = acc;
    }
  }
}

void conv_weight_grad_image(const float* dy, const float* image, Index wp, Index c, Index k,
                            Index s, Index oh, Index ow, float* dwt, Index m, bool accumulate) {
  const Index mp = conv_padded_filters(m), taps = k * k * c;
  if (!accumulate) std::fill(dwt, dwt + taps * mp, 0.0f);
  for (Index j = 0; j < oh * ow; ++j) {
    const float* origin = image + ((j / ow) * s * wp + (j % ow) * s) * c;
    for (Index ky = 0; ky < k; ++ky)
      for (Index u = 0; u < k * c; ++u)
        for (Index f = 0; f < m; ++f)
          dwt[(ky * k * c + u) * mp + f] += dy[j * m + f] * origin[ky * wp * c + u];
  }
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
