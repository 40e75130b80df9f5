// The training step's gradient (core/run/step_runner.h): shards summed in one buffer on
// one thread equal shards reduced from separate buffers on two, bit for bit; the finish
// zeroes masked entries and frozen tensors and takes each tensor's norm, checked against
// the unfinished gradient masked by hand and normed by tensor_norms; the update taken in the
// same loop (StepUpdate) gives the bits of the optimizer's step after it.
#include "core/data/synthetic.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/layers/dense_gemm.h"
#include "core/optim/clipping.h"
#include "core/optim/optimizer.h"
#include "core/run/step_runner.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <numeric>
#include <utility>

using namespace ts;

namespace {

ExperimentConfig config() {
  return parse_experiment_text(R"({
    "name": "step",
    "data": {"dataset": "blobs", "classes": 4, "dim": 20, "train_size": 200, "validation_size": 10, "test_size": 10},
    "model": {"layers": [
      {"type": "dense", "units": 33, "activation": "relu"},
      {"type": "dropout", "rate": 0.2},
      {"type": "dense", "units": 17, "activation": "tanh"},
      {"type": "dense", "units": 4}]},
    "training": {"batch_size": 30, "shards": 3, "seed": 5}
  })",
                               "step.json");
}

// The finished gradient of `batch` with `threads` workers and `shards` shards.
AlignedVector<float> gradient_with(int threads, const Network<float>& net, LossKind loss,
                                   const Dataset& d, std::span<const uint32_t> batch, int shards) {
  tbb::task_arena arena(threads);
  StepRunner runner(shards);
  const auto& infos = net.params().infos();
  AlignedVector<float> g;
  std::vector<double> sq(infos.size());
  runner.gradient(net, loss, d, batch, 3, arena, g, GradientFinish{&infos, {}, sq});
  return g;
}

// What two steps' results are compared by: the weights, the optimizer's first state buffer
// and each tensor's update norms, one after the other.
std::vector<float> state_bits(const Network<float>& net, Optimizer& opt,
                              const std::vector<UpdateNorm>& norms) {
  std::vector<float> w(net.params().values().begin(), net.params().values().end());
  const std::vector<float>& state = *opt.state_buffers()[0].second;
  w.insert(w.end(), state.begin(), state.end());
  for (const auto& n : norms) {
    w.push_back(float(n.delta_sq));
    w.push_back(float(n.value_sq));
  }
  return w;
}

}  // namespace

