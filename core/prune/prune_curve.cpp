#include "core/prune/prune_curve.h"

#include "core/error.h"
#include "core/layers/loss.h"
#include "core/rng.h"

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ts {

namespace {

constexpr Index kChunk = 500;

// Index of the dense layer `name` in `net`, or a ts::Error naming it.
template <class T>
std::size_t dense_layer(const Network<T>& net, const std::string& name) {
  const long l = net.find_layer(name);
  if (l < 0) throw Error("prune curve: no layer of the model is named \"" + name + "\"");
  if (net.layer(std::size_t(l)).spec().kind != LayerKind::dense)
    throw Error("prune curve: layer \"" + name + "\" is not a dense layer (it is " +
                to_string(net.layer(std::size_t(l)).spec().kind) + "); curves remove units of a dense layer");
  return std::size_t(l);
}

// The weights of dense layer l as a row-major [units, inputs] view.
template <class T>
ConstRowMatrixMap<T> dense_weight(const Network<T>& net, std::size_t l) {
  const ParamInfo& info = net.params().info(std::size_t(net.layer(l).weight_index()));
  return ConstRowMatrixMap<T>(net.params().values().data() + info.offset, info.shape.at(0), info.shape.at(1));
}

template <class T>
std::span<T> tensor(Network<T>& net, long index) {
  return net.params().values(std::size_t(index));
}

// Runs layers [from, to) of `net` on x (eval mode); returns the output.
template <class T>
Matrix<T> run_layers(const Network<T>& net, std::size_t from, std::size_t to, Matrix<T> x) {
  PassContext ctx;
  Matrix<T> y;
  for (std::size_t i = from; i < to; ++i) {
    LayerCache<T> cache;
    net.layer(i).forward(net.params().values(), x, y, cache, ctx);
    std::swap(x, y);
  }
  return x;
}

void check_order(std::span<const Index> order, Index units) {
  std::vector<char> seen(static_cast<std::size_t>(units), 0);
  for (Index u : order) {
    if (u < 0 || u >= units)
      throw Error("prune curve: unit " + std::to_string(u) + " is out of range (the layer has " +
                  std::to_string(units) + ")");
    if (seen[std::size_t(u)]++)
      throw Error("prune curve: unit " + std::to_string(u) + " appears twice in the order");
  }
}

}  // namespace

const char* to_string(UnitCriterion c) {
  switch (c) {
    case UnitCriterion::magnitude: return "magnitude";
    case UnitCriterion::frame_potential: return "frame_potential";
    case UnitCriterion::random: return "random";
  }
  return "?";
}

std::optional<UnitCriterion> unit_criterion_from_string(std::string_view s) {
  for (UnitCriterion c : {UnitCriterion::magnitude, UnitCriterion::frame_potential, UnitCriterion::random})
    if (s == to_string(c)) return c;
  return std::nullopt;
}

std::vector<Index> unit_removal_order(const Network<float>& net, const std::string& layer,
                                      UnitCriterion criterion, bool largest_first, uint64_t seed) {
  const std::size_t l = dense_layer(net, layer);
  const auto w = dense_weight(net, l);
  const Index n = w.rows();
  // Units with nothing left go first, in index order.
  std::vector<Index> empty, live;
  for (Index u = 0; u < n; ++u) (w.row(u).squaredNorm() > 0.0f ? live : empty).push_back(u);
  auto finish = [&](std::vector<Index> ranked) {
    empty.insert(empty.end(), ranked.begin(), ranked.end());
    return empty;
  };
  switch (criterion) {
    case UnitCriterion::random: {
      Rng rng(seed);
      for (std::size_t i = live.size(); i > 1; --i) std::swap(live[i - 1], live[rng.below(i)]);
      return finish(live);
    }
    case UnitCriterion::magnitude: {
      std::vector<double> norm(static_cast<std::size_t>(n));
      for (Index u = 0; u < n; ++u) norm[std::size_t(u)] = w.row(u).template cast<double>().norm();
      std::stable_sort(live.begin(), live.end(), [&](Index a, Index b) {
        return largest_first ? norm[std::size_t(a)] > norm[std::size_t(b)] : norm[std::size_t(a)] < norm[std::size_t(b)];
      });
      return finish(live);
    }
    case UnitCriterion::frame_potential: {
      // Greedy: take the unit with the smallest (largest) share among those left, then
      // subtract its terms from the others' shares.
      Eigen::MatrixXd v(Index(live.size()), w.cols());
      for (std::size_t k = 0; k < live.size(); ++k)
        v.row(Index(k)) = w.row(live[k]).template cast<double>().normalized();
      const Eigen::MatrixXd gram = v * v.transpose();
      Eigen::VectorXd share = gram.cwiseAbs2().rowwise().sum();
      std::vector<char> gone(live.size(), 0);
      std::vector<Index> ranked;
      for (std::size_t step = 0; step < live.size(); ++step) {
        // Shares equal up to rounding count as ties, which go to the lower unit index.
        std::size_t pick = live.size();
        for (std::size_t k = 0; k < live.size(); ++k) {
          if (gone[k]) continue;
          if (pick == live.size()) {
            pick = k;
            continue;
          }
          const double a = share(Index(k)), b = share(Index(pick));
          const double tol = 1e-9 * std::max({1.0, std::abs(a), std::abs(b)});
          if (largest_first ? a > b + tol : a < b - tol) pick = k;
        }
        gone[pick] = 1;
        ranked.push_back(live[pick]);
        for (std::size_t k = 0; k < live.size(); ++k)
          if (!gone[k]) share(Index(k)) -= gram(Index(k), Index(pick)) * gram(Index(k), Index(pick));
      }
      return finish(ranked);
    }
  }
  throw Error("prune curve: unknown criterion");
}

PruneCurve::PruneCurve(const Network<float>& net, const std::string& layer, const Dataset& data)
    : net_(net), data_(data), dnet_(net.spec()) {
  layer_ = dense_layer(net, layer);
  next_ = layer_ + 1;
  for (; next_ < net.num_layers(); ++next_) {
    const LayerKind k = net.layer(next_).spec().kind;
    if (k == LayerKind::dense) break;
    if (k != LayerKind::activation && k != LayerKind::dropout && k != LayerKind::prelu)
      throw Error("prune curve: layer \"" + layer + "\" is followed by " + net.layer(next_).name() +
                  " (" + to_string(k) + "); a curve needs elementwise layers and then a dense layer");
  }
  if (next_ >= net.num_layers())
    throw Error("prune curve: no dense layer follows \"" + layer + "\" to take its units' outputs");
  const auto src = net.params().values();
  auto dst = dnet_.params().values();
  for (std::size_t i = 0; i < src.size(); ++i) dst[i] = double(src[i]);
  units_ = dense_weight(net, layer_).rows();

  // A = the input of N for every sample, computed once (in double).
  const Index n = data.size();
  a_.resize(n, units_);  // samples x units: a unit's outputs are one contiguous column
  labels_ = data.labels;
  // Chunks in parallel (in the caller's task arena); each writes its own rows.
  tbb::parallel_for(Index(0), (n + kChunk - 1) / kChunk, [&](Index c) {
    const Index start = c * kChunk;
    const Index b = std::min(kChunk, n - start);
    std::vector<uint32_t> idx(static_cast<std::size_t>(b));
    std::iota(idx.begin(), idx.end(), uint32_t(start));
    std::vector<int32_t> y(static_cast<std::size_t>(b));
    Matrix<float> xf;
    fill_batch(data, idx, xf, y);
    const Matrix<double> a = run_layers<double>(dnet_, 0, next_, xf.cast<double>());
    a_.middleRows(start, b) = a.transpose();
  });
  w_next_ = dense_weight(dnet_, next_);
  const auto bias = dnet_.params().values(std::size_t(dnet_.layer(next_).bias_index()));
  z_ = w_next_ * a_.transpose();
  for (Index j = 0; j < n; ++j)
    for (Index r = 0; r < z_.rows(); ++r) z_(r, j) += bias[std::size_t(r)];
}

void PruneCurve::tail_predict(const Eigen::MatrixXd& z, std::span<const int32_t> labels,
                              std::vector<uint8_t>& correct) const {
  const Matrix<double> logits = run_layers<double>(dnet_, next_ + 1, dnet_.num_layers(), z);
  std::vector<int32_t> pred(std::size_t(logits.cols()));
  predict<double>(logits, pred);
  correct.resize(pred.size());
  for (std::size_t j = 0; j < pred.size(); ++j) correct[j] = pred[j] == labels[j];
}

std::vector<double> PruneCurve::accuracies(std::span<const Index> order,
                                           const std::atomic<bool>* cancel,
                                           const std::function<void(double)>& progress) const {
  check_order(order, units_);
  const Index n = samples();
  std::vector<double> out;
  out.reserve(order.size() + 1);
  if (n == 0) return std::vector<double>(order.size() + 1, 0.0);
  Eigen::MatrixXd z = z_;
  std::vector<uint8_t> correct;
  tail_predict(z, labels_, correct);
  Index count = std::accumulate(correct.begin(), correct.end(), Index(0));
  out.push_back(double(count) / double(n));

  std::vector<Index> cols;
  std::vector<int32_t> labels;
  std::vector<uint8_t> now;
  Eigen::MatrixXd zs;
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    const Index u = order[k];
    const auto a = a_.col(u);
    const auto w = w_next_.col(u);
    cols.clear();
    for (Index j = 0; j < n; ++j) {
      const double v = a(j);
      if (v == 0.0) continue;
      z.col(j) -= w * v;
      cols.push_back(j);
    }
    if (!cols.empty()) {
      zs.resize(z.rows(), Index(cols.size()));
      labels.resize(cols.size());
      for (std::size_t c = 0; c < cols.size(); ++c) {
        zs.col(Index(c)) = z.col(cols[c]);
        labels[c] = labels_[std::size_t(cols[c])];
      }
      tail_predict(zs, labels, now);
      for (std::size_t c = 0; c < cols.size(); ++c) {
        uint8_t& was = correct[std::size_t(cols[c])];
        count += Index(now[c]) - Index(was);
        was = now[c];
      }
    }
    out.push_back(double(count) / double(n));
    if (progress) progress(double(k + 1) / double(order.size()));
  }
  return out;
}

