#include "core/analysis/predictions.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ts {

namespace {

// The arg-max of one column of k logits (the first of equal ones).
int32_t arg_max(const float* z, Index k) {
  int32_t best = 0;
  for (Index i = 1; i < k; ++i)
    if (z[i] > z[best]) best = int32_t(i);
  return best;
}

double sample_loss(LossKind kind, const float* z, Index k, int32_t label) {
  if (kind == LossKind::cross_entropy) {
    const double top = z[arg_max(z, k)];
    double sum = 0.0;
    for (Index i = 0; i < k; ++i) sum += std::exp(double(z[i]) - top);
    return top + std::log(sum) - double(z[label]);
  }
  double sum = 0.0;
  for (Index i = 0; i < k; ++i) {
    const double d = double(z[i]) - (i == label ? 1.0 : 0.0);
    sum += d * d;
  }
  return sum / double(k);
}

}  // namespace

Predictions predict_dataset(const Network<float>& net, LossKind loss, const Dataset& data,
                            std::size_t worst, const std::atomic<bool>* cancel,
                            const std::function<void(double)>& progress) {
  const Index n = data.size();
  if (n == 0) throw Error(data.name + ": no samples to predict");
  if (data.sample_size() != net.input_shape().size())
    throw Error(data.name + ": samples of " + std::to_string(data.sample_size()) +
                " values, but the network takes " + std::to_string(net.input_shape().size()));
  const Index k = net.output_size();
  if (data.num_classes > k)
    throw Error(data.name + ": " + std::to_string(data.num_classes) +
                " classes, but the network has " + std::to_string(k) + " outputs");
  Predictions p;
  p.classes = int(k);
  p.predicted.assign(std::size_t(n), -1);
  p.loss.assign(std::size_t(n), 0.0f);
  p.confusion.assign(std::size_t(k * k), 0);

  constexpr Index kChunk = 256;
  Network<float>::Workspace ws;
  net.prepare(ws);
  std::vector<uint32_t> idx;
  std::vector<int32_t> labels;
  double loss_sum = 0.0;
  Index done = 0, correct = 0;
  for (Index lo = 0; lo < n; lo += kChunk) {
    if (cancel && cancel->load()) break;
    const Index hi = std::min(n, lo + kChunk);
    idx.resize(std::size_t(hi - lo));
    std::iota(idx.begin(), idx.end(), uint32_t(lo));
    labels.resize(idx.size());
    fill_batch(data, idx, ws.acts[0], labels);
    const Matrix<float>& z = net.forward(ws, PassContext{false, nullptr});
    for (Index b = 0; b < hi - lo; ++b) {
      const float* col = z.data() + b * k;
      const int32_t label = labels[std::size_t(b)];
      const int32_t guess = arg_max(col, k);
      const double l = sample_loss(loss, col, k, label);
      p.predicted[std::size_t(lo + b)] = guess;
      p.loss[std::size_t(lo + b)] = float(l);
      ++p.confusion[std::size_t(label * k + guess)];
      loss_sum += l;
      correct += guess == label;
    }
    done = hi;
    if (progress) progress(double(done) / double(n));
  }
  if (done > 0) {
    p.accuracy = double(correct) / double(done);
    p.mean_loss = loss_sum / double(done);
  }
  for (Index i = 0; i < done; ++i)
    if (p.predicted[std::size_t(i)] != data.labels[std::size_t(i)]) p.worst.push_back(uint32_t(i));
  const std::size_t keep = std::min(worst, p.worst.size());
  // Highest loss first; ties by index, so the list is the same on every run.
  // A NaN loss ranks as the highest.
  auto key = [&](uint32_t s) { return std::isnan(p.loss[s]) ? INFINITY : p.loss[s]; };
  std::partial_sort(
      p.worst.begin(), p.worst.begin() + long(keep), p.worst.end(),
      [&](uint32_t a, uint32_t b) { return key(a) != key(b) ? key(a) > key(b) : a < b; });
  p.worst.resize(keep);
  return p;
}

DecisionGrid decision_grid(const Network<float>& net, float lo, float hi, int n) {
  if (net.input_shape().size() != 2)
    throw Error("decision grid: the network takes " + std::to_string(net.input_shape().size()) +
                " inputs, not 2");
  if (n < 2 || n > 1024)
    throw Error("decision grid: n must be in [2, 1024], got " + std::to_string(n));
  if (!(lo < hi)) throw Error("decision grid: the range must have lo < hi");
  DecisionGrid g;
  g.n = n;
  g.lo = lo;
  g.hi = hi;
  g.cls.resize(std::size_t(n) * std::size_t(n));
  g.confidence.resize(g.cls.size());
  const Index k = net.output_size();
  const float cell = (hi - lo) / float(n);
  Network<float>::Workspace ws;
  net.prepare(ws);
  for (int r = 0; r < n; ++r) {  // one row of cells a pass
    Matrix<float>& x = ws.acts[0];
    x.resize(2, n);
    for (int c = 0; c < n; ++c) {
      x(0, c) = lo + (float(c) + 0.5f) * cell;
      x(1, c) = hi - (float(r) + 0.5f) * cell;
    }
    const Matrix<float>& z = net.forward(ws, PassContext{false, nullptr});
    for (int c = 0; c < n; ++c) {
      const float* col = z.data() + Index(c) * k;
      const int32_t best = arg_max(col, k);
      double sum = 0.0;
      for (Index i = 0; i < k; ++i) sum += std::exp(double(col[i]) - double(col[best]));
      g.cls[std::size_t(r * n + c)] = best;
      g.confidence[std::size_t(r * n + c)] = float(1.0 / sum);
    }
  }
  return g;
}

}  // namespace ts
