#include "core/prune/prune_curve.h"

#include "core/error.h"
#include "core/layers/loss.h"
#include "core/rng.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace ts {

namespace {

constexpr Index kChunk = 500;
constexpr Index kBlock = 256;        // samples a task of a curve takes
constexpr std::size_t kRound = 128;  // removals a task applies before the next barrier
constexpr Index kLanes = 8;          // doubles in the widest vector (AVX-512)

// Index of the dense layer `name` in `net`, or a ts::Error naming it.
template <class T>
std::size_t dense_layer(const Network<T>& net, const std::string& name) {
  const long l = net.find_layer(name);
  if (l < 0) throw Error("prune curve: no layer of the model is named \"" + name + "\"");
  if (net.layer(std::size_t(l)).spec().kind != LayerKind::dense)
    throw Error("prune curve: layer \"" + name + "\" is not a dense layer (it is " +
                to_string(net.layer(std::size_t(l)).spec().kind) +
                "); curves remove units of a dense layer");
  return std::size_t(l);
}

// The weights of dense layer l as a row-major [units, inputs] view.
template <class T>
ConstRowMatrixMap<T> dense_weight(const Network<T>& net, std::size_t l) {
  const ParamInfo& info = net.params().info(std::size_t(net.layer(l).weight_index()));
  return ConstRowMatrixMap<T>(net.params().values().data() + info.offset, info.shape.at(0),
                              info.shape.at(1));
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

// Index of the dense layer N that reads dense layer l's units, with only elementwise layers
// between; a ts::Error naming the layer otherwise.
template <class T>
std::size_t consumer_dense(const Network<T>& net, std::size_t l) {
  const std::string& layer = net.layer(l).name();
  for (std::size_t i = l + 1; i < net.num_layers(); ++i) {
    const LayerKind k = net.layer(i).spec().kind;
    if (k == LayerKind::dense) return i;
    if (k != LayerKind::activation && k != LayerKind::dropout && k != LayerKind::prelu)
      throw Error("prune curve: layer \"" + layer + "\" is followed by " + net.layer(i).name() +
                  " (" + to_string(k) +
                  "); a curve needs elementwise layers and then a dense layer");
  }
  throw Error("prune curve: no dense layer follows \"" + layer + "\" to take its units' outputs");
}

// z -= v w alone: where the bound on the distance still holds, the distance is not needed.
void subtract(double* __restrict z, const double* __restrict w, double v, Index rows) {
  for (Index r = 0; r < rows; ++r) z[r] -= w[r] * v;
}

// z -= v w, and the squared distance from `at` after f(x) = max(x, 0) + slope min(x, 0) (the
// identity for slope 1), in eight lanes folded after: the loop vectorizes.
double remove_from(double* __restrict z, const double* __restrict at, const double* __restrict w,
                   double v, Index rows, double slope) {
  const auto f = [slope](double x) { return std::max(x, 0.0) + slope * std::min(x, 0.0); };
  double lanes[kLanes] = {};
  Index r = 0;
  for (; r + kLanes <= rows; r += kLanes)
    for (Index l = 0; l < kLanes; ++l) {
      z[r + l] -= w[r + l] * v;
      const double e = f(z[r + l]) - f(at[r + l]);
      lanes[l] += e * e;
    }
  double moved = 0;
  for (double x : lanes) moved += x;
  for (; r < rows; ++r) {
    z[r] -= w[r] * v;
    const double e = f(z[r]) - f(at[r]);
    moved += e * e;
  }
  return moved;
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
    case UnitCriterion::magnitude:
      return "magnitude";
    case UnitCriterion::frame_potential:
      return "frame_potential";
    case UnitCriterion::fisher:
      return "fisher";
    case UnitCriterion::taylor:
      return "taylor";
    case UnitCriterion::random:
      return "random";
  }
  return "?";
}

std::vector<Index> unit_removal_order(const Network<float>& net, const std::string& layer,
                                      UnitCriterion criterion, bool largest_first, uint64_t seed,
                                      std::span<const double> scores) {
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
    case UnitCriterion::magnitude:
    case UnitCriterion::fisher:
    case UnitCriterion::taylor: {
      std::vector<double> score(static_cast<std::size_t>(n));
      if (criterion == UnitCriterion::magnitude) {
        for (Index u = 0; u < n; ++u)
          score[std::size_t(u)] = w.row(u).template cast<double>().norm();
      } else {
        if (Index(scores.size()) != n)
          throw Error(std::string("prune curve: the ") + to_string(criterion) +
                      " criterion needs one score per unit of \"" + layer + "\" (" +
                      std::to_string(n) + "), got " + std::to_string(scores.size()));
        score.assign(scores.begin(), scores.end());
      }
      std::stable_sort(live.begin(), live.end(), [&](Index a, Index b) {
        return largest_first ? score[std::size_t(a)] > score[std::size_t(b)]
                             : score[std::size_t(a)] < score[std::size_t(b)];
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
          if (!gone[k])
            share(Index(k)) -= gram(Index(k), Index(pick)) * gram(Index(k), Index(pick));
      }
      return finish(ranked);
    }
  }
  throw Error("prune curve: unknown criterion");
}

std::span<const double> UnitSaliency::scores(UnitCriterion criterion) const {
  if (criterion == UnitCriterion::fisher) return fisher;
  if (criterion == UnitCriterion::taylor) return taylor;
  return {};
}

UnitSaliency unit_saliency(const Network<float>& net, const std::string& layer, const Dataset& data,
                           LossKind loss, Index max_samples) {
  const std::size_t l = dense_layer(net, layer);
  const std::size_t next = consumer_dense(net, l);
  const Index units = dense_weight(net, l).rows();
  const Index n = std::min(data.size(), std::max<Index>(max_samples, 0));
  const Index chunks = (n + kChunk - 1) / kChunk;
  // Each chunk's sums of (a g)^2 and of a g, added in chunk order afterwards so the scores do
  // not depend on how the chunks were scheduled.
  std::vector<Eigen::VectorXd> sums(static_cast<std::size_t>(chunks)),
      plain(static_cast<std::size_t>(chunks));
  tbb::parallel_for(Index(0), chunks, [&](Index c) {
    const Index start = c * kChunk;
    const Index b = std::min(kChunk, n - start);
    std::vector<uint32_t> idx(static_cast<std::size_t>(b));
    std::iota(idx.begin(), idx.end(), uint32_t(start));
    std::vector<int32_t> y(static_cast<std::size_t>(b));
    Network<float>::Workspace ws;
    net.prepare(ws);
    fill_batch(data, idx, ws.acts[0], y);
    const Matrix<float>& logits = net.forward(ws, PassContext{});
    // Scale 1: each column is the gradient of that sample's own loss.
    Matrix<float> dlogits;
    loss_and_gradient<float>(loss, logits, y, &dlogits, 1.0f);
    net.backward(ws, dlogits);
    const Eigen::MatrixXd ag =
        ws.acts[next].cast<double>().cwiseProduct(ws.dacts[next].cast<double>());
    sums[std::size_t(c)] = ag.cwiseAbs2().rowwise().sum();
    plain[std::size_t(c)] = ag.rowwise().sum();
  });
  UnitSaliency out;
  out.fisher.assign(static_cast<std::size_t>(units), 0.0);
  out.taylor.assign(static_cast<std::size_t>(units), 0.0);
  for (std::size_t c = 0; c < sums.size(); ++c)
    for (Index u = 0; u < units; ++u) {
      out.fisher[std::size_t(u)] += sums[c](u);
      out.taylor[std::size_t(u)] += plain[c](u);
    }
  if (n > 0) {
    for (double& v : out.fisher) v /= 2.0 * double(n);
    for (double& v : out.taylor) v = std::abs(v / double(n));
  }
  return out;
}

PruneCurve::PruneCurve(const Network<float>& net, const std::string& layer, const Dataset& data)
    : net_(net), data_(data), dnet_(net.spec()) {
  layer_ = dense_layer(net, layer);
  next_ = consumer_dense(net, layer_);
  const auto src = net.params().values();
  auto dst = dnet_.params().values();
  for (std::size_t i = 0; i < src.size(); ++i) dst[i] = double(src[i]);
  units_ = dense_weight(net, layer_).rows();

  // W_N and Z with zero rows up to a whole number of vectors: a removal's loop over a column
  // then has no remainder, and the zeros add nothing to its distance.
  const auto w_next = dense_weight(dnet_, next_);
  outputs_ = w_next.rows();
  w_next_ = Eigen::MatrixXd::Zero((outputs_ + kLanes - 1) / kLanes * kLanes, units_);
  w_next_.topRows(outputs_) = w_next;
  w_norm_ = w_next_.colwise().norm().transpose();
  const auto bias = dnet_.params().values(std::size_t(dnet_.layer(next_).bias_index()));

  // A = the input of N for every sample, computed once (in double), and Z = W_N A + b_N.
  const Index n = data.size();
  a_.resize(n, units_);  // samples x units: a unit's outputs are one contiguous column
  z_.resize(w_next_.rows(), n);
  labels_ = data.labels;
  // Chunks in parallel (in the caller's task arena); each writes its own rows of A and
  // columns of Z.
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
    auto z = z_.middleCols(start, b);
    z.noalias() = w_next_ * a;
    for (Index j = 0; j < b; ++j)
      for (Index r = 0; r < outputs_; ++r) z(r, j) += bias[std::size_t(r)];
  });

  // The layers after N: 1-Lipschitz elementwise ones and then the output's dense layer T?
  // Piecewise linear ones and dropout only: the lean tail.
  bool piecewise = true;
  for (std::size_t i = next_ + 1; i < dnet_.num_layers(); ++i) {
    const LayerSpec& spec = dnet_.layer(i).spec();
    if (spec.kind == LayerKind::dense) {
      if (i + 1 != dnet_.num_layers()) break;
      const auto t = dense_weight(dnet_, i);
      class_lipschitz_.resize(t.rows(), t.rows());
      for (Index p = 0; p < t.rows(); ++p)
        for (Index k = 0; k < t.rows(); ++k) class_lipschitz_(p, k) = (t.row(p) - t.row(k)).norm();
      lean_tail_ = piecewise;
      tail_dense_ = i;
      break;
    }
    const bool contracts =
        spec.kind == LayerKind::dropout ||
        (spec.kind == LayerKind::activation &&
         (spec.activation == ActivationKind::relu || spec.activation == ActivationKind::tanh ||
          spec.activation == ActivationKind::sigmoid ||
          spec.activation == ActivationKind::identity ||
          (spec.activation == ActivationKind::leaky_relu &&
           std::abs(activation_alpha(spec)) <= 1.0)));
    if (!contracts) break;
    const auto below = slope_below_zero(spec);
    // A ReLU (or leaky ReLU) right after N: the distance is taken after it, where the units
    // below zero at both ends add nothing (an identity there changes nothing).
    if (i == next_ + 1) distance_slope_ = below.value_or(1.0);
    if (spec.kind != LayerKind::activation) continue;  // dropout: the identity here
    if (below)
      tail_activations_.emplace_back(spec.activation, *below);
    else
      piecewise = false;
  }
}

