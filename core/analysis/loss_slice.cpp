#include "core/analysis/loss_slice.h"

#include "core/error.h"
#include "core/layers/lanes16.h"
#include "core/rng.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <Eigen/Eigenvalues>

#include <algorithm>
#include <array>
#include <cmath>

namespace ts {

namespace {

constexpr Index kChunk = 256;
constexpr Index kRowBlock = 64;  // samples a row-path task takes
constexpr Index kVector = 16;    // floats in the widest vector (AVX-512)

// Each unit of a weight tensor: its first dimension's slices (a dense row, a conv filter).
template <class F>
void for_each_unit(const Parameters<float>& p, F&& f) {
  for (std::size_t t = 0; t < p.count(); ++t) {
    const ParamInfo& info = p.info(t);
    if (!info.is_weight || info.shape.empty() || info.shape[0] < 1) continue;
    const std::size_t units = std::size_t(info.shape[0]), per = info.size / units;
    for (std::size_t u = 0; u < units; ++u) f(info.offset + u * per, per);
  }
}

struct Batch {
  SampleBatch samples;       // the network's input and the labels
  Matrix<float> p0, p1, p2;  // fast path: the first dense layer's output for w, d1, d2
};

struct Scratch {
  Network<float>::Workspace ws;
  std::vector<float> params;
  Matrix<float> z;
};

// Runs layers [from, end) on `x` in inference (Network::infer); returns the logits.
const Matrix<float>& run_layers(const Network<float>& net, std::span<const float> params,
                                std::size_t from, const Matrix<float>& x, Scratch& s) {
  return net.infer(params, x, s.ws, from);
}

// The offset of the first tensor of the layers from `from` on (tensors are declared in layer
// order): a grid point needs its own weights only from there.
std::size_t tail_offset(const Network<float>& net, std::size_t from) {
  const Parameters<float>& p = net.params();
  for (std::size_t t = 0; t < p.count(); ++t) {
    const std::string& name = p.info(t).name;
    const long layer = net.find_layer(name.substr(0, name.rfind('.')));
    if (layer >= 0 && std::size_t(layer) >= from) return p.info(t).offset;
  }
  return p.total_size();
}

// The slope below zero of a piecewise linear activation layer (slope_below_zero), or false.
bool piecewise_linear(const Layer<float>& l, float& below) {
  const auto slope = slope_below_zero(l.spec());
  if (slope) below = float(*slope);
  return slope.has_value();
}

struct Part {
  double loss = 0;
  Index correct = 0;
};

constexpr int kGroupRows = 32;                  // rows a column walk covers
constexpr std::size_t kGroupFloats = 16 << 20;  // a group's per-point values, at most

// The row path's values shared by its tasks (core/analysis/loss_slice.h).
struct RowPath {
  const Network<float>& net;
  LossKind loss;
  std::span<const float> w, d1, d2;
  std::size_t first, tail;  // the first dense layer; the first parameter the tail runs on
  float below;              // the activation's slope below zero
  Index h1, h2;             // the first and second dense layers' outputs
  Index h2p;                // h2 rounded up to whole vectors: a row's matrix and K, zero-padded
  bool fused;               // a piecewise linear activation after the second dense layer,
  float after;              // applied with its output, of this slope below zero
  const SliceGrid& g;
  Matrix<float> stack;  // [W2; E2; D2], a unit's column contiguous
  // The group of rows [r0, r1): each row's [W2 + b E2; D2], and each point's second-layer bias
  // and tail parameters, (r - r0) * n + column.
  int r0 = 0, r1 = 0;
  std::vector<Matrix<float>> md;
  AlignedVector<float> point;
  // > 0: the layers after that activation are one dense layer of this many classes (16 at
  // most) and the loss is softmax cross-entropy, which lean_point takes (with AVX-512).
  int lean_classes = 0;
  // A point's values: the second layer's bias; then the tail's parameters, or for lean_point
  // the last layer's rows and its bias, each a whole number of vectors, zero-padded.
  std::size_t point_size() const {
    if (lean_classes > 0) return std::size_t(h2p * (1 + lean_classes) + kVector);
    return std::size_t(h2) + (w.size() - tail);
  }
};

// A unit's crossing down the first column: its change ds times its column m of [W2; E2; D2]
// (n values) added to the three products with s P0, s P1 and s P2 (f = ds times its P0, P1,
// P2), each value of m loaded once.
void add_column(const float* __restrict m, Index n, const std::array<float, 3>& f,
                const std::array<float*, 3>& out) {
  for (Index i = 0; i < n; ++i) {
    const float v = m[i];
    for (std::size_t k = 0; k < 3; ++k) out[k][i] += f[k] * v;
  }
}

// A unit's crossing along a row: its input's change ds (z + a p) times its column of the
// second layer's weights there, m + a d (md = [m; d], h2p each, a whole number of vectors),
// added to the point's output K0 + a K1 + a^2 K2 with fz = ds z and fp = ds p.
void add_crossing(const float* __restrict md, Index h2p, float fz, float fp, float* __restrict k0,
                  float* __restrict k1, float* __restrict k2) {
  const float* __restrict d = md + h2p;
  for (Index i0 = 0; i0 < h2p; i0 += kVector)
    for (Index i = i0; i < i0 + kVector; ++i) {
      const float m = md[i], dd = d[i];
      k0[i] += fz * m;
      k1[i] += fp * m + fz * dd;
      k2[i] += fp * dd;
    }
}

// The cells (unit u of sample j at c = j * h1 + u) whose input x + t y, along t = t0 + k step
// for k = 0 .. m-1, takes the other sign than their slope says at t0, grouped by the first
// index k where it has: the input is linear in t, so its sign changes once at most, when the
// last point has the other sign, at t = -x / y, and the first index past that takes the other
// slope. (Where the crossing falls on a point, within rounding, the input there is zero and
// either slope gives the same.) The cells of index k are cell[e], of sample sample[e], for e
// from count[k] to count[k + 1].
struct Crossings {
  std::vector<int32_t> count, cell, sample;
  std::vector<int32_t> at, list, list_sample;  // each cell's index (m: none); the crossing cells

