#include "core/run/step_runner.h"

#include "core/error.h"

#include "core/owned_loop.h"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <numeric>
#include <optional>
#include <utility>

#if defined(__CLFLUSHOPT__)
#include <immintrin.h>
#endif

namespace ts {

namespace {

// Evicts from every cache the lines of the pieces of `values` that slot `me` does not own,
// except those of tensor `keep`. A thread that has read weights another thread updates does
// this once it is done reading them: the owner's update then finds its lines held by no other
// core and writes them at once, instead of waiting for each to be taken back from the other
// core's cache (LeNet's fc2 and fc3 on a 2-core EPYC: 18 us of a 44 us update). Without the
// instruction (a build for an older instruction set) nothing is evicted.
void evict_others_pieces([[maybe_unused]] const float* values,
                         [[maybe_unused]] std::span<const ParamPiece> pieces,
                         [[maybe_unused]] std::span<const int> owner, [[maybe_unused]] int me,
                         [[maybe_unused]] std::size_t keep) {
#if defined(__CLFLUSHOPT__)
  constexpr std::size_t kLine = 64;
  for (std::size_t j = 0; j < pieces.size(); ++j) {
    if (owner[j] == me || pieces[j].tensor == keep) continue;
    const auto* first = reinterpret_cast<const char*>(values + pieces[j].offset);
    const std::size_t bytes = pieces[j].size * sizeof(float);
    for (std::size_t off = 0; off < bytes; off += kLine)
      _mm_clflushopt(const_cast<char*>(first + off));
  }
#endif
}

// The rows [first, second) of its matrix that a piece cut between rows spans.
std::pair<Index, Index> piece_rows(const ParamPiece& p, const ParamInfo& info) {
  const std::size_t row = row_length(info);
  const Index r0 = Index((p.offset - info.offset) / row);
  return {r0, r0 + Index(p.size / row)};
}

// Rows of the deferred layer a block: the run of rows a slot takes is cut into blocks, and
// every shard's forward (or weight gradient) runs on one block before the next, so the second
// shard finds the block's weights (or gradient rows) in L2, where a run taken whole, shard
// after shard, fetched them again: LeNet's weights, gradient and momentum (2.8 MB) are more
// than a Xeon's 2 MB L2 holds, and on one thread of it the step went from a median of 87,900
// to 90,800 samples/s (six runs each, alternated). At most about 256 KB of weights, a
// multiple of 8 rows (the weight gradient's tile), the blocks of a run nearly equal; rows
// longer than 4,096 floats (Conv-2's first dense layer) keep the whole run, as tuned. Every
// row's bits are the same however the rows are cut.
Index block_rows(Index rows, Index row_length) {
  constexpr Index kLongRow = 4096, kBlockFloats = 65536;
  if (row_length > kLongRow) return rows;
  const Index most = std::max<Index>(8, kBlockFloats / std::max<Index>(row_length, 1) / 8 * 8);
  const Index blocks = (rows + most - 1) / most;
  return std::max<Index>(1, ((rows + blocks - 1) / blocks + 7) / 8 * 8);
}

}  // namespace

StepRunner::StepRunner(int shards) {
  if (shards < 1 || shards > 64)
    throw Error("training.shards: must be in [1, 64], got " + std::to_string(shards));
  shards_.resize(std::size_t(shards));
  eval_shards_.resize(std::size_t(shards));
}

BatchStats StepRunner::gradient(const Network<float>& net, LossKind loss, const Dataset& data,
                                std::span<const uint32_t> indices, uint64_t dropout_seed,
                                tbb::task_arena& arena, AlignedVector<float>& grad,
                                const GradientFinish& finish, std::span<const uint32_t> upcoming,
                                StepUpdate* update) {
  const Index batch = Index(indices.size());
  if (batch == 0) throw Error("an empty batch has no gradient");
  if (!finish.infos || finish.tensor_sq.size() != finish.infos->size())
    throw Error("StepRunner::gradient: the finish needs the tensors and a norm for each");
  const std::size_t n = net.params().total_size();
  if (!finish.masks.empty() && finish.masks.size() != n)
    throw Error("StepRunner::gradient: " + std::to_string(finish.masks.size()) + " masks for " +
                std::to_string(n) + " parameters");
  const int n_shards = int(std::min<Index>(Index(shards_.size()), batch));
  const int slots = arena.max_concurrency();
  const float scale = 1.0f / float(batch);
  const Rng base(dropout_seed);
  const bool one_buffer = slots == 1 && n_shards > 1 && net.can_accumulate();
  // The first dense layer's weight gradient, the largest, is taken after the shards, a few
  // whole rows per piece: each thread computes the rows it sums, masks and then updates,
  // instead of every shard writing a copy of it to be summed. Its rows must fit a piece.
  const auto& infos = *finish.infos;
  const long deferred = net.deferred_weight();
  // A frozen layer has no pieces, and so no task would take its rows' forward pass.
  const bool defer = deferred >= 0 && !infos[std::size_t(deferred)].frozen &&
                     pieces_are_rows(infos[std::size_t(deferred)]);
  // When the deferred layer's input is the batch as filled (only flattens before it), every
  // slot fills the whole batch into its own buffer. The layer's rows, forward and gradient,
  // then read every shard's input from their own core's cache, not half of it from the other
  // core's, and no flatten copies it: rewriting a buffer the other core has read waits for
  // its lines to come back (LeNet's flatten took 13-16 us a step on two cores of an EPYC).
  const bool slot_input = defer && net.deferred_input_is_batch();
  auto shard_cols = [&](int s) {
    return std::pair<Index, Index>{batch * s / n_shards, batch * (s + 1) / n_shards};
  };

  // A shard's batch, and with a deferred first layer the layers before it.
  auto begin_shard = [&](int s) {
    Shard& sh = shards_[std::size_t(s)];
    const auto [lo, hi] = shard_cols(s);
    const auto idx = indices.subspan(std::size_t(lo), std::size_t(hi - lo));
    sh.labels.resize(idx.size());
    if (sh.ws.acts.empty()) net.prepare(sh.ws);
    fill_batch(data, idx, sh.ws.acts[0], sh.labels);
    sh.rng = base.fork(uint64_t(s));
    if (defer) net.forward_to_deferred(sh.ws, PassContext{true, &sh.rng});
  };
  // With slot inputs: the whole batch into the slot's buffer, and its shards' labels. The
  // shards' first-layer outputs are sized beforehand, on the calling thread: every slot's
  // rows write into every shard's.
  auto begin_slot = [&](std::size_t t) {
    SlotInput& in = slot_inputs_[t];
    in.labels.resize(indices.size());
    fill_batch(data, indices, in.x, in.labels);
    for (int s = 0; s < n_shards; ++s) {
      if (shard_owner_[std::size_t(s)] != int(t)) continue;
      Shard& sh = shards_[std::size_t(s)];
      const auto [lo, hi] = shard_cols(s);
      sh.labels.assign(in.labels.begin() + lo, in.labels.begin() + hi);
      sh.rng = base.fork(uint64_t(s));
    }
  };
  // The deferred layer's input for shard s as slot t reads it.
  auto input_of = [&](int s, int t) -> ConstColumnsRef<float> {
    if (!slot_input) return net.deferred_input(shards_[std::size_t(s)].ws);
    const auto [lo, hi] = shard_cols(s);
    return slot_inputs_[std::size_t(t)].x.middleCols(lo, hi - lo);
  };
  // The deferred first layer's forward, a piece of its rows a task for every shard, on the
  // piece's owner, which also takes its gradient rows and its update (the optimizer's owners
  // are these), so those weights stay in its core's cache from one step to the next.
  // A slot's consecutive pieces of the deferred layer are taken as one run of rows, at its
  // first piece: the kernels' tiles then span the run, not each piece with a ragged tail
  // (LeNet's 18- and 19-row pieces left 3 or 4 rows to a narrower tile, forward and
  // gradient), and every row gets the same bits either way.
  auto deferred_run = [&](std::size_t k) -> std::optional<std::pair<Index, Index>> {
    if (k > 0 && pieces_[k - 1].tensor == pieces_[k].tensor &&
        piece_owner_[k - 1] == piece_owner_[k])
      return std::nullopt;  // inside a run: its first piece took it
    std::size_t last = k;
    while (last + 1 < pieces_.size() && pieces_[last + 1].tensor == pieces_[k].tensor &&
           piece_owner_[last + 1] == piece_owner_[k])
      ++last;
    return std::pair{piece_rows(pieces_[k], infos[pieces_[k].tensor]).first,
                     piece_rows(pieces_[last], infos[pieces_[k].tensor]).second};
  };
  // f(b0, b1) for each block of a run's rows (block_rows), in order.
  auto for_each_block = [&](std::pair<Index, Index> run, std::size_t tensor, auto&& f) {
    const auto [r0, r1] = run;
    const Index step = block_rows(r1 - r0, Index(row_length(infos[tensor])));
    for (Index b0 = r0; b0 < r1; b0 += step) f(b0, std::min(r1, b0 + step));
  };
  auto first_layer_rows = [&](std::size_t k) {
    const ParamPiece& p = pieces_[k];
    if (p.tensor != std::size_t(deferred)) return;
    const auto run = deferred_run(k);
    if (!run) return;
    for_each_block(*run, p.tensor, [&](Index b0, Index b1) {
      for (int s = 0; s < n_shards; ++s)
        net.deferred_forward_rows(shards_[std::size_t(s)].ws, input_of(s, piece_owner_[k]), b0, b1);
    });
  };
  // The rest of the shard's forward pass, its loss and its backward pass.
  auto end_shard = [&](int s) {
    Shard& sh = shards_[std::size_t(s)];
    PassContext ctx{true, &sh.rng};
    const Matrix<float>& logits =
        defer ? net.forward_after_deferred(sh.ws, ctx) : net.forward(sh.ws, ctx);
    sh.result = loss_and_gradient<float>(loss, logits, sh.labels, &sh.dlogits, scale);
    // One buffer: the shards add straight into the result, which the finish then leaves be.
    AlignedVector<float>& into = one_buffer ? grad : sh.ws.grads;
    into.resize(n);
    net.backward(sh.ws, sh.dlogits, std::span<float>(into), one_buffer && s > 0, defer);
    // The shard's part of the next batch, cut like this one, on its way to this core's caches;
    // with slot inputs the whole of it, once for each slot (after its last shard).
    if (slot_input) {
      const auto owner = shard_owner_[std::size_t(s)];
      if (s + 1 == n_shards || shard_owner_[std::size_t(s) + 1] != owner)
        prefetch_samples(data, upcoming);
      return;
    }
    const auto next = Index(upcoming.size());
    const Index next_lo = next * s / n_shards, next_hi = next * (s + 1) / n_shards;
    prefetch_samples(data, upcoming.subspan(std::size_t(next_lo), std::size_t(next_hi - next_lo)));
  };

  // The optimizer's pieces (trained_pieces), so piece k here is piece k there.
  trained_pieces(infos, pieces_);
  piece_owners(pieces_, slots, piece_owner_);
  run_owners(n_shards, slots, shard_owner_);
  // The deferred layer's pieces shared by how long each slot took them (RowBalance): timed
  // only where slots wait for each other.
  std::size_t first = 0, end = 0;
  if (defer) {
    const auto is_deferred = [&](const ParamPiece& p) { return p.tensor == std::size_t(deferred); };
    first =
        std::size_t(std::find_if(pieces_.begin(), pieces_.end(), is_deferred) - pieces_.begin());
    for (end = first; end < pieces_.size() && is_deferred(pieces_[end]);) ++end;
  }
  // The slots the loops spread over (at most kMaxOwnerSlots, however many threads).
  const int owners = owner_slots(slots);
  const bool balanced = defer && owners > 1 && !one_buffer && end - first >= 2;
  if (balanced) {
    balance_.layout(first, end, owners);
    balance_.assign(std::span<int>(piece_owner_).subspan(first, end - first));
    slot_busy_.resize(std::size_t(owners));
    for (auto& b : slot_busy_) b.seconds = 0.0;
  }
  if (slot_input) slot_inputs_.resize(std::size_t(slots));
  piece_sq_.resize(pieces_.size());
  grad.resize(n);
  if (slot_input)
    for (int s = 0; s < n_shards; ++s) {
      const auto [lo, hi] = shard_cols(s);
      net.enter_deferred(shards_[std::size_t(s)].ws, hi - lo);
    }
  // Sum in shard order, mask and square, one piece at a time: every value goes through the
  // same operations whatever thread takes its piece. With a deferred first layer, whose rows
  // only their owner reads, each slot first evicts the other tensors' pieces it read but does
  // not own (evict_others_pieces): no thread reads weights again before the update.
  auto finish_piece = [&](std::size_t k) {
    const ParamPiece& p = pieces_[k];
    if (defer && slots > 1 && (k == 0 || piece_owner_[k - 1] != piece_owner_[k]) &&
        p.tensor == std::size_t(deferred))
      evict_others_pieces(net.params().values().data(), pieces_, piece_owner_, piece_owner_[k],
                          std::size_t(deferred));
    float* out = grad.data() + p.offset;
    if (defer && p.tensor == std::size_t(deferred)) {
      // Shard after shard added on: the bits of summing their buffers in order. The run's
      // rows at its first piece, by blocks, as in the forward.
      if (const auto run = deferred_run(k))
        for_each_block(*run, p.tensor, [&](Index b0, Index b1) {
          for (int s = 0; s < n_shards; ++s)
            net.deferred_weight_grad(shards_[std::size_t(s)].ws, input_of(s, piece_owner_[k]),
                                     shards_[std::size_t(s)].dlogits, std::span<float>(grad), b0,
                                     b1, s > 0);
        });
    } else {
      if (!sources_.empty()) {
        const float* g0 = sources_[0] + p.offset;
        for (std::size_t i = 0; i < p.size; ++i) out[i] = g0[i];
      }
      for (std::size_t s = 1; s < sources_.size(); ++s) {
        const float* gs = sources_[s] + p.offset;
        for (std::size_t i = 0; i < p.size; ++i) out[i] += gs[i];
      }
    }
    if (!finish.masks.empty()) {
      const float* m = finish.masks.data() + p.offset;
      for (std::size_t i = 0; i < p.size; ++i) out[i] *= m[i];
    }
    // Sixteen double lanes, then folded: vectorizes without reassociating a scalar sum.
    constexpr std::size_t kLanes = 16;
    double acc[kLanes] = {};
    std::size_t i = 0;
    for (; i + kLanes <= p.size; i += kLanes)
      for (std::size_t l = 0; l < kLanes; ++l) acc[l] += double(out[i + l]) * double(out[i + l]);
    double sq = 0.0;
    for (double a : acc) sq += a;
    for (; i < p.size; ++i) sq += double(out[i]) * double(out[i]);
    piece_sq_[k] = sq;
  };
  // Frozen tensors get no update: a zero gradient.
  auto zero_frozen = [&] {
    for (const auto& info : infos)
      if (info.frozen) std::fill_n(grad.data() + info.offset, info.size, 0.0f);
  };
  // Each tensor's squared norm from its pieces', in piece order.
  auto fold_norms = [&] {
    for (double& sq : finish.tensor_sq) sq = 0.0;
    for (std::size_t k = 0; k < pieces_.size(); ++k)
      finish.tensor_sq[pieces_[k].tensor] += piece_sq_[k];
  };
  // The batch's loss and accuracy from the shards', in shard order.
  auto batch_stats = [&] {
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
  };
  sources_.clear();
  if (!one_buffer)
    for (int s = 0; s < n_shards; ++s) {
      shards_[std::size_t(s)].ws.grads.resize(n);
      sources_.push_back(shards_[std::size_t(s)].ws.grads.data());
    }
  arena.execute([&] {
    if (one_buffer) {
      if (slot_input)
        begin_slot(0);
      else
        for (int s = 0; s < n_shards; ++s) begin_shard(s);
      if (defer)
        for (std::size_t k = 0; k < pieces_.size(); ++k) first_layer_rows(k);
      for (int s = 0; s < n_shards; ++s) end_shard(s);
      zero_frozen();  // after the shards, which added into every tensor
      for (std::size_t k = 0; k < pieces_.size(); ++k) finish_piece(k);
      if (update) {
        fold_norms();
        if (update->decide(batch_stats()))
          for (std::size_t k = 0; k < pieces_.size(); ++k) update->update_piece(k);
      }
      return;
    }
    zero_frozen();  // only the finish writes `grad` here
    // The passes, each waiting for the one before on every slot: the batch (with slot inputs
    // each slot's whole copy, whose rows of the first layer read only it and follow at once),
    // the first layer's rows, the rest of each shard's passes, and the finish. Without a
    // deferred layer nothing crosses between shards before the finish.
    // With an update, then the decision on one slot and each slot's pieces of the update.
    enum : int {
      kSlot = 1,
      kBegin = 2,
      kRows = 4,
      kEnd = 8,
      kFinish = 16,
      kDecide = 32,
      kUpdate = 64
    };
    std::array<int, 6> plan = slot_input ? std::array<int, 6>{kSlot | kRows, kEnd, kFinish}
                              : defer    ? std::array<int, 6>{kBegin, kRows, kEnd, kFinish}
                                         : std::array<int, 6>{kBegin | kEnd, kFinish};
    int phases = int(std::count_if(plan.begin(), plan.end(), [](int w) { return w != 0; }));
    if (update) {
      plan[std::size_t(phases++)] = kDecide;
      plan[std::size_t(phases++)] = kUpdate;
    }
    bool decided = false;  // written in the decision's phase, read after its barrier
    // f(i) for every item of `owner` that slot t owns, in item order.
    auto owned_by = [](const std::vector<int>& owner, int t, auto&& f) {
      for (std::size_t i = 0; i < owner.size(); ++i)
        if (owner[i] == t) f(i);
    };
    using Clock = std::chrono::steady_clock;
    for_each_slot_in_phases(slots, phases, [&](int phase, int t) {
      const int what = plan[std::size_t(phase)];
      const bool timed = balanced && (what & (kRows | kFinish));
      const auto t0 = timed ? Clock::now() : Clock::time_point{};
      if (what & kSlot) begin_slot(std::size_t(t));
      if (what & kBegin) owned_by(shard_owner_, t, [&](std::size_t s) { begin_shard(int(s)); });
      if (what & kRows) owned_by(piece_owner_, t, first_layer_rows);
      if (what & kEnd) owned_by(shard_owner_, t, [&](std::size_t s) { end_shard(int(s)); });
      if (what & kFinish) owned_by(piece_owner_, t, finish_piece);
      if (timed)
        slot_busy_[std::size_t(t)].seconds +=
            std::chrono::duration<double>(Clock::now() - t0).count();
      if ((what & kDecide) && t == 0) {
        fold_norms();
        decided = update->decide(batch_stats());
      }
      if ((what & kUpdate) && decided)
        owned_by(piece_owner_, t, [&](std::size_t k) { update->update_piece(k); });
    });
  });
  if (balanced) {
    std::array<double, kMaxOwnerSlots> busy{};
    for (int t = 0; t < owners; ++t) busy[std::size_t(t)] = slot_busy_[std::size_t(t)].seconds;
    balance_.record(std::span<const double>(busy.data(), std::size_t(owners)));
  }
  if (!update) fold_norms();
  return batch_stats();
}

BatchStats StepRunner::evaluate(const Network<float>& net, LossKind loss, const Dataset& data,
                                tbb::task_arena& arena, Index chunk,
                                std::vector<int32_t>* predictions, Matrix<float>* probability_sum) {
  const Index n = data.size();
  BatchStats stats;
  if (n == 0) return stats;
  chunk = std::max<Index>(1, chunk);
  const Index n_chunks = (n + chunk - 1) / chunk;
  std::vector<LossSum> per_chunk(static_cast<std::size_t>(n_chunks));
  if (predictions) predictions->resize(std::size_t(n));
  if (probability_sum &&
      (probability_sum->cols() != n || probability_sum->rows() != net.output_size()))
    probability_sum->setZero(net.output_size(), n);
  const int n_shards = int(shards_.size());

  // Round r: shard s takes chunk r * n_shards + s. Sums are formed per chunk and added in
  // chunk order, so the result does not depend on the thread count.
  for (Index r = 0; r * n_shards < n_chunks; ++r) {
    arena.execute([&] {
      tbb::parallel_for(
          0, n_shards, 1,
          [&](int s) {
            const Index c = r * n_shards + s;
            if (c >= n_chunks) return;
            Shard& sh = eval_shards_[std::size_t(s)];
            const Index lo = c * chunk, hi = std::min(n, lo + chunk);
            sh.indices.resize(std::size_t(hi - lo));
            std::iota(sh.indices.begin(), sh.indices.end(), uint32_t(lo));
            sh.labels.resize(sh.indices.size());
            if (sh.ws.acts.empty()) net.prepare(sh.ws);
            fill_batch(data, sh.indices, sh.ws.acts[0], sh.labels);
            const Matrix<float>& logits = net.infer(net.params().values(), sh.ws.acts[0], sh.ws);
            per_chunk[std::size_t(c)] =
                loss_and_gradient<float>(loss, logits, sh.labels, nullptr, 1.0f);
            if (predictions)
              predict<float>(logits,
                             std::span<int32_t>(predictions->data() + lo, std::size_t(hi - lo)));
            if (probability_sum) {
              for (Index b = 0; b < logits.cols(); ++b) {
                const auto z = logits.col(b).array();
                const auto e = (z - z.maxCoeff()).exp();
                probability_sum->col(lo + b).array() += e / e.sum();
              }
            }
          },
          tbb::simple_partitioner());
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
