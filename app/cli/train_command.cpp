#include "app/cli/commands.h"
#include "app/cli/headless_drive.h"
#include "app/cli/progress_bar.h"
#include "core/data/builtin_datasets.h"
#include "core/error.h"
#include "core/experiment/experiment_data.h"
#include "core/run/checkpoint.h"
#include "core/run/run.h"
#include "core/train/trainer.h"

#include <csignal>
#include <cstdio>
#include <ctime>

namespace ts::cli {

namespace {
volatile std::sig_atomic_t g_interrupted = 0;
void on_signal(int) { g_interrupted = 1; }

ExperimentConfig resolve_config(const TrainOptions& o) {
  if (!o.resume.empty()) {
    // A resumed run is the checkpoint's experiment; only its length and threads may change.
    if (!o.config.empty() || !o.preset.empty())
      throw Error("--resume continues the checkpoint's own experiment; drop --config/--preset");
    if (o.seed) throw Error("--resume keeps the checkpoint's seed; drop --seed");
    if (!o.sets.empty())
      throw Error("--resume continues the checkpoint's own experiment; drop --set");
    return checkpoint_config(o.resume);
  }
  return load_named_experiment(o.config, o.preset, o.sets);
}

}  // namespace

int train(const TrainOptions& o) {
  ExperimentConfig cfg = resolve_config(o);
  if (o.steps) cfg.training.steps = *o.steps;
  if (o.epochs) {
    cfg.training.epochs = *o.epochs;
    if (!o.steps) cfg.training.steps = 0;
  }
  if (o.threads) cfg.training.threads = *o.threads;
  if (o.seed) cfg.training.seed = *o.seed;
  const auto dir = data_dir(o.data_dir);
  auto data = load_experiment_data(cfg, dir);
  auto run = std::make_unique<Run>(cfg, data);
  if (!o.resume.empty()) load_checkpoint(*run, o.resume);
  if (!o.init_from.empty()) {
    const auto copied = load_weights(*run, o.init_from, o.init_layers);
    std::fprintf(stderr, "initialized %zu tensors from %s\n", copied.size(), o.init_from.c_str());
  }
  for (const auto& layer : o.freeze) run->set_frozen(layer, true);
  const int64_t total = run->planned_steps();
  if (run->steps_done() >= total)
    throw Error("the checkpoint is at step " + std::to_string(run->steps_done()) +
                ", already past the planned " + std::to_string(total) +
                " steps; ask for more with --steps");
  const std::string out =
      o.out.empty() ? default_run_dir(o.preset.empty() ? "run" : o.preset) : o.out;
  if (!o.quiet)
    std::fprintf(stderr, "%s: %s, %lld steps of batch %lld, %d thread(s); run directory %s\n",
                 cfg.name.c_str(), data->note.c_str(), (long long)total,
                 (long long)cfg.training.batch_size, run->threads(), out.c_str());
  const int64_t per_epoch = run->steps_per_epoch();
  TrainerOptions topt;
  topt.run_dir = out;
  topt.append = !o.resume.empty();
  topt.stop_at_plan_end = true;
  topt.data_dir = dir;
  Trainer trainer(std::move(run), topt);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  ProgressBar bar(total, per_epoch, cfg.training.batch_size);
  HeadlessDrive drive;
  drive.quiet = o.quiet;
  drive.bar = &bar;
  drive.interrupted = &g_interrupted;
  const HeadlessEnd end = drive_headless(trainer, drive);
  if (!o.quiet) bar.finish();
  const auto st = trainer.status();
  if (end.interrupted) std::fprintf(stderr, "interrupted at step %lld\n", (long long)st->step);
  if (st->final_test)
    std::printf("test loss %.4f accuracy %.2f%% after %lld steps; checkpoint %s\n",
                st->final_test->loss, 100.0 * st->final_test->accuracy, (long long)st->step,
                st->final_checkpoint.c_str());
  return end.code;
}

int eval(const EvalOptions& o) {
  ExperimentConfig cfg = checkpoint_config(o.checkpoint);
  if (o.threads) cfg.training.threads = *o.threads;
  auto data = load_experiment_data(cfg, data_dir(o.data_dir));
  Run run(cfg, data);
  load_checkpoint(run, o.checkpoint);
  const BatchStats test = run.evaluate(data->test);
  if (o.json)
    std::printf("{\"loss\": %.9g, \"accuracy\": %.9g}\n", test.loss, test.accuracy);
  else
    std::printf("%s: test loss %.4f, accuracy %.2f%% (%lld samples, step %lld)\n",
                o.checkpoint.c_str(), test.loss, 100.0 * test.accuracy, (long long)test.samples,
                (long long)run.steps_done());
  return 0;
}

}  // namespace ts::cli
