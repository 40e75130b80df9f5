// `trainscope-cli bench --prune-curve`: how long the pruning curves of LeNet-300-100's first
// layer take (core/prune/prune_curve.h), incrementally and by the naive full re-evaluation.
#include "app/cli/commands.h"

#include "core/data/builtin_datasets.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_data.h"
#include "core/experiment/experiment_json.h"
#include "core/experiment/presets.h"
#include "core/prune/prune_curve.h"
#include "core/run/run.h"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <vector>

namespace ts::cli {

int bench_prune_curve(const BenchOptions& o) {
  using Clock = std::chrono::steady_clock;
  const int threads = o.threads.empty() ? 1 : *std::max_element(o.threads.begin(), o.threads.end());
  ExperimentConfig cfg = load_experiment(presets_dir() / "lenet-300-100-mnist.json");
  cfg.training.threads = threads;
  const auto data = load_experiment_data(cfg, data_dir(o.data_dir));
  Run run(cfg, data);
  // One epoch, so the curves are those of a trained layer.
  const int64_t steps = run.steps_per_epoch();
  for (int64_t s = 0; s < steps; ++s) run.train_step();
  const Network<float>& net = run.network();
  const Dataset& test = data->test;

  // Magnitude, frame potential and five random orders, all computed in parallel.
  const auto t0 = Clock::now();
  std::vector<std::vector<Index>> orders{
      unit_removal_order(net, "fc1", UnitCriterion::magnitude),
      unit_removal_order(net, "fc1", UnitCriterion::frame_potential)};
  for (uint64_t seed = 1; seed <= 5; ++seed)
    orders.push_back(unit_removal_order(net, "fc1", UnitCriterion::random, false, seed));
  const auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  const double ordering = since(t0);
  std::vector<std::vector<double>> curves(orders.size());
  tbb::task_arena arena(threads);
  std::optional<PruneCurve> built;
  double caching = 0;
  arena.execute([&] {
    const auto tc = Clock::now();
    built.emplace(net, "fc1", test);
    caching = since(tc);
    tbb::parallel_for(std::size_t(0), orders.size(),
                      [&](std::size_t i) { curves[i] = built->accuracies(orders[i]); });
  });
  const PruneCurve& curve = *built;
  const double incremental = since(t0);

  // The Fisher curve on top: scores from 10,000 training images, then its curve.
  const auto tf = Clock::now();
  std::vector<double> fisher_curve;
  arena.execute([&] {
    const auto saliency = unit_saliency(net, "fc1", data->train, cfg.loss, 10000);
    fisher_curve = curve.accuracies(
        unit_removal_order(net, "fc1", UnitCriterion::fisher, false, 1, saliency.fisher));
  });
  const double fisher = std::chrono::duration<double>(Clock::now() - tf).count();

  // The naive loop (a full forward pass in float at every point) for the magnitude curve,
  // on one thread as the incremental curves' baseline; the seven curves take seven times it.
  const auto t1 = Clock::now();
  const std::vector<double> naive = curve.naive_accuracies<float>(orders[0]);
  const double naive_one = std::chrono::duration<double>(Clock::now() - t1).count();
  std::size_t differ = 0;
  for (std::size_t k = 0; k < naive.size(); ++k) differ += naive[k] != curves[0][k];
  const double naive_all = naive_one * double(orders.size());
  const int points = int(curve.units());
  if (o.json) {
    std::printf(
        "{\"bench\": \"prune-curve\", \"layer\": \"fc1\", \"points\": %d, \"curves\": %zu, "
        "\"incremental_s\": %.4f, \"naive_s\": %.3f, \"naive_measured_curves\": 1, "
        "\"threads\": %d, \"test_samples\": %lld, \"dense_accuracy\": %.4f, "
        "\"float_naive_points_differing\": %zu, \"fisher_s\": %.4f, \"ordering_s\": %.4f, "
        "\"caching_s\": %.4f}\n",
        points, orders.size(), incremental, naive_all, threads, (long long)test.size(),
        curves[0][0], differ, fisher, ordering, caching);
  } else {
    std::printf(
        "prune curves of fc1 (%d points, %zu curves: magnitude, frame potential, random x5) on "
        "%lld test images\n",
        points, orders.size(), (long long)test.size());
    std::printf(
        "  incremental, %d threads: %.3f s in total: %.3f s for the orders, %.3f s caching the "
        "layer's outputs, %.3f s for the curves\n",
        threads, incremental, ordering, caching, incremental - ordering - caching);
    std::printf(
        "  the Fisher curve besides (scores over 10,000 training images, then the curve): %.3f s\n",
        fisher);
    std::printf("  naive full re-evaluation, 1 thread: %.2f s for one curve, %.1f s for %zu\n",
                naive_one, naive_all, orders.size());
    std::printf(
        "  dense accuracy %.2f%%; the float naive curve differs from the incremental one at %zu of "
        "%zu points\n",
        100.0 * curves[0][0], differ, naive.size());
  }
  return 0;
}

}  // namespace ts::cli
