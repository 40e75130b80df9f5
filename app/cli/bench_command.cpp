#include "app/cli/commands.h"
#include "app/cli/core_round_trip.h"
#include "app/cli/fma_peak.h"
#include "core/analysis/loss_slice.h"
#include "core/analysis/sharpness.h"
#include "core/error.h"
#include "core/experiment/experiment_json.h"
#include "core/experiment/presets.h"
#include "core/rng.h"
#include "core/run/run.h"
#include "core/train/series.h"
#include "core/train/trainer.h"

#include <oneapi/tbb/task_arena.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>
#include <vector>

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

// Samples/s of a running Trainer over `seconds`.
double trainer_rate(const Trainer& t, int64_t batch, double seconds) {
  using Clock = std::chrono::steady_clock;
  const int64_t s0 = t.step();
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const int64_t s1 = t.step();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  return double(s1 - s0) * double(batch) / elapsed;
}

// What publishing costs: training throughput with the per-layer statistics at their default
// interval against with them off, in alternating rounds; and the longest time one push of a
// series takes while a reader copies it every 16 ms.
int bench_publishing(const BenchOptions& o) {
  const auto data = bench_data(6400);
  for (int threads : o.threads) {
    ExperimentConfig cfg = load_experiment(presets_dir() / "lenet-300-100-mnist.json");
    cfg.training.threads = threads;
    cfg.training.batch_size = 64;
    cfg.training.steps = 1'000'000'000;
    cfg.training.eval_interval = 1'000'000'000;
    const int64_t default_interval = cfg.monitor.stats_interval;
    // One trainer, its statistics switched on and off by command between rounds, so both
    // settings run on the same memory; a reader copies the loss and every layer's series
    // every 16 ms the way the window does. The figure is the median of the rounds' ratios.
    Trainer t(std::make_unique<Run>(cfg, data));
    std::atomic<bool> done{false};
    std::thread reader([&] {
      std::vector<SeriesPoint> loss;
      std::vector<std::vector<SeriesPoint>> per_layer(16);
      while (!done.load()) {
        const auto m = t.metrics();
        m->loss.copy_new(loss);
        for (std::size_t i = 0; i < m->layers.size() && 2 * i + 1 < per_layer.size(); ++i) {
          m->layers[i]->grad_norm.copy_new(per_layer[2 * i]);
          m->layers[i]->update_ratio.copy_new(per_layer[2 * i + 1]);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(16));
      }
    });
    t.submit(cmd::Start{});
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // warm-up
    constexpr int kRounds = 5;
    std::vector<double> ons, offs, ratios;
    for (int round = 0; round < kRounds; ++round) {
      for (int k = 0; k < 2; ++k) {
        const bool with_stats = (k == 0) == (round % 2 == 0);
        t.wait_applied(t.submit(
            cmd::Set{Setting::stats_interval, with_stats ? double(default_interval) : 0.0}));
        (with_stats ? ons : offs).push_back(trainer_rate(t, cfg.training.batch_size, o.seconds));
      }
      ratios.push_back(ons.back() / offs.back());
    }
    done = true;
    reader.join();
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    const double on = median(ons), off = median(offs), ratio = median(ratios);
    if (o.json)
      std::printf(
          "{\"bench\": \"publishing\", \"threads\": %d, \"stats_interval\": %lld, "
          "\"samples_per_s_on\": %.1f, \"samples_per_s_off\": %.1f, \"ratio\": %.4f}\n",
          threads, (long long)default_interval, on, off, ratio);
    else
      std::printf(
          "publishing     threads %d  statistics every %lld steps %10.0f samples/s, off %10.0f "
          "samples/s (medians of %d rounds); median ratio %.1f%%\n",
          threads, (long long)default_interval, on, off, kRounds, 100.0 * ratio);
    std::fflush(stdout);
  }
  // One writer pushing 4 million points as fast as it can; a reader copies every 16 ms.
  ScalarSeries series;
  std::atomic<bool> done{false};
  std::size_t copied = 0;
  bool torn = false;
  std::thread reader([&] {
    std::vector<SeriesPoint> copy;
    while (!done.load() || copy.size() < series.size()) {
      series.copy_new(copy);
      for (std::size_t i = copied; i < copy.size(); ++i)
        torn |= copy[i].value != float(copy[i].step % 4096);
      copied = copy.size();
      std::this_thread::sleep_for(std::chrono::milliseconds(16));
    }
  });
  using Clock = std::chrono::steady_clock;
  std::vector<double> waits;
  waits.reserve(4'000'000);
  for (int64_t i = 0; i < 4'000'000; ++i) {
    const auto t0 = Clock::now();
    series.push(i, float(i % 4096));
    waits.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  done = true;
  reader.join();
  std::sort(waits.begin(), waits.end());
  const double p999 = waits[waits.size() * 999 / 1000], longest = waits.back();
  if (o.json)
    std::printf(
        "{\"bench\": \"series\", \"points\": %zu, \"copied\": %zu, \"torn\": %s, "
        "\"push_p999_us\": %.3f, \"push_longest_us\": %.1f}\n",
        waits.size(), copied, torn ? "true" : "false", p999, longest);
  else
    std::printf(
        "series         4M pushes, reader every 16 ms: copied %zu, torn values: %s, push "
        "99.9th percentile %.3f us, longest %.1f us\n",
        copied, torn ? "yes" : "none", p999, longest);
  return torn ? 1 : 0;
}

// Several LeNet-300-100 runs training at once, as a window or a study holds them: the total
// samples/s of 1, 2 and 4 runs sharing the machine's threads (each run gets an equal share,
// at least one), with the statistics the window keeps. The median of rounds measured
// together.
int bench_concurrent_runs(const BenchOptions& o) {
  const auto data = bench_data(6400);
  const int cores = std::max(1, int(std::thread::hardware_concurrency()));
  double single = 0;
  for (const int runs : {1, 2, 4}) {
    ExperimentConfig cfg = load_experiment(presets_dir() / "lenet-300-100-mnist.json");
    cfg.training.threads = std::max(1, cores / runs);
    cfg.training.batch_size = 64;
    cfg.training.steps = 1'000'000'000;
    cfg.training.eval_interval = 1'000'000'000;
    std::vector<std::unique_ptr<Trainer>> trainers;
    for (int r = 0; r < runs; ++r) {
      cfg.training.seed = uint64_t(r + 1);
      trainers.push_back(std::make_unique<Trainer>(std::make_unique<Run>(cfg, data)));
    }
    for (auto& t : trainers) t->submit(cmd::Start{});
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // warm-up
    using Clock = std::chrono::steady_clock;
    std::vector<double> totals;
    for (int round = 0; round < 5; ++round) {
      int64_t before = 0, after = 0;
      for (auto& t : trainers) before += t->step();
      const auto t0 = Clock::now();
      std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds / 5));
      for (auto& t : trainers) after += t->step();
      const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
      totals.push_back(double(after - before) * double(cfg.training.batch_size) / elapsed);
    }
    trainers.clear();
    std::sort(totals.begin(), totals.end());
    const double total = totals[totals.size() / 2];
    if (runs == 1) single = total;
    if (o.json)
      std::printf(
          "{\"bench\": \"concurrent-runs\", \"runs\": %d, \"threads\": %d, "
          "\"threads_per_run\": %d, \"samples_per_s_total\": %.1f, \"of_one_run\": %.4f}\n",
          runs, cores, cfg.training.threads, total, total / single);
    else
      std::printf(
          "concurrent runs %d on %d thread(s), %d each: %10.0f samples/s in total, %.1f%% of "
          "one run's\n",
          runs, cores, cfg.training.threads, total, 100.0 * total / single);
    std::fflush(stdout);
  }
  return 0;
}