  void sort(const float* x, const float* y, const std::vector<float>& slope, float below, Index h1,
            Index cols, double t0, double step, int m) {
    const std::size_t cells = std::size_t(h1 * cols);
    at.resize(cells);
    list.resize(cells + std::size_t(kVector));
    list_sample.resize(cells + std::size_t(kVector));
    count.assign(std::size_t(m) + 1, 0);
    if (m < 2 || below == 1.f) return;  // one point, or a slope that never changes
    const float t_start = float(t0), t_end = float(t0 + step * (m - 1));
    const float inv = float(1 / step), last = float(m - 1);
    for (std::size_t c = 0; c < cells; ++c) {
      const bool flips = (x[c] + t_end * y[c] > 0.f) != (slope[c] == 1.f);
      const float t = (-x[c] / y[c] - t_start) * inv;  // NaN or infinite where y is 0: no flip
      const float k = t >= 0.f ? std::min(t, last) : 0.f;
      at[c] = flips ? std::clamp(int32_t(k) + 1, int32_t(1), int32_t(m - 1)) : int32_t(m);
    }
    // The crossing cells alone (most keep their slope), counted by index, then each placed.
    std::size_t n = 0;
#if defined(__AVX512F__)
    // 16 cells at a time, packed into the front of a vector and stored whole (the lists have
    // room for the lanes past the last crossing).
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (Index j = 0; j < cols; ++j)
      for (Index u = 0; u < h1; u += kVector) {
        const int32_t c = int32_t(j * h1 + u);
        const __mmask16 in = simd::lanes_mask(h1 - u);
        const __mmask16 crosses = _mm512_mask_cmplt_epi32_mask(
            in, _mm512_maskz_loadu_epi32(in, at.data() + c), _mm512_set1_epi32(m));
        _mm512_storeu_si512(
            list.data() + n,
            _mm512_maskz_compress_epi32(crosses, _mm512_add_epi32(_mm512_set1_epi32(c), lane)));
        _mm512_storeu_si512(list_sample.data() + n, _mm512_set1_epi32(int32_t(j)));
        n += std::size_t(__builtin_popcount(crosses));
      }
#else
    for (Index j = 0; j < cols; ++j)
      for (Index u = 0; u < h1; ++u) {
        const std::size_t c = std::size_t(j * h1 + u);
        list[n] = int32_t(c);
        list_sample[n] = int32_t(j);
        n += at[c] < m;
      }
#endif
    for (std::size_t e = 0; e < n; ++e) ++count[std::size_t(at[std::size_t(list[e])])];
    for (int k = 1; k <= m; ++k) count[std::size_t(k)] += count[std::size_t(k - 1)];
    cell.resize(n);
    sample.resize(n);
    for (std::size_t e = n; e-- > 0;) {
      const int32_t c = list[e];
      const std::size_t to = std::size_t(--count[std::size_t(at[std::size_t(c)])]);
      cell[to] = c;
      sample[to] = list_sample[e];
    }
  }
};

#if defined(__AVX512F__)
// The layers after the second dense layer at one point, when they are its activation, one dense
// layer and softmax cross-entropy (RowPath::lean_classes): each sample's output K0 + a K1 +
// a^2 K2 (k0, k1, k2: h2p a sample) plus the bias there, through the activation (slope `after`
// below zero), into y; then 16 samples at a time, each class's dot products with their y
// reduce to one vector of its logits, a sample a lane, where the loss and the prediction are
// taken for all 16 at once (the general layers take them a sample at a time, and their copy of
// the point's parameters and their loss were a third of LeNet's 41 x 41 slice).
Part lean_point(const float* k0, const float* k1, const float* k2, Index h2p, int classes, float a,
                float after, const float* pt, std::span<const int32_t> labels, float* y) {
  const Index cols = Index(labels.size());
  const float* wt = pt + h2p;              // the last layer's rows, h2p each
  const float* bias = wt + classes * h2p;  // and its bias
  const __m512 va = _mm512_set1_ps(a), vafter = _mm512_set1_ps(after);
  Part part;
  for (Index j0 = 0; j0 < cols; j0 += kVector) {
    const Index in_group = std::min(kVector, cols - j0);
    // y by vectors of outputs, the 16 samples' vectors of each side by side: the dot products
    // below then find all 16 at fixed offsets from one address.
    for (Index t = 0; t < in_group; ++t) {
      const Index at = (j0 + t) * h2p;
      float* yt = y + t * kVector;
      for (Index o = 0; o < h2p; o += kVector) {
        __m512 v = _mm512_fmadd_ps(va, _mm512_loadu_ps(k2 + at + o), _mm512_loadu_ps(k1 + at + o));
        v = _mm512_add_ps(_mm512_fmadd_ps(va, v, _mm512_loadu_ps(k0 + at + o)),
                          _mm512_loadu_ps(pt + o));
        const __mmask16 not_above = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NGT_UQ);
        _mm512_store_ps(yt + o * kVector, _mm512_mask_mul_ps(v, not_above, v, vafter));
      }
    }
    for (Index t = in_group; t < kVector; ++t)  // lanes past the samples
      for (Index o = 0; o < h2p; o += kVector)
        _mm512_store_ps(y + t * kVector + o * kVector, _mm512_setzero_ps());
    __m512 logit[kVector];
    for (int c = 0; c < classes; ++c) {
      __m512 acc[kVector];
#pragma GCC unroll 16
      for (int t = 0; t < kVector; ++t) acc[t] = _mm512_setzero_ps();
      const float* wc = wt + c * h2p;
      for (Index o = 0; o < h2p; o += kVector) {
        const __m512 wv = _mm512_loadu_ps(wc + o);
        const float* yo = y + o * kVector;
#pragma GCC unroll 16
        for (int t = 0; t < kVector; ++t)
          acc[t] = _mm512_fmadd_ps(wv, _mm512_load_ps(yo + t * kVector), acc[t]);
      }
      logit[c] = _mm512_add_ps(simd::sum_lanes16(acc), _mm512_set1_ps(bias[c]));
    }
    // The first largest logit (as predict() takes it), log sum e^(z - max) + max - z_label.
    const __mmask16 valid = simd::lanes_mask(in_group);
    const __m512i label = _mm512_maskz_loadu_epi32(valid, labels.data() + j0);
    __m512 top = logit[0];
    __m512i pred = _mm512_setzero_si512();
    for (int c = 1; c < classes; ++c) {
      const __mmask16 above = _mm512_cmp_ps_mask(logit[c], top, _CMP_GT_OQ);
      top = _mm512_mask_mov_ps(top, above, logit[c]);
      pred = _mm512_mask_mov_epi32(pred, above, _mm512_set1_epi32(c));
    }
    __m512 sum = _mm512_setzero_ps(), at_label = _mm512_setzero_ps();
    for (int c = 0; c < classes; ++c) {
      sum = _mm512_add_ps(sum, simd::exp_nonpositive(_mm512_sub_ps(logit[c], top)));
      const __mmask16 is = _mm512_cmpeq_epi32_mask(label, _mm512_set1_epi32(c));
      at_label = _mm512_mask_mov_ps(at_label, is, logit[c]);
    }
    alignas(64) float loss[kVector];
    _mm512_store_ps(loss, _mm512_sub_ps(_mm512_add_ps(simd::log_positive(sum), top), at_label));
    for (Index t = 0; t < in_group; ++t) part.loss += double(loss[t]);
    part.correct += __builtin_popcount(_mm512_mask_cmpeq_epi32_mask(valid, pred, label));
  }
  return part;
}
#endif

struct RowScratch {
  Matrix<float> z, zc, sv, q, k, y;
  std::vector<float> slope, row_slope;
  Crossings down, along;  // down the first column, along a row
  std::vector<float> params;
  AlignedVector<float> lean_y;  // lean_point's outputs of the second layer, 16 samples of h2p
  Scratch layers;
};

// One task of the row path: the group's rows over samples [c0, c1) of one batch. `parts` gets
// their loss sum and correct count at each point, (row * blocks + block) * n + column.
//   Down the grid's first column (a = a0, b rising) the first layer's output is
// Zc + b P2 (Zc = P0 + a0 P1) with slopes s that change where a unit's input crosses zero, and
// [W2; E2; D2] (s P0, s P1, s P2) is kept up to date by a column of the stack per crossing:
// nine products Q_XV = X (s V), from which each row's first point has
//   C_W = (W2 + b E2) s (P0 + b P2) = Q_W0 + b (Q_W2 + Q_E0) + b^2 Q_E2,
//   U_W = Q_W1 + b Q_E1,  C_D = Q_D0 + b Q_D2,  U_D = Q_D1,
// without a product of its own: the output (W2 + b E2 + a D2) s (Z + a P1) there is
// K0 + a K1 + a^2 K2 with K0 = C_W, K1 = U_W + C_D, K2 = U_D. Along the row, as in the header.
void row_task(const RowPath& rp, const Batch& b, Index c0, Index c1, std::size_t block,
              std::size_t blocks, RowScratch& s, Part* parts) {
  const SliceGrid& g = rp.g;
  const int n = g.n, rows = rp.r1 - rp.r0;
  const Index h1 = rp.h1, h2 = rp.h2, cols = c1 - c0;
  const std::size_t cells = std::size_t(h1 * cols);
  const auto p0 = b.p0.middleCols(c0, cols), p1 = b.p1.middleCols(c0, cols),
             p2 = b.p2.middleCols(c0, cols);
  const double a0 = g.coordinate(0), step = n > 1 ? 2 * g.span / (n - 1) : 1.0;
  const double b0 = g.coordinate(rp.r0);
  const float other[2] = {1.f, rp.below};  // the slope a crossing gives: [slope was 1]
  // The column walk's start: slopes at (a0, b0), its crossings, and Q.
  s.zc = p0 + float(a0) * p1;
  s.slope.resize(cells);
  s.sv.resize(h1, 3 * cols);
  for (Index j = 0; j < cols; ++j)
    for (Index u = 0; u < h1; ++u) {
      const float sl = s.zc(u, j) + float(b0) * p2(u, j) > 0.f ? 1.f : rp.below;
      s.slope[std::size_t(j * h1 + u)] = sl;
      s.sv(u, j) = sl * p0(u, j);
      s.sv(u, cols + j) = sl * p1(u, j);
      s.sv(u, 2 * cols + j) = sl * p2(u, j);
    }
  s.q.noalias() = rp.stack * s.sv;
  Crossings& down = s.down;
  down.sort(s.zc.data(), p2.data(), s.slope, rp.below, h1, cols, b0, step, rows);
  s.params.resize(rp.w.size());
  s.row_slope.resize(cells);
  for (int k = 0; k < rows; ++k) {
    const int r = rp.r0 + k;
    for (int32_t e = down.count[std::size_t(k)]; e < down.count[std::size_t(k) + 1]; ++e) {
      const std::size_t c = std::size_t(down.cell[std::size_t(e)]);
      const Index j = down.sample[std::size_t(e)], u = Index(c) - j * h1;
      const float sl = other[s.slope[c] == 1.f], ds = sl - s.slope[c];
      s.slope[c] = sl;
      add_column(rp.stack.col(u).data(), 3 * h2, {ds * p0(u, j), ds * p1(u, j), ds * p2(u, j)},
                 {s.q.col(j).data(), s.q.col(cols + j).data(), s.q.col(2 * cols + j).data()});
    }
    const float bb = float(g.coordinate(r));
    const auto q = [&](int x, int v) { return s.q.block(x * h2, v * cols, h2, cols); };
    // K0, K1 and K2 side by side, each kst columns from the last: one more than the samples,
    // so that a sample's three columns are not a multiple of 4 KB apart (LeNet's 64 samples of
    // 112 floats were 28 KB apart, and each store to K0 held up the loads of K1 and K2 behind
    // it, their addresses alike in the bits a load is first checked against stores by).
    const Index kst = cols + 1;
    s.k.setZero(rp.h2p, 3 * kst);
    s.k.block(0, 0, h2, cols) = q(0, 0) + bb * (q(0, 2) + q(1, 0)) + (bb * bb) * q(1, 2);
    s.k.block(0, kst, h2, cols) = q(0, 1) + bb * q(1, 1) + q(2, 0) + bb * q(2, 2);
    s.k.block(0, 2 * kst, h2, cols) = q(2, 1);
    // Along the row: Z = P0 + b P2, from the column walk's slopes.
    s.z = p0 + bb * p2;
    s.row_slope = s.slope;
    Crossings& along = s.along;
    along.sort(s.z.data(), p1.data(), s.row_slope, rp.below, h1, cols, a0, step, n);
    const Matrix<float>& md = rp.md[std::size_t(k)];
    Part* out = parts + (std::size_t(r) * blocks + block) * std::size_t(n);
    for (int col = 0; col < n; ++col) {
      // The units whose input changed sign since the last point: their columns of M and D2.
      for (int32_t e = along.count[std::size_t(col)]; e < along.count[std::size_t(col) + 1]; ++e) {
        const std::size_t c = std::size_t(along.cell[std::size_t(e)]);
        const Index j = along.sample[std::size_t(e)], u = Index(c) - j * h1;
        // The other slope, by a lookup: a crossing goes either way, and a branch on it is
        // mispredicted about every other time.
        const float sl = other[s.row_slope[c] == 1.f], ds = sl - s.row_slope[c];
        s.row_slope[c] = sl;
        add_crossing(md.col(u).data(), rp.h2p, ds * s.z(u, j), ds * p1(u, j), s.k.col(j).data(),
                     s.k.col(kst + j).data(), s.k.col(2 * kst + j).data());
      }
      // The second layer's output at (a, b): K0 + a K1 + a^2 K2 + its bias there.
      const float af = float(g.coordinate(col));
      const float* pt =
          rp.point.data() + (std::size_t(k) * std::size_t(n) + std::size_t(col)) * rp.point_size();
      const Index h2p = rp.h2p;
      const float *k0 = s.k.data(), *k1 = k0 + h2p * kst, *k2 = k1 + h2p * kst;
#if defined(__AVX512F__)
      if (rp.lean_classes > 0) {
        s.lean_y.resize(std::size_t(kVector * h2p));
        out[col] = lean_point(
            k0, k1, k2, h2p, rp.lean_classes, af, rp.after, pt,
            std::span<const int32_t>(b.samples.y).subspan(std::size_t(c0), std::size_t(cols)),
            s.lean_y.data());
        continue;
      }
#endif
      s.y.resize(h2, cols);
      float* y = s.y.data();
      const float after = rp.after;
      for (Index j = 0; j < cols; ++j)
        for (Index o = 0; o < h2; ++o) {
          const Index i = j * h2p + o;
          const float v = k0[i] + af * (k1[i] + af * k2[i]) + pt[o];
          y[j * h2 + o] = rp.fused && !(v > 0.f) ? after * v : v;
        }
      std::copy(pt + h2, pt + rp.point_size(), s.params.begin() + std::ptrdiff_t(rp.tail));
      const Matrix<float>& logits =
          run_layers(rp.net, s.params, rp.first + (rp.fused ? 4 : 3), s.y, s.layers);
      const LossSum ls = loss_and_gradient<float>(
          rp.loss, logits,
          std::span<const int32_t>(b.samples.y).subspan(std::size_t(c0), std::size_t(cols)),
          nullptr, 1.0f);
      out[col] = {ls.loss, ls.correct};
    }
  }
}

}  // namespace

