#include "core/prune/prune_curve.h"

#include "core/error.h"
#include "core/layers/double_activations.h"
#include "core/layers/loss.h"
#include "core/rng.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

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

// Samples [start, start + count) of `data` into x, and their labels into y.
void fill_range(const Dataset& data, Index start, Index count, Matrix<float>& x,
                std::vector<int32_t>& y) {
  std::vector<uint32_t> idx(static_cast<std::size_t>(count));
  std::iota(idx.begin(), idx.end(), uint32_t(start));
  y.resize(std::size_t(count));
  fill_batch(data, idx, x, y);
}

// A dense first layer's outputs W x + bias (in double) where most inputs share one value c (an
// MNIST image's background, four pixels in five): as W (x - c) + (bias + c W 1), by the inputs
// that differ from c. `wt_` holds W column by column, an input's weights contiguous, its units
// padded to whole vectors. Only for finite weights and a finite c, where the two ways differ by
// rounding alone. Each column's differing inputs are listed, then its outputs are
// summed over them in ascending order, kVectors vectors of units at a time in registers, for
// kColumns columns before the next units (their weights stay in the core's cache).
class SparseFirstLayer {
 public:
  static constexpr Index kVectors = 8, kColumns = 32;
  SparseFirstLayer(ConstRowMatrixMap<double> w, std::span<const double> bias)
      : units_(w.rows()),
        wt_(Eigen::MatrixXd::Zero((w.rows() + kLanes - 1) / kLanes * kLanes, w.cols())),
        bias_(Eigen::VectorXd::Zero(wt_.rows())) {
    wt_.topRows(units_) = w;
    bias_.head(units_) = ConstVectorMap<double>(bias.data(), units_);
    row_sum_ = wt_.rowwise().sum();
  }
  // The value most of x's entries may share: its first (an image's corner).
  static float common(const Matrix<float>& x) { return x.size() > 0 ? x(0, 0) : 0.0f; }
  // Whether the product by the differing inputs is the shorter way for x: a third differ at most
  // (and x has the layer's inputs; the layer's own pass says what is wrong otherwise).
  bool pays(const Matrix<float>& x) const {
    return x.rows() == wt_.cols() && x.size() > 0 && std::isfinite(common(x)) &&
           3 * (x.array() != common(x)).count() <= x.size();
  }
  Matrix<double> operator()(const Matrix<float>& x) const {
    const Index lanes = wt_.rows(), n = x.cols();
    const float c = common(x);
    const Eigen::VectorXd base = bias_ + double(c) * row_sum_;
    Eigen::MatrixXd out(lanes, n);
    std::vector<int32_t> input;
    std::vector<double> value;
    std::array<std::size_t, kColumns + 1> start{};
    for (Index j0 = 0; j0 < n; j0 += kColumns) {
      const Index j1 = std::min(n, j0 + kColumns);
      input.clear();
      value.clear();
      for (Index j = j0; j < j1; ++j) {
        for (Index p = 0; p < x.rows(); ++p)
          if (x(p, j) != c) {
            input.push_back(int32_t(p));
            value.push_back(double(x(p, j)) - double(c));
          }
        start[std::size_t(j - j0 + 1)] = input.size();
      }
      for (Index u = 0; u < lanes; u += kVectors * kLanes) {
        const Index vectors = std::min(kVectors, (lanes - u) / kLanes);
        for (Index j = j0; j < j1; ++j) {
          const std::size_t k = std::size_t(j - j0);
          const std::span<const int32_t> in(input.data() + start[k], start[k + 1] - start[k]);
          const double* v = value.data() + start[k];
          columns(vectors, base.data() + u, u, in, v, out.col(j).data() + u);
        }
      }
    }
    return out.topRows(units_);
  }