TEST_CASE("a step's gradient: one buffer on one thread equals three reduced on two") {
  ExperimentConfig c = config();
  const DataSplits data = make_synthetic(*c.data.synthetic, 5);
  c.model.input = data.train.sample_shape;
  Network<float> net(c.model);
  Rng rng(1);
  net.initialize(c.weight_init, c.bias_init, rng);
  if (!dense_gemm_vectorized()) {
    MESSAGE("skipped: without AVX-512 dense layers do not add into one buffer");
    return;
  }
  REQUIRE(net.can_accumulate());
  std::vector<uint32_t> batch(30);
  std::iota(batch.begin(), batch.end(), 40u);
  const auto& infos = net.params().infos();

  auto run = [&](int threads, std::span<const float> masks, AlignedVector<float>& grad,
                 std::vector<double>& sq) {
    tbb::task_arena arena(threads);
    StepRunner runner(3);
    sq.assign(infos.size(), -1.0);
    return runner.gradient(net, c.loss, data.train, batch, 77, arena, grad,
                           GradientFinish{&infos, masks, sq});
  };
  AlignedVector<float> g1, g2;
  std::vector<double> sq1, sq2;
  const BatchStats a = run(1, {}, g1, sq1), b = run(2, {}, g2, sq2);
  CHECK(a.loss == b.loss);
  REQUIRE(g1.size() == g2.size());
  CHECK(std::memcmp(g1.data(), g2.data(), g1.size() * sizeof(float)) == 0);
  CHECK(sq1 == sq2);

  // The norms equal tensor_norms of the same gradient.
  std::vector<double> expected(infos.size());
  tensor_norms(g1, infos, expected);
  for (std::size_t t = 0; t < infos.size(); ++t)
    CHECK(sq1[t] == doctest::Approx(expected[t]).epsilon(1e-12));

  // Masks and a frozen tensor: the finished gradient is the plain one masked by hand.
  std::vector<float> masks(net.params().total_size(), 1.0f);
  for (std::size_t i = 0; i < masks.size(); i += 3) masks[i] = 0.0f;
  const auto fc2 = std::size_t(net.params().find("fc2.weight"));
  net.params().info(fc2).frozen = true;
  for (int threads : {1, 2}) {
    AlignedVector<float> g;
    std::vector<double> sq;
    run(threads, masks, g, sq);
    int wrong = 0;
    for (const auto& info : infos)
      for (std::size_t i = info.offset; i < info.offset + info.size; ++i) {
        const float want = info.frozen ? 0.0f : g1[i] * masks[i];
        wrong += g[i] != want;
      }
    CHECK(wrong == 0);
    CHECK(sq[fc2] == 0.0);
    std::vector<double> by_hand(infos.size());
    tensor_norms(g, infos, by_hand);
    for (std::size_t t = 0; t < infos.size(); ++t)
      CHECK(sq[t] == doctest::Approx(by_hand[t]).epsilon(1e-12));
  }
  net.params().info(fc2).frozen = false;

  // The first layer frozen: no piece of its weights is updated, but its forward pass, taken by
  // pieces of its rows, still runs; the other tensors get the gradient they got unfrozen.
  const auto fc1 = std::size_t(net.params().find("fc1.weight"));
  net.params().info(fc1).frozen = true;
  for (int threads : {1, 2}) {
    AlignedVector<float> g;
    std::vector<double> sq;
    const BatchStats frozen = run(threads, {}, g, sq);
    CHECK(frozen.loss == a.loss);
    int wrong = 0;
    for (const auto& info : infos)
      for (std::size_t i = info.offset; i < info.offset + info.size; ++i)
        wrong += g[i] != (info.frozen ? 0.0f : g1[i]);
    CHECK(wrong == 0);
  }
  net.params().info(fc1).frozen = false;
}

TEST_CASE(
    "a step's gradient: shards of 300 samples, and a convolution, match across thread counts") {
  // 300 columns a shard is deeper than a matrix library's blocking: an accumulation that
  // added in blocks would differ from the reduction here.
  // The third drops inputs before the first dense layer, whose input is then no longer the
  // batch as filled: each shard runs the layers before it instead of every thread reading a
  // copy of the batch of its own.
  for (const char* model :
       {R"([{"type": "dense", "units": 40, "activation": "relu"}, {"type": "dense", "units": 4}])",
        R"([{"type": "dense", "units": 36}, {"type": "dense", "units": 4}])",
        R"([{"type": "dropout", "rate": 0.3}, {"type": "dense", "units": 36, "activation": "relu"},
            {"type": "dense", "units": 4}])"}) {
    ExperimentConfig c = parse_experiment_text(std::string(R"({
      "name": "step",
      "data": {"dataset": "blobs", "classes": 4, "dim": 20, "train_size": 700, "validation_size": 10, "test_size": 10},
      "model": {"layers": )") + model + R"(},
      "training": {"batch_size": 600, "shards": 2, "seed": 5}
    })",
                                               "step.json");
    const DataSplits data = make_synthetic(*c.data.synthetic, 5);
    c.model.input = data.train.sample_shape;
    Network<float> net(c.model);
    Rng rng(2);
    net.initialize(c.weight_init, c.bias_init, rng);
    CHECK(net.deferred_input_is_batch() ==
          (dense_gemm_vectorized() && net.layer(0).spec().kind != LayerKind::dropout));
    std::vector<uint32_t> batch(600);
    std::iota(batch.begin(), batch.end(), 0u);
    const auto a = gradient_with(1, net, c.loss, data.train, batch, 2);
    const auto b = gradient_with(2, net, c.loss, data.train, batch, 2);
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  }
  // A convolution adds its own sum to what the buffer holds, so with the vectorized kernels
  // one thread takes the one buffer here too. Two convolutions on 24x24 pixels of 20 samples
  // a shard: 3x3 padded by 1 reads each sample's windows in place; 2x2 padded by 2 (more
  // than kernel - 1) forms 14,580 im2col columns a shard, four chunks, with the weight
  // gradient carried from one chunk to the next.
  for (const auto& shape : {std::pair{3, 1}, std::pair{2, 2}}) {
    const int kernel = shape.first, padding = shape.second;
    CAPTURE(kernel);
    ModelSpec spec;
    spec.input = Shape3{24, 24, 2};
    LayerSpec conv;
    conv.kind = LayerKind::conv2d;
    conv.filters = 4;
    conv.kernel = kernel;
    conv.padding = padding;
    LayerSpec flat;
    flat.kind = LayerKind::flatten;
    LayerSpec out;
    out.kind = LayerKind::dense;
    out.units = 3;
    spec.layers = {conv, flat, out};
    Network<float> net(spec);
    CHECK(net.can_accumulate() == dense_gemm_vectorized());
    Rng rng(4);
    for (auto& v : net.params().values()) v = float(rng.uniform(-0.3, 0.3));
    Dataset d;
    d.name = "images";
    d.sample_shape = spec.input;
    d.num_classes = 3;
    for (int i = 0; i < 40 * 1152; ++i) d.features.push_back(float(rng.uniform(-1.0, 1.0)));
    for (int i = 0; i < 40; ++i) d.labels.push_back(i % 3);
    std::vector<uint32_t> batch(40);
    std::iota(batch.begin(), batch.end(), 0u);
    const auto a = gradient_with(1, net, LossKind::cross_entropy, d, batch, 2);
    const auto b = gradient_with(2, net, LossKind::cross_entropy, d, batch, 2);
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  }
}