// The loss landscape's costs on LeNet-300-100 at its initialization (random MNIST-shaped
// images): a 41 x 41 filter-normalized slice of the loss over 10,000 images (the row path,
// and the first layer's products alone), and the top Hessian eigenvalue over 2,048 images (power
// iteration on exact products in float, to a relative change of 1e-3); then a 21 x 21 slice of
// Conv-2 over 2,000 images. Each slice also prints the rate its forward passes ran at (a forward
// pass is about a third of the network's forward-and-backward count).
int bench_landscape(const BenchOptions& o) {
  ExperimentConfig cfg = load_experiment(presets_dir() / "lenet-300-100-mnist.json");
  const int threads = o.threads.empty() ? 2 : o.threads.back();
  cfg.training.threads = threads;
  const auto data = bench_data(10000);
  Run run(cfg, data);
  const auto& net = run.network();
  const std::vector<float> w(net.params().values().begin(), net.params().values().end());
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  tbb::task_arena arena(threads);
  arena.execute([&] {
    // LeNet's slice by the row path, then by the first layer's products alone, for the figure
    // the row path improves on and the largest difference between the two.
    const auto d1 = filter_normalized_direction(net, w, 1),
               d2 = filter_normalized_direction(net, w, 2);
    // The row path's figure is the median of three runs (a shared machine's noise is a tenth).
    std::vector<double> times;
    SliceGrid g;
    for (int i = 0; i < 3; ++i) {
      const auto start = Clock::now();
      g = loss_slice(net, cfg.loss, w, d1, d2, data->train, 10000, 41, 1.0);
      times.push_back(since(start));
    }
    std::sort(times.begin(), times.end());
    const double rows_s = times[1];
    auto t = Clock::now();
    const SliceGrid f =
        loss_slice(net, cfg.loss, w, d1, d2, data->train, 10000, 41, 1.0, SlicePath::first_layer);
    const double first_s = since(t);
    double differ = 0;
    for (std::size_t i = 0; i < g.loss.size(); ++i)
      differ = std::max(differ, std::abs(g.loss[i] / f.loss[i] - 1));
    if (o.json)
      std::printf(
          "{\"bench\": \"landscape\", \"grid\": 41, \"samples\": 10000, \"threads\": %d, "
          "\"seconds\": %.3f, \"first_layer_seconds\": %.3f, \"largest_relative_difference\": "
          "%.3g}\n",
          threads, rows_s, first_s, differ);
    else
      std::printf(
          "landscape  41 x 41 slice of LeNet-300-100 over 10000 images, %d thread(s): %.2f s by "
          "rows (median of 3), %.2f s by the first layer's products alone (the two differ by %.2g "
          "at most)\n",
          threads, rows_s, first_s, differ);
    std::fflush(stdout);

    // The top eigenvalue; how far that is from where power iteration settles; the Rayleigh
    // quotient there by central differences in double: the two products checked on LeNet.
    LossSurface<float> surface(net.spec(), cfg.loss, data->train, 2048, net.params().masks());
    t = Clock::now();
    const Sharpness sh = sharpness<float>(surface, w, SharpnessSettings{});
    const double sharp_s = since(t);
    SharpnessSettings tight;
    tight.tolerance = 1e-7;
    tight.max_iterations = 1000;
    const Sharpness reference = sharpness<float>(surface, w, tight, sh.eigenvector);
    LossSurface<double> dsurface(net.spec(), cfg.loss, data->train, 2048, net.params().masks());
    const std::vector<double> wd(w.begin(), w.end());
    std::vector<double> hv(wd.size());
    dsurface.hessian_vector(wd, reference.eigenvector, hv, SharpnessSettings{}.step);
    double differences = 0;
    for (std::size_t i = 0; i < hv.size(); ++i) differences += hv[i] * reference.eigenvector[i];
    const double off = std::abs(sh.top_eigenvalue / reference.top_eigenvalue - 1);
    if (o.json)
      std::printf(
          "{\"bench\": \"sharpness\", \"samples\": 2048, \"threads\": %d, \"seconds\": %.3f, "
          "\"iterations\": %d, \"top_eigenvalue\": %.6g, \"settled\": %.6g, "
          "\"relative_error\": %.3g, \"by_differences\": %.6g}\n",
          threads, sharp_s, sh.iterations, sh.top_eigenvalue, reference.top_eigenvalue, off,
          differences);
    else
      std::printf(
          "sharpness  top Hessian eigenvalue %.4g over 2048 images, %d thread(s): %.2f s, %d "
          "products (%s)\n"
          "           settled at %.6g after %d more (%.2g%% off); the Rayleigh quotient there by "
          "central differences in double: %.6g\n",
          sh.top_eigenvalue, threads, sharp_s, sh.iterations,
          sh.converged ? "converged" : "not converged", reference.top_eigenvalue,
          reference.iterations, 100 * off, differences);
    std::fflush(stdout);

    // Conv-2: its first layer is a convolution, so every point runs the whole network; the
    // rate of those forward passes (a third of the forward-and-backward count) says how far
    // the machine's peak is.
    ExperimentConfig conv_cfg = load_experiment(presets_dir() / "conv2-mnist.json");
    conv_cfg.training.threads = threads;
    Run conv(conv_cfg, data);
    const auto& cn = conv.network();
    const std::vector<float> cw(cn.params().values().begin(), cn.params().values().end());
    const auto c1 = filter_normalized_direction(cn, cw, 1),
               c2 = filter_normalized_direction(cn, cw, 2);
    t = Clock::now();
    loss_slice(cn, conv_cfg.loss, cw, c1, c2, data->train, 2000, 21, 1.0);
    const double conv_s = since(t);
    const double gflops = 21.0 * 21 * 2000 * cn.flops_per_sample() / 3 / conv_s / 1e9;
    if (o.json)
      std::printf(
          "{\"bench\": \"landscape\", \"model\": \"conv2\", \"grid\": 21, \"samples\": 2000, "
          "\"threads\": %d, \"seconds\": %.3f, \"forward_gflops\": %.1f}\n",
          threads, conv_s, gflops);
    else
      std::printf(
          "landscape  21 x 21 slice of Conv-2 over 2000 images, %d thread(s): %.2f s (%.0f "
          "GFLOP/s of forward passes)\n",
          threads, conv_s, gflops);
  });
  return 0;
}