double PruneCurve::ball_radius_sq(const double* logits, Index classes, Index pred) const {
  if (class_lipschitz_.size() == 0) return 0.0;
  // The nearest other class: ties (a zero margin) give 0, so the sample always runs.
  double r = std::numeric_limits<double>::infinity();
  for (Index k = 0; k < classes; ++k) {
    const double l = class_lipschitz_(pred, k);
    if (k != pred && l > 0) r = std::min(r, (logits[pred] - logits[k]) / l);
  }
  r = std::max(r, 0.0) * (1 - 1e-9);  // a margin for the rounding of the logits
  return r * r;
}

void PruneCurve::tail_predict(const Eigen::Ref<const Eigen::MatrixXd>& z,
                              std::span<const int32_t> labels, std::vector<uint8_t>& correct,
                              std::span<double> radius_sq, TailScratch& s) const {
  const Index m = z.cols();
  correct.resize(std::size_t(m));
  if (!lean_tail_) {
    const Matrix<double> logits =
        run_layers<double>(dnet_, next_ + 1, dnet_.num_layers(), Matrix<double>(z));
    s.pred.resize(std::size_t(m));
    predict<double>(logits, s.pred);
    for (Index j = 0; j < m; ++j) {
      correct[std::size_t(j)] = s.pred[std::size_t(j)] == labels[std::size_t(j)];
      radius_sq[std::size_t(j)] =
          ball_radius_sq(logits.col(j).data(), logits.rows(), s.pred[std::size_t(j)]);
    }
    return;
  }
  // T f(z) + c with the operations of the layers' own passes, in buffers that keep their size
  // from one call to the next.
  const auto t = dense_weight(dnet_, tail_dense_);
  const auto bias = ConstVectorMap<double>(
      dnet_.params().values(std::size_t(dnet_.layer(tail_dense_).bias_index())).data(), t.rows());
  if (s.g.cols() < m) {  // a block's worth at once, so a task sizes them once
    s.g.resize(z.rows(), std::max(m, kBlock));
    s.logits.resize(t.rows(), std::max(m, kBlock));
  }
  // Each activation reads z (the first) or g (the next ones) and writes g: one pass each.
  auto g = s.g.leftCols(m);
  bool from_z = true;
  for (const auto& [kind, below] : tail_activations_) {
    const Eigen::Ref<const Eigen::MatrixXd> src = from_z ? z : Eigen::Ref<const Eigen::MatrixXd>(g);
    const auto x = src.array();
    if (kind == ActivationKind::relu)
      g = x.max(0.0);
    else if (kind == ActivationKind::leaky_relu)
      g = (x > 0.0).select(x, below * x);
    else
      g = x;  // identity
    from_z = false;
  }
  if (from_z) g = z;
  auto logits = s.logits.leftCols(m);
  logits.noalias() = t * g;
  logits.colwise() += bias;
  for (Index j = 0; j < m; ++j) {
    Index pred = 0;  // the first largest, as predict() takes it
    for (Index p = 1; p < logits.rows(); ++p)
      if (logits(p, j) > logits(pred, j)) pred = p;
    correct[std::size_t(j)] = pred == labels[std::size_t(j)];
    radius_sq[std::size_t(j)] = ball_radius_sq(logits.col(j).data(), logits.rows(), pred);
  }
}