TEST_CASE(
    "a step's gradient: the first layer's deferred weight gradient has the bits of summed shard "
    "buffers") {
  // Without dropout, so the shards' passes can be redone by hand: each shard's plain
  // backward into its own buffer, the buffers summed in shard order. With a flatten first or
  // none, the dense layer's rows read each thread's own copy of the batch.
  for (const char* flatten : {"", R"({"type": "flatten"}, )"}) {
    CAPTURE(flatten);
    ExperimentConfig c = parse_experiment_text(
        std::string(R"({
    "name": "step",
    "data": {"dataset": "blobs", "classes": 4, "dim": 20, "train_size": 200, "validation_size": 10, "test_size": 10},
    "model": {"layers": [)") +
            flatten +
            R"({"type": "dense", "units": 37, "activation": "relu"}, {"type": "dense", "units": 4}]},
    "training": {"batch_size": 50, "shards": 3, "seed": 5}
  })",
        "step.json");
    const DataSplits data = make_synthetic(*c.data.synthetic, 5);
    c.model.input = data.train.sample_shape;
    Network<float> net(c.model);
    Rng rng(3);
    net.initialize(c.weight_init, c.bias_init, rng);
    if (!dense_gemm_vectorized()) {
      MESSAGE("skipped: without AVX-512 no weight gradient is deferred");
      return;
    }
    REQUIRE(net.deferred_weight() == net.params().find("fc1.weight"));
    CHECK(net.deferred_input_is_batch());
    const auto& infos = net.params().infos();
    // The weight's pieces are whole rows of 20, as the deferred rows need.
    std::vector<ParamPiece> pieces;
    trained_pieces(infos, pieces);
    for (const auto& p : pieces)
      if (p.tensor == std::size_t(net.deferred_weight())) CHECK(p.size % 20 == 0);

    std::vector<uint32_t> batch(50);
    std::iota(batch.begin(), batch.end(), 60u);
    AlignedVector<float> by_hand(net.params().total_size(), 0.0f);
    for (int s = 0; s < 3; ++s) {
      const auto idx = std::span<const uint32_t>(batch).subspan(
          std::size_t(50 * s / 3), std::size_t(50 * (s + 1) / 3 - 50 * s / 3));
      Network<float>::Workspace ws;
      net.prepare(ws);
      std::vector<int32_t> labels(idx.size());
      fill_batch(data.train, idx, ws.acts[0], labels);
      const Matrix<float>& logits = net.forward(ws, PassContext{true, nullptr});
      Matrix<float> dlogits;
      loss_and_gradient<float>(c.loss, logits, labels, &dlogits, 1.0f / 50.0f);
      net.backward(ws, dlogits);
      for (std::size_t i = 0; i < by_hand.size(); ++i)
        by_hand[i] = s == 0 ? ws.grads[i] : by_hand[i] + ws.grads[i];
    }
    for (int threads : {1, 2}) {
      const auto g = gradient_with(threads, net, c.loss, data.train, batch, 3);
      REQUIRE(g.size() == by_hand.size());
      int differ = 0;
      for (const auto& info : infos)
        for (std::size_t i = info.offset; i < info.offset + info.size; ++i)
          differ += g[i] != by_hand[i];
      CHECK(differ == 0);
    }
  }
}

