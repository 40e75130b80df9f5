#include "core/analysis/layer_stats.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ts {

std::vector<StatLayer> stat_layers(const std::vector<LayerSpec>& specs) {
  std::vector<StatLayer> out;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const LayerSpec& spec = specs[i];
    if (spec.kind != LayerKind::dense && spec.kind != LayerKind::conv2d) continue;
    StatLayer l;
    l.name = spec.name;
    std::size_t last = i;
    while (last + 1 < specs.size()) {
      const LayerSpec& next = specs[last + 1];
      if (next.kind == LayerKind::activation) {
        l.activation = next.activation;
      } else if (next.kind == LayerKind::prelu) {
        l.activation = ActivationKind::leaky_relu;
      } else if (next.kind == LayerKind::maxout) {
        l.activation = ActivationKind::identity;
      } else {
        break;
      }
      ++last;
    }
    l.output = last + 1;
    if (spec.kind == LayerKind::conv2d) l.channels = spec.filters;
    l.relu_like =
        l.activation == ActivationKind::relu || l.activation == ActivationKind::leaky_relu;
    out.push_back(std::move(l));
  }
  return out;
}

std::vector<StatLayer> stat_layers(const Network<float>& net) {
  std::vector<LayerSpec> specs;
  for (std::size_t i = 0; i < net.num_layers(); ++i) specs.push_back(net.layer(i).spec());
  std::vector<StatLayer> out = stat_layers(specs);
  const auto& params = net.params();
  for (StatLayer& l : out) {
    l.weight = params.find(l.name + ".weight");
    const std::string prefix = l.name + ".";
    for (std::size_t t = 0; t < params.count(); ++t)
      if (params.info(t).name.compare(0, prefix.size(), prefix) == 0) l.tensors.push_back(t);
  }
  return out;
}

void measure_activations(const StatLayer& l, const Network<float>::Workspace& ws, LayerProbe& out) {
  const Matrix<float>& a = ws.acts.at(l.output);  // (units, samples)
  const Index units = a.rows(), samples = a.cols();
  const double n = double(a.size());
  out.histogram.counts.fill(0);
  if (a.size() == 0) {
    out.mean = out.std = 0.0;
    out.saturated = out.dead = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  double sum = 0.0, sq = 0.0;
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  const float* p = a.data();
  for (Index i = 0; i < a.size(); ++i) {
    sum += p[i];
    sq += double(p[i]) * double(p[i]);
    lo = std::min(lo, p[i]);
    hi = std::max(hi, p[i]);
  }
  out.mean = sum / n;
  out.std = std::sqrt(std::max(0.0, sq / n - out.mean * out.mean));
  if (l.activation == ActivationKind::tanh) {
    lo = -1.0f;
    hi = 1.0f;
  } else if (l.activation == ActivationKind::sigmoid) {
    lo = 0.0f;
    hi = 1.0f;
  } else if (!(hi > lo)) {  // constant activations (or NaN): one nonempty bin
    hi = lo + 1.0f;
  }
  out.histogram.lo = lo;
  out.histogram.hi = hi;
  const double scale = double(kHistogramBins) / (double(hi) - double(lo));
  for (Index i = 0; i < a.size(); ++i) {
    if (!(p[i] == p[i])) continue;
    const double b = std::floor((double(p[i]) - lo) * scale);
    const auto bin = std::size_t(std::clamp(b, 0.0, double(kHistogramBins - 1)));
    ++out.histogram.counts[bin];
  }
  out.saturated = out.dead = std::numeric_limits<double>::quiet_NaN();
  if (l.activation == ActivationKind::tanh || l.activation == ActivationKind::sigmoid) {
    const float top = 0.99f;
    const float bottom = l.activation == ActivationKind::tanh ? -0.99f : 0.01f;
    Index sat = 0;
    for (Index i = 0; i < a.size(); ++i) sat += p[i] > top || p[i] < bottom;
    out.saturated = double(sat) / n;
  }
  if (l.relu_like) {
    // A unit's rows: a dense unit's own; a channel's at every position (channel fastest). One
    // pass down the columns, in memory order.
    const Index per = l.channels > 0 && units % l.channels == 0 ? l.channels : units;
    std::vector<char> alive(std::size_t(per), 0);
    for (Index s = 0; s < samples; ++s)
      for (Index r0 = 0; r0 < units; r0 += per)
        for (Index u = 0; u < per; ++u) alive[std::size_t(u)] |= a(r0 + u, s) > 0.0f;
    out.dead = double(std::count(alive.begin(), alive.end(), 0)) / double(per);
  }
}

double frame_potential(std::span<const float> w, std::size_t rows, std::size_t cols) {
  if (rows == 0 || cols == 0) return 0.0;
  // Normalized rows in float (the Gram product is the cost), norms and sums in double.
  Eigen::MatrixXf m{Index(rows), Index(cols)};
  Index kept = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    double sq = 0.0;
    for (std::size_t c = 0; c < cols; ++c) sq += double(w[r * cols + c]) * double(w[r * cols + c]);
    if (!(sq > 0.0)) continue;
    const double inv = 1.0 / std::sqrt(sq);
    for (std::size_t c = 0; c < cols; ++c) m(kept, Index(c)) = float(double(w[r * cols + c]) * inv);
    ++kept;
  }
  if (kept == 0) return 0.0;
  const auto v = m.topRows(kept);
  // ||V V^T||_F^2 == ||V^T V||_F^2: the smaller Gram matrix, its lower half only (a
  // symmetric rank-k update does half the multiplications).
  const Index k = std::min(kept, Index(cols));
  Eigen::MatrixXf g = Eigen::MatrixXf::Zero(k, k);
  if (kept <= Index(cols))
    g.selfadjointView<Eigen::Lower>().rankUpdate(v);
  else
    g.selfadjointView<Eigen::Lower>().rankUpdate(v.transpose());
  double sum = 0.0;
  for (Index c = 0; c < k; ++c) {
    sum += double(g(c, c)) * double(g(c, c));
    for (Index r = c + 1; r < k; ++r) sum += 2.0 * double(g(r, c)) * double(g(r, c));
  }
  return sum;
}

void measure_weights(const StatLayer& l, const Parameters<float>& params,
                     std::span<const float> initial, LayerProbe& out) {
  if (l.weight < 0) return;
  const ParamInfo& info = params.info(std::size_t(l.weight));
  const auto w = params.values(std::size_t(l.weight));
  double sq = 0.0, dsq = 0.0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    sq += double(w[i]) * double(w[i]);
    const double d = double(w[i]) - double(initial[info.offset + i]);
    dsq += d * d;
  }
  out.weight_norm = std::sqrt(sq);
  out.distance_init = std::sqrt(dsq);
  const auto rows = std::size_t(info.shape.at(0));
  out.frame_potential = frame_potential(w, rows, info.size / rows);
}

}  // namespace ts