std::vector<double> unit_norms(const Network<float>& net, std::span<const float> v) {
  std::vector<double> out;
  for_each_unit(net.params(), [&](std::size_t at, std::size_t n) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += double(v[at + i]) * double(v[at + i]);
    out.push_back(std::sqrt(s));
  });
  return out;
}

std::vector<float> filter_normalized_direction(const Network<float>& net, std::span<const float> w,
                                               uint64_t seed) {
  const Parameters<float>& p = net.params();
  if (w.size() != p.total_size()) throw Error("slice direction: weights of the wrong size");
  std::vector<float> d(w.size(), 0.0f);
  Rng rng(seed);
  const auto masks = p.masks();
  for_each_unit(p, [&](std::size_t at, std::size_t n) {
    double dn = 0, wn = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      d[i] = float(rng.normal()) * masks[i];
      dn += double(d[i]) * double(d[i]);
      wn += double(w[i]) * double(w[i]);
    }
    const double scale = dn > 0 ? std::sqrt(wn / dn) : 0.0;
    for (std::size_t i = at; i < at + n; ++i) d[i] = float(double(d[i]) * scale);
  });
  return d;  // biases and slopes stay zero
}

TrajectoryPlane trajectory_plane(const std::vector<std::vector<float>>& states) {
  if (states.size() < 3)
    throw Error("trajectory plane: " + std::to_string(states.size()) +
                " states; at least 3 are needed (two steps away from the last)");
  const std::size_t n = states.back().size(), k = states.size() - 1;
  for (const auto& s : states)
    if (s.size() != n) throw Error("trajectory plane: states of different sizes");
  const std::vector<float>& last = states.back();
  // The Gram matrix of the differences m_i = state_i - last.
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(Index(k), Index(k));
  std::vector<double> mi(n), mj(n);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t t = 0; t < n; ++t) mi[t] = double(states[i][t]) - double(last[t]);
    for (std::size_t j = i; j < k; ++j) {
      double dot = 0;
      for (std::size_t t = 0; t < n; ++t) dot += mi[t] * (double(states[j][t]) - double(last[t]));
      gram(Index(i), Index(j)) = gram(Index(j), Index(i)) = dot;
    }
  }
  const double total = gram.trace();
  if (!(total > 0))
    throw Error(
        "trajectory plane: every kept state equals the last one: the path has no "
        "direction to slice along (did the run move? random directions need no path)");
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
  TrajectoryPlane p;
  std::vector<double> dir[2] = {std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
  for (int c = 0; c < 2; ++c) {
    const Index col = Index(k) - 1 - c;  // eigenvalues ascend
    const double lambda = std::max(eig.eigenvalues()(col), 0.0);
    p.explained[c] = total > 0 ? lambda / total : 0.0;
    if (lambda <= 0) continue;
    // d = M' u / sqrt(lambda): a unit vector, since |M' u|^2 = u' G u = lambda.
    for (std::size_t i = 0; i < k; ++i) {
      const double u = eig.eigenvectors()(Index(i), col) / std::sqrt(lambda);
      for (std::size_t t = 0; t < n; ++t) dir[c][t] += u * (double(states[i][t]) - double(last[t]));
    }
  }
  p.d1.assign(dir[0].begin(), dir[0].end());
  p.d2.assign(dir[1].begin(), dir[1].end());
  for (const auto& s : states) {
    double a = 0, b = 0;
    for (std::size_t t = 0; t < n; ++t) {
      const double m = double(s[t]) - double(last[t]);
      a += m * dir[0][t];
      b += m * dir[1][t];
    }
    p.path.emplace_back(a, b);
  }
  return p;
}