// The rounds a figure is the median of: about half a second each.
int bench_rounds(double seconds) { return std::max(3, int(seconds / 0.5 + 0.5)); }

// A run of `preset` on `threads` threads, batch 64, the training step alone (--publishing
// measures the statistics), after the steps that size its buffers and warm the caches.
// With `row_balance` false, the first dense layer's rows stay shared evenly (RowBalance).
std::unique_ptr<Run> warm_run(const std::string& preset, const std::string& model, int threads,
                              const std::shared_ptr<const DataSplits>& data,
                              bool row_balance = true) {
  ExperimentConfig cfg = load_experiment(presets_dir() / (preset + ".json"));
  cfg.training.threads = threads;
  cfg.training.batch_size = 64;
  cfg.monitor.stats_interval = 0;
  auto run = std::make_unique<Run>(cfg, data);
  run->row_balance().set_enabled(row_balance);
  const int warmup = model == "conv-2" ? 5 : 50;
  for (int i = 0; i < warmup; ++i) run->train_step();
  return run;
}

// Samples/s of `run` (batch 64) over one round of about `seconds`.
double round_rate(Run& run, const std::string& model, double seconds) {
  using Clock = std::chrono::steady_clock;
  const int per_check = model == "conv-2" ? 2 : 50;
  const auto t0 = Clock::now();
  int64_t steps = 0;
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < per_check; ++i) run.train_step();
    steps += per_check;
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return double(steps * 64) / elapsed;
}