std::vector<double> PruneCurve::accuracies(std::span<const Index> order,
                                           const std::atomic<bool>* cancel,
                                           const std::function<void(double)>& progress) const {
  check_order(order, units_);
  const Index n = samples();
  if (n == 0) return std::vector<double>(order.size() + 1, 0.0);
  // z now, and where each sample's prediction was last computed, with the ball it holds in.
  Eigen::MatrixXd z = z_, z_at = z_;
  std::vector<double> radius_sq(static_cast<std::size_t>(n));
  // A bound on each sample's distance from where it last ran: the removals since moved its z by
  // at most the sum of |a_u| |W_N[:, u]| (and a ReLU after N does not lengthen a move). While
  // the bound is inside the ball, only z is updated.
  std::vector<double> bound(static_cast<std::size_t>(n), 0.0);
  std::vector<uint8_t> correct(static_cast<std::size_t>(n));
  const Index blocks = (n + kBlock - 1) / kBlock;
  const Index rows = z.rows();
  // The distance from where a sample was last run: of z, or after a ReLU that follows N.
  const double slope = distance_slope_;
  // Each block's change of the correct count at each point of a round of removals.
  std::vector<int32_t> delta(std::size_t(blocks * kRound), 0);

  // A block goes back to the thread that had it last round, its columns still in that cache.
  tbb::affinity_partitioner affinity;
  // Removals `count` at a time from `from`: a task a block of samples, which applies them in
  // turn to its columns of z (kept in its core's cache for the round) and runs the layers
  // after N again on the samples that moved out of their ball.
  const auto round = [&](std::size_t from, std::size_t count) {
    tbb::parallel_for(
        tbb::blocked_range<Index>(0, blocks, 1),
        [&](const tbb::blocked_range<Index>& range) {
          for (Index blk = range.begin(); blk < range.end(); ++blk) {
            const Index j0 = blk * kBlock, j1 = std::min(n, j0 + kBlock);
            int32_t* d = delta.data() + std::size_t(blk * kRound);
            std::fill_n(d, kRound, 0);
            std::vector<Index> cols;
            std::vector<int32_t> labels;
            std::vector<uint8_t> now;
            std::vector<double> now_radius;
            Eigen::MatrixXd zs(outputs_, kBlock);  // the samples that left their balls
            TailScratch tail;
            for (std::size_t k = from; k < from + count; ++k) {
              const Index u = order[k];
              const double* a = a_.col(u).data();
              const double* w = w_next_.col(u).data();
              const double norm = w_norm_(u);
              cols.clear();
              for (Index j = j0; j < j1; ++j) {
                const double v = a[j];
                if (v == 0.0) continue;
                double* zj = z.col(j).data();
                double& b = bound[std::size_t(j)];
                b += std::abs(v) * norm;
                if (b * b < radius_sq[std::size_t(j)]) {
                  subtract(zj, w, v, rows);
                  continue;
                }
                const double* at = z_at.col(j).data();
                const double moved = remove_from(zj, at, w, v, rows, slope);
                if (moved < radius_sq[std::size_t(j)])
                  b = std::sqrt(moved);
                else
                  cols.push_back(j);
              }
              if (cols.empty()) continue;
              labels.resize(cols.size());
              for (std::size_t c = 0; c < cols.size(); ++c) {
                zs.col(Index(c)) = z.col(cols[c]).head(outputs_);
                labels[c] = labels_[std::size_t(cols[c])];
              }
              now_radius.resize(cols.size());
              tail_predict(zs.leftCols(Index(cols.size())), labels, now, now_radius, tail);
              for (std::size_t c = 0; c < cols.size(); ++c) {
                const std::size_t j = std::size_t(cols[c]);
                d[k - from] += int32_t(now[c]) - int32_t(correct[j]);
                correct[j] = now[c];
                radius_sq[j] = now_radius[c];
                bound[j] = 0.0;
                z_at.col(cols[c]) = z.col(cols[c]);
              }
            }
          }
        },
        affinity);
  };

  std::vector<double> out;
  out.reserve(order.size() + 1);
  // The whole dataset first, a block a task.
  tbb::parallel_for(Index(0), blocks, [&](Index blk) {
    const Index j0 = blk * kBlock, b = std::min(n, j0 + kBlock) - j0;
    std::vector<uint8_t> c;
    TailScratch tail;
    tail_predict(z.block(0, j0, outputs_, b),
                 std::span<const int32_t>(labels_).subspan(std::size_t(j0), std::size_t(b)), c,
                 std::span<double>(radius_sq).subspan(std::size_t(j0), std::size_t(b)), tail);
    std::copy(c.begin(), c.end(), correct.begin() + j0);
  });
  Index count = std::accumulate(correct.begin(), correct.end(), Index(0));
  out.push_back(double(count) / double(n));
  for (std::size_t from = 0; from < order.size(); from += kRound) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    const std::size_t in_round = std::min<std::size_t>(kRound, order.size() - from);
    round(from, in_round);
    // The points in order; `cancel` is polled between them as they are reported.
    for (std::size_t k = 0; k < in_round; ++k) {
      if (k > 0 && cancel && cancel->load(std::memory_order_relaxed)) return out;
      for (Index blk = 0; blk < blocks; ++blk) count += delta[std::size_t(blk * kRound) + k];
      out.push_back(double(count) / double(n));
      if (progress) progress(double(from + k + 1) / double(order.size()));
    }
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