TEST_CASE("a step's update taken in the gradient's loop equals the optimizer's step after it") {
  // The config's network (dropout, three dense layers) with a slot input, and the same with a
  // dropout first (no slot input): gradient() then Optimizer::step() against gradient() with a
  // StepUpdate, on 1 and 2 threads, from the same weights and momentum. The decision sees the
  // finished norms and the batch's loss; a refused step leaves the weights untouched.
  for (const bool dropout_first : {false, true}) {
    CAPTURE(dropout_first);
    ExperimentConfig c = config();
    if (dropout_first) {
      LayerSpec drop;
      drop.kind = LayerKind::dropout;
      drop.rate = 0.1;
      c.model.layers.insert(c.model.layers.begin(), drop);
    }
    const DataSplits data = make_synthetic(*c.data.synthetic, 5);
    c.model.input = data.train.sample_shape;
    std::vector<uint32_t> batch(30);
    std::iota(batch.begin(), batch.end(), 7u);
    OptimizerSettings o;
    o.kind = OptimizerKind::nesterov;
    o.momentum = 0.9;
    o.weight_decay = 1e-3;
    // Two steps each way, so the second starts from momentum the first left.
    auto train = [&](int threads, bool in_loop, bool refuse_second) {
      Network<float> net(c.model);
      Rng rng(3);
      net.initialize(c.weight_init, c.bias_init, rng);
      auto opt = make_optimizer(o, net.params().total_size());
      tbb::task_arena arena(threads);
      StepRunner runner(3);
      const auto& infos = net.params().infos();
      AlignedVector<float> g;
      std::vector<double> sq(infos.size());
      std::vector<UpdateNorm> norms(infos.size());
      for (int step = 0; step < 2; ++step) {
        const GradientFinish finish{&infos, {}, sq};
        if (!in_loop) {
          runner.gradient(net, c.loss, data.train, batch, 11 + uint64_t(step), arena, g, finish);
          arena.execute([&] { opt->step(net.params().values(), g, infos, 0.05f, norms); });
          continue;
        }
        double seen_sq = -1.0, seen_loss = -1.0;
        auto update = make_step_update(
            [&](const BatchStats& b) {
              seen_sq = std::accumulate(sq.begin(), sq.end(), 0.0);
              seen_loss = b.loss;
              if (refuse_second && step == 1) return false;
              opt->begin_step(net.params().values(), g, infos, 0.05f, norms);
              return true;
            },
            [&](std::size_t k) { opt->update_piece(k); });
        const std::vector<float> before(net.params().values().begin(), net.params().values().end());
        const BatchStats b = runner.gradient(net, c.loss, data.train, batch, 11 + uint64_t(step),
                                             arena, g, finish, {}, &update);
        CHECK(seen_loss == b.loss);
        std::vector<double> expected(infos.size());
        tensor_norms(g, infos, expected);
        CHECK(
            seen_sq ==
            doctest::Approx(std::accumulate(expected.begin(), expected.end(), 0.0)).epsilon(1e-12));
        if (refuse_second && step == 1) {
          CHECK(std::memcmp(before.data(), net.params().values().data(),
                            before.size() * sizeof(float)) == 0);
          continue;
        }
        opt->end_step();
      }
      return state_bits(net, *opt, norms);
    };
    const auto after = train(1, false, false);
    for (int threads : {1, 2}) {
      CAPTURE(threads);
      const auto in_loop = train(threads, true, false);
      REQUIRE(in_loop.size() == after.size());
      CHECK(std::memcmp(in_loop.data(), after.data(), after.size() * sizeof(float)) == 0);
      // Refusing the second step leaves what the first made, which differs from two steps.
      const auto refused = train(threads, true, true);
      CHECK(std::memcmp(refused.data(), after.data(), after.size() * sizeof(float)) != 0);
    }
  }
}