// Pairs of rounds back to back on two runs that live side by side, `a` and `b`, the order
// inside a pair alternating; the round trip between the cores and their FMA rate, all of them
// at once, are measured before each pair. A shared machine's speed drifts within minutes (on a
// 2-core EPYC host the round trip moved between 60 and 350 ns, the two cores' FMA rate at
// times to half of itself, and the two-thread figure with them), so figures measured one run
// after the other can compare two different machines; a pair's two rounds see the same one,
// and each pair's ratio, b's rate over a's, is printed with the round trip and the FMA rate it
// ran at.
struct RoundPair {
  double trip_ns, fma_gflops, ratio;
};
struct PairedRounds {
  std::vector<RoundPair> pairs;  // sorted by the round trip
  double median = 0;
  // The pairs as text ("93 ns 230 GFLOP/s 1.83x, ...") and as the JSON arrays' contents:
  // [ns, ratio] pairs and the FMA rates, in the same order.
  std::string text, json_pairs, json_rates;
};
PairedRounds paired_rounds(const BenchOptions& o, Run& a, Run& b, const std::string& model,
                           int threads) {
  const int pairs = bench_rounds(o.seconds);
  const double seconds = o.seconds / pairs;
  PairedRounds out;
  for (int p = 0; p < pairs; ++p) {
    // The workers of the last round go to sleep before the round trip is timed.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const double trip = measure_core_round_trip();
    const double fma = measure_fma_peak(threads, 0.04).gflops;
    double ra, rb;
    if (p % 2 == 0) {
      ra = round_rate(a, model, seconds);
      rb = round_rate(b, model, seconds);
    } else {
      rb = round_rate(b, model, seconds);
      ra = round_rate(a, model, seconds);
    }
    out.pairs.push_back({trip, fma, rb / ra});
  }
  std::vector<double> ratios;
  for (const RoundPair& m : out.pairs) ratios.push_back(m.ratio);
  std::sort(ratios.begin(), ratios.end());
  out.median = ratios[ratios.size() / 2];
  std::sort(out.pairs.begin(), out.pairs.end(),
            [](const RoundPair& x, const RoundPair& y) { return x.trip_ns < y.trip_ns; });
  for (const RoundPair& m : out.pairs) {
    char item[64];
    const char* comma = out.text.empty() ? "" : ", ";
    std::snprintf(item, sizeof item, "%s%.0f ns %.0f GFLOP/s %.2fx", comma, m.trip_ns, m.fma_gflops,
                  m.ratio);
    out.text += item;
    std::snprintf(item, sizeof item, "%s[%.1f, %.4f]", comma, m.trip_ns, m.ratio);
    out.json_pairs += item;
    std::snprintf(item, sizeof item, "%s%.1f", comma, m.fma_gflops);
    out.json_rates += item;
  }
  return out;
}

