#include "app/cli/commands.h"
#include "core/error.h"
#include "core/rng.h"
#include "core/train/run.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>

namespace ts::cli {

namespace {

// Random MNIST-shaped images: training speed does not depend on the pixel values, and the
// benchmark then runs without any dataset installed.
std::shared_ptr<const DataSplits> bench_data(Index n) {
  auto d = std::make_shared<DataSplits>();
  Rng rng(99);
  d->train.name = "bench/train";
  d->train.sample_shape = Shape3{28, 28, 1};
  d->train.num_classes = 10;
  d->train.pixels.resize(std::size_t(n * 784));
  for (auto& p : d->train.pixels) p = uint8_t(rng.below(256));
  d->train.labels.resize(std::size_t(n));
  for (auto& l : d->train.labels) l = int32_t(rng.below(10));
  d->train.mean = 0.13f;
  d->train.stddev = 0.31f;
  d->note = "random images";
  return d;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

}  // namespace

int bench(const BenchOptions& o) {
  const auto data = bench_data(6400);
  for (const auto& model : o.models) {
    std::string preset;
    if (model == "lenet-300-100") preset = "lenet-300-100-mnist";
    else if (model == "conv-2") preset = "conv2-mnist";
    else throw Error("bench: unknown model \"" + model + "\" (known: lenet-300-100, conv-2)");
    for (int threads : o.threads) {
      ExperimentConfig cfg = load_experiment(presets_dir() / (preset + ".json"));
      cfg.training.threads = threads;
      cfg.training.batch_size = 64;
      Run run(cfg, data);
      using Clock = std::chrono::steady_clock;
      const int warmup = model == "conv-2" ? 5 : 50;
      for (int i = 0; i < warmup; ++i) run.train_step();
      const auto t0 = Clock::now();
      int64_t steps = 0;
      double elapsed = 0;
      while (elapsed < o.seconds) {
        for (int i = 0; i < (model == "conv-2" ? 2 : 50); ++i) run.train_step();
        steps += model == "conv-2" ? 2 : 50;
        elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
      }
      const double sps = double(steps * 64) / elapsed;
      const double gflops = sps * run.flops_per_sample() / 1e9;
      if (o.json)
        std::printf("{\"bench\": \"%s\", \"threads\": %d, \"batch\": 64, \"samples_per_s\": %.1f, "
                    "\"gflops\": %.2f, \"peak_rss_mb\": %.1f}\n",
                    model.c_str(), threads, sps, gflops, peak_rss_mb());
      else
        std::printf("%-14s threads %d  batch 64  %10.0f samples/s  %7.2f GFLOP/s  "
                    "(%.3f MFLOP/sample)  peak RSS %.0f MB\n",
                    model.c_str(), threads, sps, gflops, run.flops_per_sample() / 1e6,
                    peak_rss_mb());
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace ts::cli