namespace {

struct RouteChoice {
  SliceRoute route = SliceRoute::whole_network;
  std::size_t first = 0;  // the first layer with parameters
  float below = 0.f;      // rows: the activation's slope below zero
};

// The first-layer path: the layers before the first one with parameters have none, and that
// one is a dense layer, whose output is linear in its parameters. The rows: a piecewise linear
// activation after it, and a second dense layer.
RouteChoice choose_route(const Network<float>& net) {
  RouteChoice c;
  c.first = net.num_layers();
  for (std::size_t i = 0; i < net.num_layers(); ++i)
    if (net.layer(i).weight_index() >= 0 || net.layer(i).bias_index() >= 0) {
      c.first = i;
      break;
    }
  if (c.first == net.num_layers() || net.layer(c.first).spec().kind != LayerKind::dense) return c;
  c.route = SliceRoute::first_layer;
  if (c.first + 2 < net.num_layers() && piecewise_linear(net.layer(c.first + 1), c.below) &&
      net.layer(c.first + 2).spec().kind == LayerKind::dense)
    c.route = SliceRoute::rows;
  return c;
}

}  // namespace

SliceRoute slice_route(const Network<float>& net) { return choose_route(net).route; }

SliceGrid loss_slice(const Network<float>& net, LossKind loss, std::span<const float> w,
                     std::span<const float> d1, std::span<const float> d2, const Dataset& data,
                     Index samples, int n, double span, SlicePath path,
                     const std::atomic<bool>* cancel, const std::function<void(double)>& progress,
                     const SlicePreview& preview) {
  const std::size_t size = net.params().total_size();
  if (w.size() != size || d1.size() != size || d2.size() != size)
    throw Error("loss slice: weights or directions of the wrong size");
  if (n < 1) throw Error("loss slice: the grid needs at least one point a side");
  if (samples < 1)
    throw Error("loss slice: needs at least 1 sample, got " + std::to_string(samples));
  samples = std::min(samples, data.size());
  if (samples < 1) throw Error("loss slice: no samples (the dataset " + data.name + " is empty)");

  const RouteChoice choice = choose_route(net);
  const std::size_t first = choice.first;
  const float below = choice.below;
  const bool fast = path != SlicePath::naive && choice.route != SliceRoute::whole_network;
  const bool rows = path == SlicePath::automatic && choice.route == SliceRoute::rows;

  std::vector<Batch> batches;
  for (SampleBatch& s : batches_in_order(data, samples, kChunk))
    batches.push_back(Batch{std::move(s), {}, {}, {}});
  if (fast) {
    // The first dense layer's input (after the parameter-free layers before it), then its
    // output for w, d1 and d2: three products, once.
    tbb::parallel_for(std::size_t(0), batches.size(), [&](std::size_t k) {
      Batch& b = batches[k];
      std::vector<Matrix<float>> acts(first);
      std::vector<LayerCache<float>> caches(first);
      const Matrix<float>* in = &b.samples.x;
      for (std::size_t i = 0; i < first; ++i) {
        net.layer(i).forward(w, *in, acts[i], caches[i], PassContext{});
        in = &acts[i];
      }
      const Matrix<float> x = *in;
      LayerCache<float> cache;
      net.layer(first).forward(w, x, b.p0, cache, PassContext{});
      net.layer(first).forward(d1, x, b.p1, cache, PassContext{});
      net.layer(first).forward(d2, x, b.p2, cache, PassContext{});
      b.samples.x.resize(0, 0);
    });
  }

  SliceGrid g;
  g.n = n;
  g.span = span;
  g.loss.assign(std::size_t(n) * std::size_t(n), 0.0);
  g.accuracy.assign(g.loss.size(), 0.0);
  if (rows) {
    // Tasks: a group of rows by a block of a batch's samples (small enough for the block's
    // values and the rows' matrices to stay in a core's cache); each point's sum over the
    // blocks in order.
    const ParamInfo& wi = net.params().info(std::size_t(net.layer(first + 2).weight_index()));
    const ParamInfo& bi = net.params().info(std::size_t(net.layer(first + 2).bias_index()));
    float after = 1.f;
    const bool fused =
        first + 3 < net.num_layers() && piecewise_linear(net.layer(first + 3), after);
    const Index h2p = (wi.shape[0] + kVector - 1) / kVector * kVector;
    RowPath rp{net,   loss,        w,           d1,  d2,    first, tail_offset(net, first + 3),
               below, wi.shape[1], wi.shape[0], h2p, fused, after, g,
               {},    0,           0,           {},  {}};
    const Index h1 = rp.h1, h2 = rp.h2;
    // The lean tail: after the fused activation, the network's last layer, dense, of at most 16
    // classes, and cross-entropy.
    std::size_t lean_w = 0, lean_b = 0;
    bool lean_bias = false;
#if defined(__AVX512F__)
    if (fused && loss == LossKind::cross_entropy && first + 5 == net.num_layers() &&
        net.layer(first + 4).spec().kind == LayerKind::dense) {
      const Layer<float>& last = net.layer(first + 4);
      const ParamInfo& lw = net.params().info(std::size_t(last.weight_index()));
      if (lw.shape.at(0) >= 1 && lw.shape.at(0) <= kVector && lw.shape.at(1) == h2) {
        rp.lean_classes = int(lw.shape[0]);
        lean_w = lw.offset;
        lean_bias = last.bias_index() >= 0;
        if (lean_bias) lean_b = net.params().info(std::size_t(last.bias_index())).offset;
      }
    }
#endif
    rp.stack.resize(3 * h2, h1);
    rp.stack.topRows(h2) = ConstRowMatrixMap<float>(w.data() + wi.offset, h2, h1);
    rp.stack.middleRows(h2, h2) = ConstRowMatrixMap<float>(d2.data() + wi.offset, h2, h1);
    rp.stack.bottomRows(h2) = ConstRowMatrixMap<float>(d1.data() + wi.offset, h2, h1);
    struct Block {
      std::size_t batch;
      Index c0, c1;
    };
    std::vector<Block> blocks;
    for (std::size_t k = 0; k < batches.size(); ++k)
      for (Index c0 = 0; c0 < batches[k].p0.cols(); c0 += kRowBlock)
        blocks.push_back({k, c0, std::min(c0 + kRowBlock, batches[k].p0.cols())});
    const std::size_t nb = blocks.size();
    const std::size_t row_floats = std::size_t(n) * rp.point_size() + std::size_t(2 * rp.h2p * h1);
    const int group = int(std::clamp<std::size_t>(kGroupFloats / row_floats, 1, kGroupRows));
    const std::size_t tasks = std::size_t((n + group - 1) / group) * nb;
    std::vector<Part> parts(std::size_t(n) * nb * std::size_t(n));
    tbb::enumerable_thread_specific<RowScratch> scratch;
    std::atomic<std::size_t> done{0};
    std::atomic<bool> cancelled{false};
    for (rp.r0 = 0; rp.r0 < n && !cancelled; rp.r0 = rp.r1) {
      rp.r1 = std::min(n, rp.r0 + group);
      // The group's rows' [W2 + b E2; D2] and points' bias and tail parameters.
      rp.md.resize(std::size_t(rp.r1 - rp.r0));
      rp.point.resize(rp.md.size() * std::size_t(n) * rp.point_size());
      tbb::parallel_for(rp.r0, rp.r1, [&](int r) {
        const double bb = g.coordinate(r);
        Matrix<float>& m = rp.md[std::size_t(r - rp.r0)];
        m.setZero(2 * rp.h2p, h1);
        m.topRows(h2) = rp.stack.topRows(h2) + float(bb) * rp.stack.middleRows(h2, h2);
        m.middleRows(rp.h2p, h2) = rp.stack.bottomRows(h2);
        for (int col = 0; col < n; ++col) {
          const double a = g.coordinate(col);
          float* pt =
              rp.point.data() +
              (std::size_t(r - rp.r0) * std::size_t(n) + std::size_t(col)) * rp.point_size();
          const auto at = [&](std::size_t i) {
            return float(double(w[i]) + a * double(d1[i]) + bb * double(d2[i]));
          };
          if (rp.lean_classes == 0) {
            for (Index o = 0; o < h2; ++o) *pt++ = at(bi.offset + std::size_t(o));
            for (std::size_t i = rp.tail; i < w.size(); ++i) *pt++ = at(i);
            continue;
          }
          for (Index o = 0; o < rp.h2p; ++o) *pt++ = o < h2 ? at(bi.offset + std::size_t(o)) : 0.f;
          for (int c = 0; c < rp.lean_classes; ++c)
            for (Index o = 0; o < rp.h2p; ++o)
              *pt++ = o < h2 ? at(lean_w + std::size_t(c * h2 + o)) : 0.f;
          for (int c = 0; c < kVector; ++c)
            *pt++ = lean_bias && c < rp.lean_classes ? at(lean_b + std::size_t(c)) : 0.f;
        }
      });
      tbb::parallel_for(std::size_t(0), nb, [&](std::size_t k) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
          cancelled.store(true, std::memory_order_relaxed);
          return;
        }
        const Block& bl = blocks[k];
        row_task(rp, batches[bl.batch], bl.c0, bl.c1, k, nb, scratch.local(), parts.data());
        const std::size_t now = done.fetch_add(1, std::memory_order_relaxed) + 1;
        if (progress && now % std::max<std::size_t>(1, tasks / 100) == 0)
          progress(double(now) / double(tasks));
      });
    }
    for (std::size_t r = 0; r < std::size_t(n); ++r)
      for (std::size_t c = 0; c < std::size_t(n); ++c) {
        double sum = 0;
        Index correct = 0;
        for (std::size_t k = 0; k < nb; ++k) {
          const Part& p = parts[(r * nb + k) * std::size_t(n) + c];
          sum += p.loss;
          correct += p.correct;
        }
        g.loss[r * std::size_t(n) + c] = cancelled ? NAN : sum / double(samples);
        g.accuracy[r * std::size_t(n) + c] = cancelled ? NAN : double(correct) / double(samples);
      }
    return g;
  }
  // A grid point's own weights are needed only for the layers it runs.
  const std::size_t tail = tail_offset(net, fast ? first + 1 : 0);
  tbb::enumerable_thread_specific<Scratch> scratch;
  std::atomic<std::size_t> done{0};
  // Progress by a point's chunks: a point of Conv-2 over 10,000 images takes seconds.
  const std::size_t work = g.loss.size() * batches.size(),
                    report_every = std::max<std::size_t>(1, work / 1000);
  // Coarse to fine (slice_strides): each level's points in parallel, a preview after each
  // level but the last. Every point's value is its own, whatever the order.
  const std::vector<int> strides = slice_strides(n);
  std::vector<std::vector<std::size_t>> levels(strides.size());
  for (std::size_t point = 0; point < g.loss.size(); ++point) {
    const int r = int(point / std::size_t(n)), c = int(point % std::size_t(n));
    std::size_t level = 0;
    while (!(on_lattice(n, strides[level], r) && on_lattice(n, strides[level], c))) ++level;
    levels[level].push_back(point);
  }
  auto run_point = [&](std::size_t point) {
    Scratch& s = scratch.local();
    const double a = g.coordinate(int(point % std::size_t(n)));
    const double bb = g.coordinate(int(point / std::size_t(n)));
    s.params.resize(size);
    for (std::size_t i = tail; i < size; ++i)
      s.params[i] = float(double(w[i]) + a * double(d1[i]) + bb * double(d2[i]));
    double sum = 0;
    Index correct = 0;
    for (const Batch& b : batches) {
      if (cancel && cancel->load(std::memory_order_relaxed)) {
        g.loss[point] = g.accuracy[point] = NAN;
        return;
      }
      const Matrix<float>* logits;
      if (fast) {
        s.z = b.p0 + float(a) * b.p1 + float(bb) * b.p2;
        logits = &run_layers(net, s.params, first + 1, s.z, s);
      } else {
        logits = &run_layers(net, s.params, 0, b.samples.x, s);
      }
      const LossSum ls = loss_and_gradient<float>(loss, *logits, b.samples.y, nullptr, 1.0f);
      sum += ls.loss;
      correct += ls.correct;
      const std::size_t now = done.fetch_add(1, std::memory_order_relaxed) + 1;
      if (progress && now % report_every == 0) progress(double(now) / double(work));
    }
    g.loss[point] = sum / double(samples);
    g.accuracy[point] = double(correct) / double(samples);
  };
  std::size_t computed = 0;
  for (std::size_t level = 0; level < levels.size(); ++level) {
    const std::vector<std::size_t>& points = levels[level];
    tbb::parallel_for(std::size_t(0), points.size(), [&](std::size_t k) { run_point(points[k]); });
    computed += points.size();
    if (preview && level + 1 < levels.size() &&
        !(cancel && cancel->load(std::memory_order_relaxed)))
      preview(coarse_fill(g, strides[level]), strides[level], computed);
  }
  return g;
}

