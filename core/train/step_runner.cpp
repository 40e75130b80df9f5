#include "core/train/step_runner.h"

#include "core/error.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>

#include <algorithm>
#include <numeric>

namespace ts {

StepRunner::StepRunner(int shards) {
  if (shards < 1 || shards > 64) throw Error("training.shards: must be in [1, 64], got " + std::to_string(shards));
  shards_.resize(std::size_t(shards));
  eval_shards_.resize(std::size_t(shards));
}

BatchStats StepRunner::gradient(const Network<float>& net, LossKind loss, const Dataset& data,
                                std::span<const uint32_t> indices, uint64_t dropout_seed,
                                tbb::task_arena& arena, AlignedVector<float>& grad) {
  const Index batch = Index(indices.size());
  if (batch == 0) throw Error("an empty batch has no gradient");
  const int n_shards = int(std::min<Index>(Index(shards_.size()), batch));
  const float scale = 1.0f / float(batch);
  const Rng base(dropout_seed);

  auto run_shard = [&](int s) {
    Shard& sh = shards_[std::size_t(s)];
    const Index lo = batch * s / n_shards, hi = batch * (s + 1) / n_shards;
    const auto idx = indices.subspan(std::size_t(lo), std::size_t(hi - lo));
    sh.labels.resize(idx.size());
    if (sh.ws.acts.empty()) net.prepare(sh.ws);
    fill_batch(data, idx, sh.ws.acts[0], sh.labels);
    Rng rng = base.fork(uint64_t(s));
    PassContext ctx{true, &rng};
    const Matrix<float>& logits = net.forward(sh.ws, ctx);
    sh.result = loss_and_gradient<float>(loss, logits, sh.labels, &sh.dlogits, scale);
    net.backward(sh.ws, sh.dlogits);
  };

  const std::size_t n = net.params().total_size();
  grad.resize(n);
  arena.execute([&] {
    tbb::parallel_for(0, n_shards, 1, run_shard, tbb::simple_partitioner());
    // Reduce in shard order; chunks of the buffer in parallel, each element summed in the
    // same order whatever thread takes its chunk.
    constexpr std::size_t kChunk = 16384;
    const std::size_t chunks = (n + kChunk - 1) / kChunk;
    tbb::parallel_for(std::size_t(0), chunks, std::size_t(1), [&](std::size_t c) {
      const std::size_t lo = c * kChunk, hi = std::min(n, lo + kChunk);
      float* out = grad.data();
      const float* g0 = shards_[0].ws.grads.data();
      for (std::size_t i = lo; i < hi; ++i) out[i] = g0[i];
      for (int s = 1; s < n_shards; ++s) {
        const float* gs = shards_[std::size_t(s)].ws.grads.data();
        for (std::size_t i = lo; i < hi; ++i) out[i] += gs[i];
      }
    }, tbb::simple_partitioner());
  });

  BatchStats stats;
  double loss_sum = 0;
  Index correct = 0;
  for (int s = 0; s < n_shards; ++s) {
    loss_sum += shards_[std::size_t(s)].result.loss;
    correct += shards_[std::size_t(s)].result.correct;
  }
  stats.samples = batch;
  stats.loss = loss_sum / double(batch);
  stats.accuracy = double(correct) / double(batch);
  return stats;
}

BatchStats StepRunner::evaluate(const Network<float>& net, LossKind loss, const Dataset& data,
                                tbb::task_arena& arena, Index chunk,
                                std::vector<int32_t>* predictions,
                                Matrix<float>* probability_sum) {
  const Index n = data.size();
  BatchStats stats;
  if (n == 0) return stats;
  chunk = std::max<Index>(1, chunk);
  const Index n_chunks = (n + chunk - 1) / chunk;
  std::vector<LossSum> per_chunk(static_cast<std::size_t>(n_chunks));
  if (predictions) predictions->resize(std::size_t(n));
  if (probability_sum && (probability_sum->cols() != n || probability_sum->rows() != net.output_size()))
    probability_sum->setZero(net.output_size(), n);
  const int n_shards = int(shards_.size());

  // Round r: shard s takes chunk r * n_shards + s. Sums are formed per chunk and added in
  // chunk order, so the result does not depend on the thread count.
  for (Index r = 0; r * n_shards < n_chunks; ++r) {
    arena.execute([&] {
      tbb::parallel_for(0, n_shards, 1, [&](int s) {
        const Index c = r * n_shards + s;
        if (c >= n_chunks) return;
        Shard& sh = eval_shards_[std::size_t(s)];
        const Index lo = c * chunk, hi = std::min(n, lo + chunk);
        sh.indices.resize(std::size_t(hi - lo));
        std::iota(sh.indices.begin(), sh.indices.end(), uint32_t(lo));
        sh.labels.resize(sh.indices.size());
        if (sh.ws.acts.empty()) net.prepare(sh.ws);
        fill_batch(data, sh.indices, sh.ws.acts[0], sh.labels);
        const Matrix<float>& logits = net.forward(sh.ws, PassContext{false, nullptr});
        per_chunk[std::size_t(c)] = loss_and_gradient<float>(loss, logits, sh.labels, nullptr, 1.0f);
        if (predictions)
          predict<float>(logits, std::span<int32_t>(predictions->data() + lo, std::size_t(hi - lo)));
        if (probability_sum) {
          for (Index b = 0; b < logits.cols(); ++b) {
            const auto z = logits.col(b).array();
            const auto e = (z - z.maxCoeff()).exp();
            probability_sum->col(lo + b).array() += e / e.sum();
          }
        }
      }, tbb::simple_partitioner());
    });
  }
  double loss_sum = 0;
  Index correct = 0;
  for (const auto& c : per_chunk) {
    loss_sum += c.loss;
    correct += c.correct;
  }
  stats.samples = n;
  stats.loss = loss_sum / double(n);
  stats.accuracy = double(correct) / double(n);
  return stats;
}

}  // namespace ts