 private:
  template <Index V>
  void column(const double* base, Index u, std::span<const int32_t> in, const double* v,
              double* o) const {
    using Lanes = Eigen::Array<double, kLanes, 1>;
    Lanes acc[V];
    for (Index q = 0; q < V; ++q) acc[q] = Eigen::Map<const Lanes>(base + q * kLanes);
    for (std::size_t e = 0; e < in.size(); ++e) {
      const double* w = wt_.col(in[e]).data() + u;
      for (Index q = 0; q < V; ++q) acc[q] += v[e] * Eigen::Map<const Lanes>(w + q * kLanes);
    }
    for (Index q = 0; q < V; ++q) Eigen::Map<Lanes>(o + q * kLanes) = acc[q];
  }
  // `vectors` vectors of units from u, kVectors but for the last units.
  void columns(Index vectors, const double* base, Index u, std::span<const int32_t> in,
               const double* v, double* o) const {
    static_assert(kVectors == 8);
    switch (vectors) {
      case 1:
        return column<1>(base, u, in, v, o);
      case 2:
        return column<2>(base, u, in, v, o);
      case 3:
        return column<3>(base, u, in, v, o);
      case 4:
        return column<4>(base, u, in, v, o);
      case 5:
        return column<5>(base, u, in, v, o);
      case 6:
        return column<6>(base, u, in, v, o);
      case 7:
        return column<7>(base, u, in, v, o);
      default:
        return column<kVectors>(base, u, in, v, o);
    }
  }

  Index units_;
  Eigen::MatrixXd wt_;  // lanes x inputs
  Eigen::VectorXd bias_, row_sum_;
};

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

// The activation right after N, after which a sample's move is measured: none, a ReLU, or a
// leaky ReLU (its slope below zero), each its own loop.
enum class After { identity, relu, leaky_relu };

template <After kind>
double after(double x, double slope) {
  if constexpr (kind == After::relu) return std::max(x, 0.0);
  if constexpr (kind == After::leaky_relu) return x > 0.0 ? x : slope * x;
  return x;
}

// out = f(z) for the activation after N.
template <After kind>
void apply_after(const double* __restrict z, double* __restrict out, Index rows, double slope) {
  for (Index r = 0; r < rows; ++r) out[r] = after<kind>(z[r], slope);
}

// z -= v w, and the squared distance of f(z) from f_at (f the activation after N), in eight
// lanes folded after: the loop vectorizes. `rows` is a whole number of vectors.
template <After kind>
double remove_from(double* __restrict z, const double* __restrict f_at, const double* __restrict w,
                   double v, Index rows, double slope) {
  double lanes[kLanes] = {};
  for (Index r = 0; r < rows; r += kLanes)
    for (Index l = 0; l < kLanes; ++l) {
      z[r + l] -= w[r + l] * v;
      const double e = after<kind>(z[r + l], slope) - f_at[r + l];
      lanes[l] += e * e;
    }
  double moved = 0;
  for (double x : lanes) moved += x;
  return moved;
}

// The indices of g's entries that are not zero (NaN included, so that it reaches the logits),
// ascending, into `nonzero`; returns how many. After a ReLU most are zero (seven in ten of
// LeNet's fc2 outputs where samples run again), and a zero adds nothing to a logit when the
// output layer's weights are finite.
Index nonzero_rows(const double* g, Index rows, int32_t* nonzero) {
  Index n = 0, r = 0;
#if defined(__AVX512F__) && defined(__AVX512VL__)
  const __m256i step = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (; r < rows; r += kLanes) {
    const __mmask8 in = rows - r >= kLanes ? __mmask8(0xff) : __mmask8((1u << (rows - r)) - 1);
    const __m512d v = _mm512_maskz_loadu_pd(in, g + r);
    const __mmask8 keep = _mm512_mask_cmp_pd_mask(in, v, _mm512_setzero_pd(), _CMP_NEQ_UQ);
    // Compressed in a register and stored whole (a compressing store to memory is slow on
    // some cores): the entries past the kept ones are overwritten next, or left past the end.
    _mm256_storeu_si256(
        reinterpret_cast<__m256i*>(nonzero + n),
        _mm256_maskz_compress_epi32(keep, _mm256_add_epi32(_mm256_set1_epi32(int32_t(r)), step)));
    n += _mm_popcnt_u32(keep);
  }
#endif
  for (; r < rows; ++r) {
    nonzero[n] = int32_t(r);
    n += !(g[r] == 0.0);
  }
  return n;
}

