#include "core/analysis/loss_slice.h"

#include "core/error.h"
#include "core/layers/activation.h"
#include "core/rng.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>

namespace ts {

namespace {

constexpr Index kChunk = 256;
constexpr Index kRowBlock = 64;  // samples a row-path task takes

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
  std::vector<Matrix<float>> acts;
  std::vector<LayerCache<float>> caches;
  std::vector<float> params;
  Matrix<float> z;
};

// Runs layers [from, end) on `x`; returns the logits.
const Matrix<float>& run_layers(const Network<float>& net, std::span<const float> params,
                                std::size_t from, const Matrix<float>& x, Scratch& s) {
  const std::size_t n = net.num_layers();
  s.acts.resize(n + 1);
  s.caches.resize(n);
  const Matrix<float>* in = &x;
  for (std::size_t i = from; i < n; ++i) {
    net.layer(i).forward(params, *in, s.acts[i + 1], s.caches[i], PassContext{});
    in = &s.acts[i + 1];
  }
  return *in;
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

// The slope of a piecewise linear activation below zero (1 above), or false.
bool piecewise_linear(const Layer<float>& l, float& below) {
  if (l.spec().kind != LayerKind::activation) return false;
  switch (l.spec().activation) {
    case ActivationKind::relu:
      below = 0.f;
      return true;
    case ActivationKind::leaky_relu:
      below = float(activation_alpha(l.spec()));
      return true;
    case ActivationKind::identity:
      below = 1.f;
      return true;
    default:
      return false;
  }
}

struct RowScratch {
  Matrix<float> z, szp, cu, y;
  Vector<float> bias;
  std::vector<float> slope;
  std::vector<int32_t> count, order;  // crossings by column: counting sort
  std::vector<int32_t> at;            // each unit and sample's crossing column (n: none)
  std::vector<float> params;
  Scratch layers;
};

struct Part {
  double loss = 0;
  Index correct = 0;
};

// The row path (core/analysis/loss_slice.h) for the grid's row `row` over samples [c0, c1) of
// one batch: `parts` gets their loss sum and correct count at each of the row's points.
// `md` holds [W2 + b E2; D2] by columns (a unit's column contiguous) for this row.
void slice_row(const Network<float>& net, LossKind loss, std::span<const float> w,
               std::span<const float> d1, std::span<const float> d2, const Batch& b, Index c0,
               Index c1, std::size_t first, float below, std::size_t tail, const Matrix<float>& md,
               const SliceGrid& g, int row, RowScratch& s, Part* parts) {
  const ParamInfo& bi = net.params().info(std::size_t(net.layer(first + 2).bias_index()));
  const Index h2 = md.rows() / 2, h1 = md.cols(), cols = c1 - c0;
  const int n = g.n;
  const double bb = g.coordinate(row);
  s.z = b.p0.middleCols(c0, cols) + float(bb) * b.p2.middleCols(c0, cols);
  const auto p1 = b.p1.middleCols(c0, cols);
  // Slopes at the row's first point, and where each unit's input first changes sign.
  const std::size_t cells = std::size_t(h1 * cols);
  s.slope.resize(cells);
  s.at.resize(cells);
  s.count.assign(std::size_t(n) + 1, 0);
  s.szp.resize(h1, 2 * cols);
  const float a0 = float(g.coordinate(0));
  const float inv_step = n > 1 ? float((n - 1) / (2 * g.span)) : 0.f;
  const float a_end = float(g.coordinate(n - 1));
  for (Index j = 0; j < cols; ++j)
    for (Index u = 0; u < h1; ++u) {
      const std::size_t c = std::size_t(j * h1 + u);
      const float zz = s.z(u, j), p = p1(u, j);
      const bool up = zz + a0 * p > 0.f;
      const float sl = up ? 1.f : below;
      s.slope[c] = sl;
      s.szp(u, j) = sl * zz;
      s.szp(u, cols + j) = sl * p;
      // The input is linear along the row: its sign changes once at most, when the row's
      // last point has the other sign, at a = -Z / P1; the first point past that takes the
      // other slope. (Where the crossing falls on a point, within rounding, the input there
      // is zero and either slope gives the same.)
      int cross = n;
      if (n > 1 && (zz + a_end * p > 0.f) != up) {
        const float t = (-zz / p - a0) * inv_step;
        cross = std::clamp(int(std::max(t, 0.f)) + 1, 1, n - 1);
      }
      s.at[c] = cross;
      ++s.count[std::size_t(cross)];
    }
  // The crossings grouped by column (a prefix sum, then each in its place).
  for (int k = 1; k <= n; ++k) s.count[std::size_t(k)] += s.count[std::size_t(k - 1)];
  s.order.resize(cells);
  for (std::size_t c = cells; c-- > 0;)
    s.order[std::size_t(--s.count[std::size_t(s.at[c])])] = int32_t(c);
  // [C_W U_W; C_D U_D] at the first point: one product.
  s.cu.noalias() = md * s.szp;
  s.params.resize(w.size());
  for (int col = 0; col < n; ++col) {
    const double a = g.coordinate(col);
    // The units whose input changed sign since the last point: their columns of M and D2.
    for (int32_t e = s.count[std::size_t(col)]; e < s.count[std::size_t(col) + 1]; ++e) {
      const std::size_t c = std::size_t(s.order[std::size_t(e)]);
      const Index j = Index(c) / h1, u = Index(c) % h1;
      const float sl = s.slope[c] == 1.f ? below : 1.f;
      const float ds = sl - s.slope[c];
      s.slope[c] = sl;
      s.cu.col(j) += (ds * s.z(u, j)) * md.col(u);
      s.cu.col(cols + j) += (ds * p1(u, j)) * md.col(u);
    }
    // The second layer's output at (a, b): C_W + a U_W + a (C_D + a U_D) + its bias there.
    const float af = float(a);
    s.y = s.cu.topLeftCorner(h2, cols) + af * s.cu.topRightCorner(h2, cols) +
          af * (s.cu.bottomLeftCorner(h2, cols) + af * s.cu.bottomRightCorner(h2, cols));
    s.bias.resize(h2);
    for (Index o = 0; o < h2; ++o) {
      const std::size_t i = bi.offset + std::size_t(o);
      s.bias(o) = float(double(w[i]) + a * double(d1[i]) + bb * double(d2[i]));
    }
    s.y.colwise() += s.bias;
    for (std::size_t i = tail; i < w.size(); ++i)
      s.params[i] = float(double(w[i]) + a * double(d1[i]) + bb * double(d2[i]));
    const Matrix<float>& logits = run_layers(net, s.params, first + 3, s.y, s.layers);
    const LossSum ls = loss_and_gradient<float>(
        loss, logits,
        std::span<const int32_t>(b.samples.y).subspan(std::size_t(c0), std::size_t(cols)), nullptr,
        1.0f);
    parts[col] = {ls.loss, ls.correct};
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
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
  const double total = gram.trace();
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

SliceGrid loss_slice(const Network<float>& net, LossKind loss, std::span<const float> w,
                     std::span<const float> d1, std::span<const float> d2, const Dataset& data,
                     Index samples, int n, double span, SlicePath path,
                     const std::atomic<bool>* cancel, const std::function<void(double)>& progress) {
  const std::size_t size = net.params().total_size();
  if (w.size() != size || d1.size() != size || d2.size() != size)
    throw Error("loss slice: weights or directions of the wrong size");
  if (n < 1) throw Error("loss slice: the grid needs at least one point a side");
  samples = std::min(samples, data.size());
  if (samples < 1) throw Error("loss slice: no samples in " + data.name);

  // The fast path: the layers before the first one with parameters have none, and that one is
  // a dense layer, whose output is linear in its parameters.
  std::size_t first = net.num_layers();
  for (std::size_t i = 0; i < net.num_layers(); ++i)
    if (net.layer(i).weight_index() >= 0 || net.layer(i).bias_index() >= 0) {
      first = i;
      break;
    }
  const bool fast = path != SlicePath::naive && first < net.num_layers() &&
                    net.layer(first).spec().kind == LayerKind::dense;
  float below = 0.f;
  const bool rows = fast && path == SlicePath::automatic && first + 2 < net.num_layers() &&
                    piecewise_linear(net.layer(first + 1), below) &&
                    net.layer(first + 2).spec().kind == LayerKind::dense;

  std::vector<Batch> batches;
  for (SampleBatch& s : batches_in_order(data, samples, kChunk))
    batches.push_back(Batch{std::move(s), {}, {}, {}});
  if (fast) {
    // The first dense layer's input (after the parameter-free layers before it), then its
    // output for w, d1 and d2: three products, once.
    tbb::parallel_for(std::size_t(0), batches.size(), [&](std::size_t k) {
      Batch& b = batches[k];
      Scratch s;
      s.acts.resize(net.num_layers() + 1);
      s.caches.resize(net.num_layers());
      const Matrix<float>* in = &b.samples.x;
      for (std::size_t i = 0; i < first; ++i) {
        net.layer(i).forward(w, *in, s.acts[i + 1], s.caches[i], PassContext{});
        in = &s.acts[i + 1];
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
    // A task a row and block of a batch's samples (small enough for the block's sums and the
    // row's matrix to stay in a core's cache); each point's sum over the blocks in order.
    const ParamInfo& wi = net.params().info(std::size_t(net.layer(first + 2).weight_index()));
    const Index h2 = wi.shape[0], h1 = wi.shape[1];
    const std::size_t tail = tail_offset(net, first + 3);
    struct Block {
      std::size_t batch;
      Index c0, c1;
    };
    std::vector<Block> blocks;
    for (std::size_t k = 0; k < batches.size(); ++k)
      for (Index c0 = 0; c0 < batches[k].p0.cols(); c0 += kRowBlock)
        blocks.push_back({k, c0, std::min(c0 + kRowBlock, batches[k].p0.cols())});
    // Each row's [W2 + b E2; D2], by columns.
    std::vector<Matrix<float>> md(static_cast<std::size_t>(n));
    tbb::parallel_for(0, n, [&](int r) {
      Matrix<float>& m = md[std::size_t(r)];
      m.resize(2 * h2, h1);
      m.topRows(h2) =
          ConstRowMatrixMap<float>(w.data() + wi.offset, h2, h1) +
          float(g.coordinate(r)) * ConstRowMatrixMap<float>(d2.data() + wi.offset, h2, h1);
      m.bottomRows(h2) = ConstRowMatrixMap<float>(d1.data() + wi.offset, h2, h1);
    });
    const std::size_t nb = blocks.size(), tasks = std::size_t(n) * nb;
    std::vector<Part> parts(tasks * std::size_t(n));
    tbb::enumerable_thread_specific<RowScratch> scratch;
    std::atomic<std::size_t> done{0};
    std::atomic<bool> cancelled{false};
    tbb::parallel_for(std::size_t(0), tasks, [&](std::size_t task) {
      if (cancel && cancel->load(std::memory_order_relaxed)) {
        cancelled.store(true, std::memory_order_relaxed);
        return;
      }
      const int r = int(task / nb);
      const Block& bl = blocks[task % nb];
      slice_row(net, loss, w, d1, d2, batches[bl.batch], bl.c0, bl.c1, first, below, tail,
                md[std::size_t(r)], g, r, scratch.local(), parts.data() + task * std::size_t(n));
      const std::size_t now = done.fetch_add(1, std::memory_order_relaxed) + 1;
      if (progress && now % std::max<std::size_t>(1, tasks / 100) == 0)
        progress(double(now) / double(tasks));
    });
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
  const std::size_t points = g.loss.size(), report_every = std::max<std::size_t>(1, points / 100);
  tbb::parallel_for(std::size_t(0), g.loss.size(), [&](std::size_t point) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      g.loss[point] = g.accuracy[point] = NAN;
      return;
    }
    Scratch& s = scratch.local();
    const double a = g.coordinate(int(point % std::size_t(n)));
    const double bb = g.coordinate(int(point / std::size_t(n)));
    s.params.resize(size);
    for (std::size_t i = tail; i < size; ++i)
      s.params[i] = float(double(w[i]) + a * double(d1[i]) + bb * double(d2[i]));
    double sum = 0;
    Index correct = 0;
    for (const Batch& b : batches) {
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
    }
    g.loss[point] = sum / double(samples);
    g.accuracy[point] = double(correct) / double(samples);
    const std::size_t now = done.fetch_add(1, std::memory_order_relaxed) + 1;
    if (progress && now % report_every == 0) progress(double(now) / double(points));
  });
  return g;
}

}  // namespace ts
