#include "core/analysis/loss_slice.h"

#include "core/error.h"
#include "core/rng.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <Eigen/Eigenvalues>

#include <cmath>

namespace ts {

namespace {

constexpr Index kChunk = 256;

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
  const bool fast = path == SlicePath::automatic && first < net.num_layers() &&
                    net.layer(first).spec().kind == LayerKind::dense;

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
    for (std::size_t i = 0; i < size; ++i)
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