// out[k] = bias[k] + sum_r t[r * lanes + k] g[r] for the classes k of V vectors (the classes in
// the lanes, `lanes` apart in t), over the rows r in `rows` (the others' g is zero): the rows in
// four interleaved sums, so that the fused multiply-adds do not wait on each other, and no sum
// runs across the lanes.
template <int V>
void logits_in_lanes(const double* t, const double* bias, Index lanes,
                     std::span<const int32_t> rows, const double* g, double* out) {
  using Lanes = Eigen::Array<double, kLanes, 1>;
  constexpr int kSums = 4;
  Lanes acc[kSums][V];
  for (int v = 0; v < V; ++v) {
    acc[0][v] = Eigen::Map<const Lanes>(bias + v * kLanes);
    for (int q = 1; q < kSums; ++q) acc[q][v].setZero();
  }
  const auto add_row = [&](int q, Index r) {
    for (int v = 0; v < V; ++v)
      acc[q][v] += g[r] * Eigen::Map<const Lanes>(t + r * lanes + v * kLanes);
  };
  const std::size_t n = rows.size();
  std::size_t i = 0;
  for (; i + kSums <= n; i += kSums)
    for (int q = 0; q < kSums; ++q) add_row(q, rows[i + std::size_t(q)]);
  for (int q = 0; i < n; ++i, ++q) add_row(q, rows[i]);
  for (int v = 0; v < V; ++v)
    Eigen::Map<Lanes>(out + v * kLanes) = (acc[0][v] + acc[1][v]) + (acc[2][v] + acc[3][v]);
}

// A column's logits over all `lanes` (a whole number of vectors), two vectors of classes at a
// time: the sums stay in registers however many classes there are. With `skip_zeros`, over g's
// entries that are not zero; `nonzero` has room for `rows` rounded up to a whole vector.
void logits_of_column(const double* t, const double* bias, Index lanes, Index rows, const double* g,
                      bool skip_zeros, int32_t* nonzero, double* out) {
  Index live_rows = rows;
  if (skip_zeros)
    live_rows = nonzero_rows(g, rows, nonzero);
  else
    std::iota(nonzero, nonzero + rows, int32_t(0));
  const std::span<const int32_t> live(nonzero, std::size_t(live_rows));
  for (Index k = 0; k < lanes; k += 2 * kLanes) {
    if (lanes - k >= 2 * kLanes)
      logits_in_lanes<2>(t + k, bias + k, lanes, live, g, out + k);
    else
      logits_in_lanes<1>(t + k, bias + k, lanes, live, g, out + k);
  }
}