template <class T>
std::vector<double> PruneCurve::naive_accuracies(std::span<const Index> order) const {
  check_order(order, units_);
  Network<T> net(net_.spec());
  const auto src = net_.params().values();
  auto dst = net.params().values();
  for (std::size_t i = 0; i < src.size(); ++i) dst[i] = T(src[i]);
  auto w_l = tensor(net, net.layer(layer_).weight_index());
  auto b_l = tensor(net, net.layer(layer_).bias_index());
  auto w_n = tensor(net, net.layer(next_).weight_index());
  const Index inputs = Index(w_l.size()) / units_;
  const Index outputs = Index(w_n.size()) / units_;
  const Index n = data_.size();

  std::vector<uint32_t> idx;
  std::vector<int32_t> y, pred;
  Matrix<float> xf;
  auto accuracy = [&] {
    Index correct = 0;
    for (Index start = 0; start < n; start += kChunk) {
      const Index b = std::min(kChunk, n - start);
      idx.resize(std::size_t(b));
      std::iota(idx.begin(), idx.end(), uint32_t(start));
      y.resize(std::size_t(b));
      fill_batch(data_, idx, xf, y);
      const Matrix<T> logits = run_layers<T>(net, 0, net.num_layers(), xf.template cast<T>());
      pred.resize(std::size_t(b));
      predict<T>(logits, pred);
      for (Index j = 0; j < b; ++j) correct += pred[std::size_t(j)] == y[std::size_t(j)];
    }
    return n > 0 ? double(correct) / double(n) : 0.0;
  };
  std::vector<double> out{accuracy()};
  for (Index u : order) {
    for (Index c = 0; c < inputs; ++c) w_l[std::size_t(u * inputs + c)] = T(0);
    b_l[std::size_t(u)] = T(0);
    for (Index r = 0; r < outputs; ++r) w_n[std::size_t(r * units_ + u)] = T(0);
    out.push_back(accuracy());
  }
  return out;
}

template std::vector<double> PruneCurve::naive_accuracies<float>(std::span<const Index>) const;
template std::vector<double> PruneCurve::naive_accuracies<double>(std::span<const Index>) const;

}  // namespace ts
