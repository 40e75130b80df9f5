// A loss surface's memory grows with its samples only: each worker thread keeps one set of
// buffers for the passes, whatever the number of chunks. Counted in bytes asked of the C
// library (tests/alloc/counting_alloc.h) while a surface is built and evaluated, over 4 and
// over 16 chunks of 256 samples: the 12 chunks more may cost their own samples, labels and
// gradient, not a network's activations each (the convolution's output alone is 2.4 MB for a
// chunk, against 0.15 MB of its inputs).
#include "core/analysis/loss_surface.h"
#include "core/experiment/experiment_json.h"
#include "core/rng.h"
#include "core/run/run.h"
#include "tests/alloc/counting_alloc.h"

#include <doctest/doctest.h>

#include <oneapi/tbb/task_arena.h>

#include <memory>
#include <vector>

using namespace ts;

TEST_CASE("a loss surface keeps one set of pass buffers a thread, not one a chunk") {
  constexpr Index kChunk = 256, kFeatures = 12 * 12;
  auto data = std::make_shared<DataSplits>();
  Rng rng(3);
  for (Dataset* set : {&data->train, &data->validation, &data->test}) {
    set->name = "images";
    set->sample_shape = {12, 12, 1};
    set->num_classes = 5;
    for (Index i = 0; i < 16 * kChunk * kFeatures; ++i)
      set->features.push_back(float(rng.uniform(0.0, 1.0)));
    for (Index i = 0; i < 16 * kChunk; ++i) set->labels.push_back(int(i % 5));
  }
  data->synthetic = true;
  // 16 filters on 12 x 12: 2,304 floats a sample out of the convolution and as many out of its
  // ReLU, against 144 in.
  const ExperimentConfig c = parse_experiment_text(
      R"({"name": "surface", "data": {"dataset": "blobs"}, "model": {"layers": [
          {"type": "conv2d", "filters": 16, "kernel": 3, "padding": 1, "activation": "relu"},
          {"type": "max_pool", "pool": 2}, {"type": "flatten"}, {"type": "dense", "units": 5}]}})",
      "surface.json");
  const Run run(c, data);
  const Network<float>& net = run.network();
  const std::span<const float> w = net.params().values();
  const auto n = Index(w.size());
  // One thread: with two, a surface over few chunks may have run them all on one thread and
  // made one set of buffers where the other made two.
  tbb::task_arena arena(1);
  for (const bool gradient : {false, true}) {
    CAPTURE(gradient);
    auto bytes_over = [&](Index chunks) {
      long long bytes = 0;
      arena.execute([&] {
        testing::start_counting();
        {
          LossSurface<float> s(net.spec(), LossKind::cross_entropy, data->test, chunks * kChunk,
                               {});
          std::vector<float> g(gradient ? std::size_t(n) : 0);
          s.evaluate(w, g);
          s.evaluate(w, g);
        }
        bytes = testing::stop_counting().bytes;
      });
      return bytes;
    };
    const long long few = bytes_over(4), many = bytes_over(16);
    // A chunk's samples twice (read, then kept as the surface's copy), its labels twice, and
    // with a gradient its own gradient buffer; a quarter more for the containers' growth.
    const long long chunk = 2 * kChunk * (kFeatures + 1) * 4 + (gradient ? n * 4 : 0);
    MESSAGE("12 more chunks: ", many - few, " bytes; their own data: ", 12 * chunk);
    CHECK(many - few <= 12 * chunk * 5 / 4);
  }
}