// Asks the kernel to back the whole 2 MB pages inside m with huge pages, before anything is
// written to it: the buffers then take a page fault each 2 MB instead of each 4 KB, which counts
// where faults are slow (about 10 us each in a virtual machine here).
void advise_huge_pages([[maybe_unused]] Eigen::MatrixXd& m) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t(2) << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(m.data());
  const auto end = begin + std::uintptr_t(m.size()) * sizeof(double);
  const std::uintptr_t first = (begin + kHuge - 1) / kHuge * kHuge, last = end / kHuge * kHuge;
  if (first < last) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
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
    std::vector<int32_t> y;
    Network<float>::Workspace ws;
    net.prepare(ws);
    fill_range(data, start, b, ws.acts[0], y);
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

  // The layers after N: 1-Lipschitz elementwise ones and then the output's dense layer T?
  // Piecewise linear ones, tanh, the sigmoid, ELU and dropout only: the lean tail.
  bool lean = true;
  // How much the layers between N and T can stretch a move at most: 1, less a quarter for
  // each sigmoid (its slope is at most 1/4).
  double lipschitz = 1.0;
  for (std::size_t i = next_ + 1; i < dnet_.num_layers(); ++i) {
    const LayerSpec& spec = dnet_.layer(i).spec();
    if (spec.kind == LayerKind::dense) {
      if (i + 1 != dnet_.num_layers()) break;
      const auto t = dense_weight(dnet_, i);
      classes_ = t.rows();
      class_lanes_ = (classes_ + kLanes - 1) / kLanes * kLanes;
      // Column p: for each class k, 1 / (L |T_p - T_k|) with L that bound, or 0 and then
      // +infinity to skip k (p itself, a class whose row equals p's, the lanes past the
      // classes).
      ball_scale_ = Eigen::MatrixXd::Zero(class_lanes_, classes_);
      ball_skip_ = Eigen::MatrixXd::Constant(class_lanes_, classes_,
                                             std::numeric_limits<double>::infinity());
      for (Index p = 0; p < classes_; ++p)
        for (Index k = 0; k < classes_; ++k) {
          const double l = (t.row(p) - t.row(k)).norm();
          if (k == p || !(l > 0)) continue;
          ball_scale_(k, p) = 1 / (l * lipschitz);
          ball_skip_(k, p) = 0;
        }
      lean_tail_ = lean;
      if (lean_tail_) {
        t_ = Eigen::MatrixXd::Zero(class_lanes_, outputs_);
        t_.topRows(classes_) = t;
        t_bias_ = Eigen::VectorXd::Zero(class_lanes_);
        t_bias_.head(classes_) = ConstVectorMap<double>(
            dnet_.params().values(std::size_t(dnet_.layer(i).bias_index())).data(), classes_);
        t_finite_ = t_.allFinite();
      }
      break;
    }
    const bool contracts =
        spec.kind == LayerKind::dropout ||
        (spec.kind == LayerKind::activation &&
         (spec.activation == ActivationKind::relu || spec.activation == ActivationKind::tanh ||
          spec.activation == ActivationKind::sigmoid ||
          spec.activation == ActivationKind::identity ||
          ((spec.activation == ActivationKind::leaky_relu ||
            spec.activation == ActivationKind::elu) &&
           std::abs(activation_alpha(spec)) <= 1.0)));
    if (!contracts) break;
    if (spec.kind == LayerKind::activation && spec.activation == ActivationKind::sigmoid)
      lipschitz *= 0.25;
    const auto below = slope_below_zero(spec);
    // A ReLU (or leaky ReLU) right after N: the distance is taken after it, where the units
    // below zero at both ends add nothing (an identity there changes nothing).
    if (i == next_ + 1) distance_slope_ = below.value_or(1.0);
    if (spec.kind != LayerKind::activation) continue;  // dropout: the identity here
    if (below) {
      // Right after N, the first of the lean tail's activations.
      if (i == next_ + 1) after_is_first_activation_ = true;
      tail_activations_.emplace_back(spec.activation, *below);
    } else if (spec.activation == ActivationKind::tanh ||
               spec.activation == ActivationKind::sigmoid) {
      tail_activations_.emplace_back(spec.activation, 0.0);  // as the double layer takes it
    } else if (spec.activation == ActivationKind::elu) {
      tail_activations_.emplace_back(spec.activation, activation_alpha(spec));
    } else {
      lean = false;
    }
  }

  // A = the input of N for every sample, computed once (in double), Z = W_N A + b_N, and the
  // predictions every curve starts from.
  const Index n = data.size();
  // Each chunk's nonzero entries of A by unit (a ReLU leaves most of them zero), so that a
  // removal visits only the samples it moves: samples and outputs.
  const Index chunks = (n + kChunk - 1) / kChunk;
  struct Nonzero {
    std::vector<std::size_t> start;  // unit u's are [start[u], start[u + 1])
    std::vector<Index> sample;
    std::vector<double> value;
  };
  std::vector<Nonzero> nonzero(static_cast<std::size_t>(chunks));
  z_.resize(w_next_.rows(), n);
  advise_huge_pages(z_);
  labels_ = data.labels;
  correct_.resize(std::size_t(n));
  radius_sq_.resize(std::size_t(n));
  // With a dense first layer (after flattening, which leaves a batch's columns as they are), its
  // product goes by the inputs that differ from the common one where most do not.
  std::size_t dense0 = 0;
  while (dense0 < layer_ && dnet_.layer(dense0).spec().kind == LayerKind::flatten) ++dense0;
  std::optional<SparseFirstLayer> sparse;
  if (dnet_.layer(dense0).spec().kind == LayerKind::dense &&
      dense_weight(dnet_, dense0).allFinite())
    sparse.emplace(dense_weight(dnet_, dense0),
                   dnet_.params().values(std::size_t(dnet_.layer(dense0).bias_index())));
  // Chunks in parallel (in the caller's task arena); each writes its own entries of A and
  // columns of Z.
  tbb::parallel_for(Index(0), chunks, [&](Index c) {
    const Index start = c * kChunk;
    const Index b = std::min(kChunk, n - start);
    std::vector<int32_t> y;
    Matrix<float> xf;
    fill_range(data, start, b, xf, y);
    const Matrix<double> a = sparse && sparse->pays(xf)
                                 ? run_layers<double>(dnet_, dense0 + 1, next_, (*sparse)(xf))
                                 : run_layers<double>(dnet_, 0, next_, xf.cast<double>());
    {
      const Eigen::MatrixXd by_unit = a.transpose();  // a unit's outputs contiguous
      Nonzero& nz = nonzero[std::size_t(c)];
      nz.start.assign(std::size_t(units_) + 1, 0);
      for (Index u = 0; u < units_; ++u)
        nz.start[std::size_t(u) + 1] =
            nz.start[std::size_t(u)] + std::size_t((by_unit.col(u).array() != 0.0).count());
      // Every output is written and only the nonzero ones kept (no branch to mispredict): the
      // last one may land one past the end.
      nz.sample.resize(nz.start.back() + 1);
      nz.value.resize(nz.start.back() + 1);
      for (Index u = 0; u < units_; ++u) {
        std::size_t e = nz.start[std::size_t(u)];
        const double* col = by_unit.col(u).data();
        for (Index j = 0; j < b; ++j) {
          nz.sample[e] = start + j;
          nz.value[e] = col[j];
          e += col[j] != 0.0;
        }
      }
    }
    auto z = z_.middleCols(start, b);
    z.noalias() = w_next_ * a;
    for (Index j = 0; j < b; ++j)
      for (Index r = 0; r < outputs_; ++r) z(r, j) += bias[std::size_t(r)];
    std::vector<const double*> cols(static_cast<std::size_t>(b));
    for (Index j = 0; j < b; ++j) cols[std::size_t(j)] = z.col(j).data();
    TailScratch tail;
    const auto at = [&](auto& v) {
      return std::span(v).subspan(std::size_t(start), std::size_t(b));
    };
    tail_predict(cols, at(std::as_const(labels_)), at(correct_), at(radius_sq_), tail);
  });
  // A unit's entries, the chunks in order.
  a_start_.assign(std::size_t(units_) + 1, 0);
  for (std::size_t u = 0; u < std::size_t(units_); ++u) {
    a_start_[u + 1] = a_start_[u];
    for (const Nonzero& nz : nonzero) a_start_[u + 1] += nz.start[u + 1] - nz.start[u];
  }
  a_sample_.resize(a_start_.back());
  a_value_.resize(a_start_.back());
  tbb::parallel_for(std::size_t(0), std::size_t(units_), [&](std::size_t u) {
    std::size_t e = a_start_[u];
    for (const Nonzero& nz : nonzero) {
      const auto first = std::ptrdiff_t(nz.start[u]), last = std::ptrdiff_t(nz.start[u + 1]);
      std::copy(nz.sample.begin() + first, nz.sample.begin() + last,
                a_sample_.begin() + std::ptrdiff_t(e));
      std::copy(nz.value.begin() + first, nz.value.begin() + last,
                a_value_.begin() + std::ptrdiff_t(e));
      e += nz.start[u + 1] - nz.start[u];
    }
  });
}

