// No allocation inside a training step, once the first steps at a batch size have sized every
// buffer. This program replaces the C library's allocation functions with ones that count
// the calls (passing each on to glibc's own), so the count covers what a step allocates
// through them: the network's passes, the shards, the optimizer, Eigen and the standard
// library (oneTBB's own task objects come from its scalable allocator, which is not
// counted). Built without sanitizers only (they replace the same functions). Checked with
// the project's vectorized kernels only: Eigen's products, the fallback without AVX-512,
// take their packing buffers from the heap.
#include "core/data/dataset.h"
#include "core/experiment/experiment_json.h"
#include "core/layers/dense_gemm.h"
#include "core/rng.h"
#include "core/run/run.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <memory>
#include <string>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
void count() {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(std::size_t count_, std::size_t size) {
  count();
  return __libc_calloc(count_, size);
}
void* realloc(void* p, std::size_t n) {
  count();
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
void* memalign(std::size_t alignment, std::size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
void* valloc(std::size_t n) {
  count();
  return __libc_memalign(4096, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  count();
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = __libc_memalign(alignment, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
}

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

// Allocations in `steps` steps after `warmup` steps.
long allocations_in_steps(const std::string& layers, const std::string& optimizer, int threads,
                          std::shared_ptr<DataSplits> data) {
  const ExperimentConfig c = parse_experiment_text(
      R"({"name": "alloc", "data": {"dataset": "blobs"}, "model": {"layers": )" + layers +
          R"(}, "optimizer": )" + optimizer +
          R"(, "training": {"batch_size": 32, "shards": 2, "epochs": 100, "threads": )" +
          std::to_string(threads) + "}}",
      "alloc.json");
  Run run(c, std::move(data));
  for (int i = 0; i < 3; ++i) run.train_step();
  allocations = 0;
  counting = true;
  for (int i = 0; i < 5; ++i) run.train_step();
  counting = false;
  return allocations.load();
}

}  // namespace

TEST_CASE("a training step allocates nothing after the first steps, dense and convolutional") {
  if (!dense_gemm_vectorized()) {
    MESSAGE("skipped: without AVX-512 the products are Eigen's, which allocate");
    return;
  }
  // The count does see allocations: a vector made while counting is one.
  allocations = 0;
  counting = true;
  auto* probe = new std::string(100, 'x');
  counting = false;
  delete probe;
  REQUIRE(allocations.load() >= 1);

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
}