// The speed-up of `threads` threads over one, in pairs of rounds (paired_rounds).
void bench_speedup(const BenchOptions& o, const std::string& preset, const std::string& model,
                   int threads, const std::shared_ptr<const DataSplits>& data) {
  const auto one = warm_run(preset, model, 1, data), many = warm_run(preset, model, threads, data);
  const PairedRounds r = paired_rounds(o, *one, *many, model, threads);
  if (o.json)
    std::printf(
        "{\"bench\": \"speedup\", \"model\": \"%s\", \"threads\": %d, \"over_threads\": 1, "
        "\"median_ratio\": %.4f, \"pairs_round_trip_ns_ratio\": [%s], \"pairs_fma_gflops\": "
        "[%s]}\n",
        model.c_str(), threads, r.median, r.json_pairs.c_str(), r.json_rates.c_str());
  else
    std::printf(
        "%-14s threads %d over 1  %.2fx  (median of %zu pairs of rounds back to back; by the "
        "round trip and the %d cores' FMA rate before each: %s)\n",
        model.c_str(), threads, r.median, r.pairs.size(), threads, r.text.c_str());
  std::fflush(stdout);
}

// The first dense layer's rows shared by the threads' busy time (RowBalance) against the even
// share, on the most threads asked for: two runs side by side, the balance off in one, in
// pairs of rounds (paired_rounds). Where the cores run alike the ratio is about 1; where one
// is slower (another process on it, a smaller core) the balanced run is faster.
int bench_row_balance(const BenchOptions& o) {
  const int threads = *std::max_element(o.threads.begin(), o.threads.end());
  if (threads < 2) throw Error("bench --row-balance: needs --threads of 2 or more");
  const auto data = bench_data(6400);
  for (const auto& model : o.models) {
    const std::string preset = model == "conv-2" ? "conv2-mnist" : "lenet-300-100-mnist";
    auto even = warm_run(preset, model, threads, data, false);
    auto balanced = warm_run(preset, model, threads, data);
    const PairedRounds r = paired_rounds(o, *even, *balanced, model, threads);
    std::string share;
    for (int c : balanced->row_balance().counts())
      share += (share.empty() ? "" : o.json ? ", " : "/") + std::to_string(c);
    // Only a dense first layer is taken by rows (Network::deferred_weight): Conv-2's first
    // layer is a convolution, so both runs share alike and the ratio is noise around 1.
    if (share.empty() && !o.json) share = "none, its first layer is not dense";
    if (o.json)
      std::printf(
          "{\"bench\": \"row_balance\", \"model\": \"%s\", \"threads\": %d, "
          "\"median_ratio\": %.4f, \"pairs_round_trip_ns_ratio\": [%s], "
          "\"pairs_fma_gflops\": [%s], \"share\": [%s]}\n",
          model.c_str(), threads, r.median, r.json_pairs.c_str(), r.json_rates.c_str(),
          share.c_str());
    else
      std::printf(
          "%-14s threads %d  first layer's rows balanced over shared evenly  %.2fx  (median "
          "of %zu pairs of rounds back to back; by the round trip and the %d cores' FMA rate "
          "before each: %s; pieces a thread at the end: %s)\n",
          model.c_str(), threads, r.median, r.pairs.size(), threads, r.text.c_str(), share.c_str());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int bench(const BenchOptions& o) {
  if (o.landscape) return bench_landscape(o);
  if (o.publishing) return bench_publishing(o);
  if (o.concurrent_runs) return bench_concurrent_runs(o);
  if (o.prune_curve) return bench_prune_curve(o);
  if (o.row_balance) return bench_row_balance(o);
  const auto data = bench_data(6400);
  // The machine's FMA peak on each thread count, measured now: what each figure is a share of.
  std::map<int, FmaPeak> peaks;
  for (int threads : o.threads) {
    peaks[threads] = measure_fma_peak(threads);
    const FmaPeak& p = peaks[threads];
    if (o.json)
      std::printf(
          "{\"bench\": \"fma_peak\", \"threads\": %d, \"isa\": \"%s\", "
          "\"peak_gflops\": %.1f}\n",
          threads, p.isa.c_str(), p.gflops);
    else
      std::printf(
          "FMA peak       threads %d  %7.1f GFLOP/s  (%s, single precision, measured; again "
          "around each model's rounds, and the best taken)\n",
          threads, p.gflops, p.isa.c_str());
    std::fflush(stdout);
  }
  // How far apart the two cores are now: the figures on two threads depend on it.
  if (!o.threads.empty() && *std::max_element(o.threads.begin(), o.threads.end()) >= 2) {
    const double trip = measure_core_round_trip();
    if (o.json)
      std::printf("{\"bench\": \"core_round_trip\", \"ns\": %.1f}\n", trip);
    else
      std::printf(
          "core to core   round trip %6.1f ns  (a cache line between two threads, measured)\n",
          trip);
    std::fflush(stdout);
  }
  for (const auto& model : o.models) {
    std::string preset;
    if (model == "lenet-300-100")
      preset = "lenet-300-100-mnist";
    else if (model == "conv-2")
      preset = "conv2-mnist";
    else
      throw Error("bench: unknown model \"" + model + "\" (known: lenet-300-100, conv-2)");
    for (int threads : o.threads) {
      const auto run_ptr = warm_run(preset, model, threads, data);
      Run& run = *run_ptr;
      // Rounds of about half a second, and their median: on a shared machine a round can
      // lose the core for a while, and one such round should not decide the figure.
      const int rounds = bench_rounds(o.seconds);
      // The peak again, just before and just after the rounds, and the best of all taken: a
      // shared host at times gives the virtual CPUs less than their cores (on a 2-core EPYC
      // host both at once ran at one core's rate for a while), and a share of a peak measured
      // in such a moment would pass 100% without the model running any faster.
      FmaPeak& peak_now = peaks[threads];
      auto remeasure = [&] {
        peak_now.gflops = std::max(peak_now.gflops, measure_fma_peak(threads, 0.04).gflops);
      };
      remeasure();
      std::vector<double> rates;
      for (int round = 0; round < rounds; ++round)
        rates.push_back(round_rate(run, model, o.seconds / rounds));
      remeasure();
      std::sort(rates.begin(), rates.end());
      const double sps = rates[rates.size() / 2];
      // FLOPs as the direct products count them: a convolution taken by Winograd's
      // transforms (conv_winograd.h) multiplies less, so its share of the peak is the
      // direct kernels' equivalent and can pass 100%.
      const double gflops = sps * run.flops_per_sample() / 1e9;
      const double peak = peaks[threads].gflops, share = peak > 0 ? gflops / peak : 0.0;
      if (o.json)
        std::printf(
            "{\"bench\": \"%s\", \"threads\": %d, \"batch\": 64, \"samples_per_s\": %.1f, "
            "\"gflops\": %.2f, \"peak_gflops\": %.1f, \"share_of_peak\": %.4f, "
            "\"peak_rss_mb\": %.1f}\n",
            model.c_str(), threads, sps, gflops, peak, share, peak_rss_mb());
      else
        std::printf(
            "%-14s threads %d  batch 64  %10.0f samples/s  %7.2f GFLOP/s  %4.1f%% of peak "
            "%.0f  (%.3f MFLOP/sample as direct products; median of %d rounds, %.0f..%.0f)  "
            "peak RSS %.0f MB\n",
            model.c_str(), threads, sps, gflops, 100.0 * share, peak, run.flops_per_sample() / 1e6,
            rounds, rates.front(), rates.back(), peak_rss_mb());
      std::fflush(stdout);
    }
    const int most = *std::max_element(o.threads.begin(), o.threads.end());
    if (most > 1 && std::find(o.threads.begin(), o.threads.end(), 1) != o.threads.end())
      bench_speedup(o, preset, model, most, data);
  }
  return 0;
}

}  // namespace ts::cli