double PruneCurve::ball_radius_sq(const double* logits, Index pred) const {
  if (ball_scale_.size() == 0 || !std::isfinite(logits[pred])) return 0.0;
  // The nearest other class, over all lanes at once: (l_p - l_k) / |T_p - T_k|, by a reciprocal
  // that the margin below covers. Ties (a zero margin) give 0, so the sample always runs.
  using Lanes = Eigen::Array<double, kLanes, 1>;
  const double* scale = ball_scale_.col(pred).data();
  const double* skip = ball_skip_.col(pred).data();
  Lanes r = Lanes::Constant(std::numeric_limits<double>::infinity());
  for (Index k = 0; k < class_lanes_; k += kLanes) {
    const Lanes m =
        (logits[pred] - Eigen::Map<const Lanes>(logits + k)) * Eigen::Map<const Lanes>(scale + k) +
        Eigen::Map<const Lanes>(skip + k);
    r = r.min(m);
  }
  const double nearest = r.minCoeff();
  if (!(nearest > 0)) return 0.0;
  const double radius = nearest * (1 - 1e-9);  // a margin for the rounding of the logits
  return radius * radius;
}

void PruneCurve::tail_predict(std::span<const double* const> cols, std::span<const int32_t> labels,
                              std::span<uint8_t> correct, std::span<double> radius_sq,
                              TailScratch& s, std::span<double* const> first_out) const {
  const Index m = Index(cols.size());
  if (!lean_tail_) {
    s.z.resize(outputs_, m);
    for (Index j = 0; j < m; ++j)
      s.z.col(j) = Eigen::Map<const Eigen::VectorXd>(cols[std::size_t(j)], outputs_);
    const Matrix<double> logits =
        run_layers<double>(dnet_, next_ + 1, dnet_.num_layers(), Matrix<double>(s.z));
    s.pred.resize(std::size_t(m));
    predict<double>(logits, s.pred);
    s.logits.assign(std::size_t(std::max(class_lanes_, logits.rows())), 0.0);
    for (Index j = 0; j < m; ++j) {
      correct[std::size_t(j)] = s.pred[std::size_t(j)] == labels[std::size_t(j)];
      std::copy_n(logits.col(j).data(), logits.rows(), s.logits.data());
      radius_sq[std::size_t(j)] = ball_radius_sq(s.logits.data(), s.pred[std::size_t(j)]);
    }
    return;
  }
  // T f(z) + c, a column at a time, with the activations' outputs in the scratch (or z itself
  // when there are none).
  const Index rows = w_next_.rows(), lanes = class_lanes_;
  s.g.resize(std::size_t(rows));
  s.logits.resize(std::size_t(lanes));
  s.nonzero.resize(std::size_t((outputs_ + kLanes - 1) / kLanes * kLanes));
  double* const l = s.logits.data();
  for (std::size_t j = 0; j < std::size_t(m); ++j) {
    const double* x = cols[j];
    double* y = first_out.empty() ? s.g.data() : first_out[j];
    for (const auto& [kind, below] : tail_activations_) {
      if (kind == ActivationKind::relu)
        for (Index r = 0; r < rows; ++r) y[r] = std::max(x[r], 0.0);
      else if (kind == ActivationKind::leaky_relu)
        for (Index r = 0; r < rows; ++r) y[r] = x[r] > 0.0 ? x[r] : below * x[r];
      else if (kind == ActivationKind::tanh)  // as the double network's layers take them
        tanh_double(x, y, std::size_t(rows));
      else if (kind == ActivationKind::sigmoid)
        sigmoid_double(x, y, std::size_t(rows));
      else if (kind == ActivationKind::elu)
        elu_double(x, y, std::size_t(rows), below);  // its alpha
      else if (x != y)
        std::copy_n(x, rows, y);  // identity
      x = y;
      y = s.g.data();
    }
    logits_of_column(t_.data(), t_bias_.data(), lanes, outputs_, x, t_finite_, s.nonzero.data(), l);
    Index pred = 0;  // the first largest, as predict() takes it
    for (Index p = 1; p < classes_; ++p)
      if (l[p] > l[pred]) pred = p;
    correct[j] = pred == labels[j];
    radius_sq[j] = ball_radius_sq(l, pred);
  }
}