std::vector<int> slice_strides(int n) {
  const int centre = (n - 1) / 2;
  int s = 1;
  while (centre / (2 * s) >= 2) s *= 2;
  std::vector<int> out;
  for (; s >= 1; s /= 2) out.push_back(s);
  return out;
}

bool on_lattice(int n, int stride, int i) { return std::abs(i - (n - 1) / 2) % stride == 0; }

int lattice_nearest(int n, int stride, int i) {
  const int centre = (n - 1) / 2, d = std::abs(i - centre);
  // Past half way to the next lattice point, that one; half way, the one nearer the centre.
  int k = d / stride + (2 * (d % stride) > stride ? 1 : 0);
  k = std::min(k, (i < centre ? centre : n - 1 - centre) / stride);
  return centre + (i < centre ? -k : k) * stride;
}

SliceGrid coarse_fill(const SliceGrid& g, int stride) {
  SliceGrid out = g;
  const int n = g.n;
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      const std::size_t from = std::size_t(lattice_nearest(n, stride, r)) * std::size_t(n) +
                               std::size_t(lattice_nearest(n, stride, c));
      const std::size_t to = std::size_t(r) * std::size_t(n) + std::size_t(c);
      out.loss[to] = g.loss[from];
      out.accuracy[to] = g.accuracy[from];
    }
  return out;
}

}  // namespace ts