TEST_CASE("a step's first-layer pieces shared unevenly between two threads give the same bits") {
  // A first layer of 100 x 330 weights: four pieces of rows. Shared 1 + 3 and 3 + 1 (what the
  // row balance moves to when one core is slower), three steps of training with the update in
  // the loop equal one thread's, weights, momentum and the step's norms.
  ExperimentConfig c = parse_experiment_text(R"({
    "name": "step",
    "data": {"dataset": "blobs", "classes": 4, "dim": 100, "train_size": 200, "validation_size": 10, "test_size": 10},
    "model": {"layers": [{"type": "dense", "units": 330, "activation": "relu"}, {"type": "dense", "units": 20, "activation": "relu"}, {"type": "dense", "units": 4}]},
    "training": {"batch_size": 40, "shards": 2, "seed": 5}
  })",
                                             "step.json");
  const DataSplits data = make_synthetic(*c.data.synthetic, 5);
  c.model.input = data.train.sample_shape;
  std::vector<uint32_t> batch(40);
  std::iota(batch.begin(), batch.end(), 3u);
  OptimizerSettings o;
  o.kind = OptimizerKind::nesterov;
  o.momentum = 0.9;
  auto train = [&](int threads, std::vector<int> share) {
    Network<float> net(c.model);
    Rng rng(8);
    net.initialize(c.weight_init, c.bias_init, rng);
    auto opt = make_optimizer(o, net.params().total_size());
    tbb::task_arena arena(threads);
    StepRunner runner(2);
    const auto& infos = net.params().infos();
    const auto fc1 = std::size_t(net.params().find("fc1.weight"));
    // The owner of each of fc1's pieces in the runner's last step.
    auto fc1_owners = [&] {
      std::vector<ParamPiece> pieces;
      trained_pieces(infos, pieces);
      std::vector<int> layer;
      for (std::size_t k = 0; k < pieces.size(); ++k)
        if (pieces[k].tensor == fc1) layer.push_back(runner.last_piece_owners()[k]);
      return layer;
    };
    AlignedVector<float> g;
    std::vector<double> sq(infos.size());
    std::vector<UpdateNorm> norms(infos.size());
    for (int step = 0; step < 3; ++step) {
      auto update = make_step_update(
          [&](const BatchStats&) {
            opt->begin_step(net.params().values(), g, infos, 0.05f, norms);
            return true;
          },
          [&](std::size_t k) { opt->update_piece(k); });
      runner.gradient(net, c.loss, data.train, batch, 21 + uint64_t(step), arena, g,
                      GradientFinish{&infos, {}, sq}, {}, &update);
      opt->end_step();
      if (step == 0 && threads > 1) {
        // The even share first; then the one asked for, taken from the next step on.
        CHECK(fc1_owners() == std::vector<int>{0, 0, 1, 1});
        runner.row_balance().set_counts(share);
      }
    }
    if (threads > 1) {
      std::vector<int> want;
      for (int s = 0; s < 2; ++s) want.insert(want.end(), std::size_t(share[std::size_t(s)]), s);
      CHECK(fc1_owners() == want);
    }
    return state_bits(net, *opt, norms);
  };
  const auto one = train(1, {});
  for (const auto& share : {std::vector<int>{1, 3}, std::vector<int>{3, 1}}) {
    CAPTURE(share[0]);
    const auto two = train(2, share);
    REQUIRE(two.size() == one.size());
    CHECK(std::memcmp(two.data(), one.data(), one.size() * sizeof(float)) == 0);
  }
}