std::vector<double> PruneCurve::accuracies(std::span<const Index> order,
                                           const std::atomic<bool>* cancel,
                                           const std::function<void(double)>& progress) const {
  check_order(order, units_);
  const Index n = samples();
  if (n == 0) return std::vector<double>(order.size() + 1, 0.0);
  // z now, and where each sample's prediction was last computed (after the activation that
  // follows N), with the ball it holds in: each block fills its columns in its first round, on
  // the thread that keeps them.
  Eigen::MatrixXd z(z_.rows(), n), f_at(z_.rows(), n);
  advise_huge_pages(z);
  advise_huge_pages(f_at);
  std::vector<double> radius_sq = radius_sq_;
  // A bound on each sample's distance from where it last ran: the removals since moved its z by
  // at most the sum of |a_u| |W_N[:, u]| (and a ReLU after N does not lengthen a move). While
  // the bound is inside the ball, only z is updated.
  std::vector<double> bound(static_cast<std::size_t>(n), 0.0);
  std::vector<uint8_t> correct = correct_;
  const Index blocks = (n + kBlock - 1) / kBlock;
  const Index rows = z.rows();
  const double slope = distance_slope_;
  // Each block's change of the correct count at each point of a round of removals.
  std::vector<int32_t> delta(std::size_t(blocks * kRound), 0);

  // Removals [from, from + count) on block blk's samples, a sample at a time: its removals in
  // turn on its column of z, and the layers after N run again each time it moves out of its
  // ball. A sample's column and the round's columns of W_N stay in the core's first cache.
  const bool fused_after = lean_tail_ && after_is_first_activation_;
  const auto run_block = [&]<After kind>(Index blk, std::size_t from, std::size_t count) {
    const Index j0 = blk * kBlock, j1 = std::min(n, j0 + kBlock);
    int32_t* d = delta.data() + std::size_t(blk * kRound);
    std::fill_n(d, kRound, 0);
    if (from == 0)
      for (Index j = j0; j < j1; ++j) {
        z.col(j) = z_.col(j);
        apply_after<kind>(z.col(j).data(), f_at.col(j).data(), rows, slope);
      }
    // The round's nonzero outputs among the block's samples, by sample and then by removal: a
    // counting sort of each removal's entries (ascending samples) into the samples' lists.
    struct Entry {
      uint32_t k;  // the removal, from `from`
      double v;    // the removed unit's output for the sample
    };
    std::array<std::pair<std::size_t, std::size_t>, kRound> range;  // each removal's entries
    std::array<uint32_t, kBlock + 1> start{};
    for (std::size_t k = 0; k < count; ++k) {
      const Index u = order[from + k];
      const auto first = a_sample_.begin() + std::ptrdiff_t(a_start_[std::size_t(u)]);
      const auto last = a_sample_.begin() + std::ptrdiff_t(a_start_[std::size_t(u) + 1]);
      const auto e0 = std::lower_bound(first, last, j0);
      const auto e1 = std::lower_bound(e0, last, j1);
      range[k] = {std::size_t(e0 - a_sample_.begin()), std::size_t(e1 - a_sample_.begin())};
      for (auto e = e0; e != e1; ++e) ++start[std::size_t(*e - j0) + 1];
    }
    for (std::size_t i = 1; i <= kBlock; ++i) start[i] += start[i - 1];
    std::vector<Entry> entries(start[kBlock]);
    std::array<uint32_t, kBlock> next;
    std::copy_n(start.begin(), kBlock, next.begin());
    for (std::size_t k = 0; k < count; ++k)
      for (std::size_t e = range[k].first; e < range[k].second; ++e)
        entries[next[std::size_t(a_sample_[e] - j0)]++] = Entry{uint32_t(k), a_value_[e]};

    TailScratch tail;
    for (Index j = j0; j < j1; ++j) {
      const std::size_t js = std::size_t(j);
      double* zj = z.col(j).data();
      double* fj = f_at.col(j).data();
      double b = bound[js], r2 = radius_sq[js];
      const std::size_t local = std::size_t(j - j0);
      for (uint32_t i = start[local]; i < start[local + 1]; ++i) {
        const auto [k, v] = entries[i];
        const Index u = order[from + k];
        const double* w = w_next_.col(u).data();
        b += std::abs(v) * w_norm_(u);
        if (b * b < r2) {
          subtract(zj, w, v, rows);
          continue;
        }
        const double moved = remove_from<kind>(zj, fj, w, v, rows, slope);
        if (moved < r2) {
          b = std::sqrt(moved);
          continue;
        }
        // Out of its ball: the layers after N run again on it, from where it is now.
        uint8_t now = 0;
        const double* col = zj;
        double* const out = fj;
        tail_predict(std::span(&col, 1), std::span(&labels_[js], 1), std::span(&now, 1),
                     std::span(&r2, 1), tail,
                     fused_after ? std::span<double* const>(&out, 1) : std::span<double* const>());
        if (!fused_after) apply_after<kind>(zj, fj, rows, slope);
        d[k] += int32_t(now) - int32_t(correct[js]);
        correct[js] = now;
        b = 0.0;
      }
      bound[js] = b;
      radius_sq[js] = r2;
    }
  };
  // A block goes back to the thread that had it last round, its columns still in that cache.
  // Isolated: a thread that waits for the round's last block does not start another curve
  // meanwhile (each would hold its own z).
  tbb::affinity_partitioner affinity;
  const auto round = [&](std::size_t from, std::size_t count) {
    tbb::this_task_arena::isolate([&] {
      tbb::parallel_for(
          tbb::blocked_range<Index>(0, blocks, 1),
          [&](const tbb::blocked_range<Index>& range) {
            for (Index blk = range.begin(); blk < range.end(); ++blk) {
              if (slope == 1.0)
                run_block.template operator()<After::identity>(blk, from, count);
              else if (slope == 0.0)
                run_block.template operator()<After::relu>(blk, from, count);
              else
                run_block.template operator()<After::leaky_relu>(blk, from, count);
            }
          },
          affinity);
    });
  };

  std::vector<double> out;
  out.reserve(order.size() + 1);
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

  std::vector<int32_t> y, pred;
  Matrix<float> xf;
  auto accuracy = [&] {
    Index correct = 0;
    for (Index start = 0; start < n; start += kChunk) {
      const Index b = std::min(kChunk, n - start);
      fill_range(data_, start, b, xf, y);
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
