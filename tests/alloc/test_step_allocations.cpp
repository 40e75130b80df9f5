// No allocation inside a training step, once the first steps at a batch size have sized every
// buffer. The count (tests/alloc/counting_alloc.h) covers what a step allocates through the C
// library: the network's passes, the shards, the optimizer, Eigen and the standard library.
// Checked with the project's vectorized kernels only: Eigen's products, the fallback without
// AVX-512, take their packing buffers from the heap.
#include "core/data/dataset.h"
#include "core/experiment/experiment_json.h"
#include "core/layers/dense_gemm.h"
#include "core/rng.h"
#include "core/run/run.h"
#include "tests/alloc/counting_alloc.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

using namespace ts;

namespace {

// Random images of `shape` with labels 0..classes-1, as every split.
std::shared_ptr<DataSplits> images(Shape3 shape, int classes, Index samples) {
  auto d = std::make_shared<DataSplits>();
  Rng rng(7);
  for (Dataset* set : {&d->train, &d->validation, &d->test}) {
    set->name = "images";
    set->sample_shape = shape;
    set->num_classes = classes;
    for (Index i = 0; i < samples * shape.size(); ++i)
      set->features.push_back(float(rng.uniform(-1.0, 1.0)));
    for (Index i = 0; i < samples; ++i) set->labels.push_back(int(i % classes));
  }
  d->synthetic = true;
  return d;
}

// Allocations in `steps` steps after three.
long allocations_in_steps(const std::string& layers, const std::string& optimizer, int threads,
                          std::shared_ptr<DataSplits> data, int steps = 5) {
  const ExperimentConfig c = parse_experiment_text(
      R"({"name": "alloc", "data": {"dataset": "blobs"}, "model": {"layers": )" + layers +
          R"(}, "optimizer": )" + optimizer +
          R"(, "training": {"batch_size": 32, "shards": 2, "epochs": 100, "threads": )" +
          std::to_string(threads) + "}}",
      "alloc.json");
  Run run(c, std::move(data));
  for (int i = 0; i < 3; ++i) run.train_step();
  testing::start_counting();
  for (int i = 0; i < steps; ++i) run.train_step();
  return testing::stop_counting().calls;
}

}  // namespace

TEST_CASE("a training step allocates nothing after the first steps, dense and convolutional") {
  if (!dense_gemm_vectorized()) {
    MESSAGE("skipped: without AVX-512 the products are Eigen's, which allocate");
    return;
  }
  // The count does see allocations: a vector made while counting is one.
  testing::start_counting();
  auto* probe = new std::string(100, 'x');
  const testing::Counted probed = testing::stop_counting();
  delete probe;
  REQUIRE(probed.calls >= 1);
  REQUIRE(probed.bytes >= 100);

  const std::string dense =
      R"([{"type": "dense", "units": 40, "activation": "relu"},
          {"type": "dropout", "rate": 0.2},
          {"type": "dense", "units": 20, "activation": "tanh"}, {"type": "dense", "units": 5}])";
  // 3 -> 6 -> 4 channels: forward's and the input gradient's packed kernels differ in shape.
  const std::string conv =
      R"([{"type": "conv2d", "filters": 6, "kernel": 3, "padding": 1, "activation": "relu"},
          {"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1, "activation": "relu"},
          {"type": "max_pool", "pool": 2}, {"type": "flatten"}, {"type": "dropout", "rate": 0.25},
          {"type": "dense", "units": 16, "activation": "relu"}, {"type": "dense", "units": 5}])";
  const std::string strided =
      R"([{"type": "conv2d", "filters": 5, "kernel": 3, "stride": 2, "activation": "relu"},
          {"type": "conv2d", "filters": 4, "kernel": 2, "activation": "relu"},
          {"type": "flatten"}, {"type": "dense", "units": 5}])";
  // 3 -> 16 -> 48 channels, 3x3 onto even sides: the second convolution's three products
  // run by Winograd's transforms.
  const std::string winograd =
      R"([{"type": "conv2d", "filters": 16, "kernel": 3, "padding": 1, "activation": "relu"},
          {"type": "conv2d", "filters": 48, "kernel": 3, "padding": 1, "activation": "relu"},
          {"type": "flatten"}, {"type": "dense", "units": 5}])";
  const std::string sgd = R"({"type": "nesterov", "momentum": 0.9})";
  const std::string adam = R"({"type": "adam"})";
  for (const int threads : {1, 2}) {
    CAPTURE(threads);
    CHECK(allocations_in_steps(dense, sgd, threads, images({1, 1, 30}, 5, 200)) == 0);
    CHECK(allocations_in_steps(dense, adam, threads, images({1, 1, 30}, 5, 200)) == 0);
    CHECK(allocations_in_steps(conv, sgd, threads, images({10, 10, 3}, 5, 200)) == 0);
    CHECK(allocations_in_steps(strided, sgd, threads, images({11, 11, 2}, 5, 200)) == 0);
    CHECK(allocations_in_steps(winograd, sgd, threads, images({10, 10, 3}, 5, 200)) == 0);
  }
  // A first layer of four pieces of rows, shared between two threads by their busy time
  // (RowBalance): 40 steps take in a window's decision.
  const std::string wide =
      R"([{"type": "dense", "units": 330, "activation": "relu"}, {"type": "dense", "units": 5}])";
  CHECK(allocations_in_steps(wide, sgd, 2, images({1, 1, 100}, 5, 200), 40) == 0);
}
