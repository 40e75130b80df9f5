#include "app/cli/commands.h"
#include "app/cli/progress_bar.h"
#include "core/data/builtin_datasets.h"
#include "core/data/experiment_data.h"
#include "core/error.h"
#include "core/io/checkpoint.h"
#include "core/io/run_recorder.h"
#include "core/train/run.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>

namespace ts::cli {

namespace {
volatile std::sig_atomic_t g_interrupted = 0;
void on_signal(int) { g_interrupted = 1; }

ExperimentConfig resolve_config(const TrainOptions& o) {
  if (!o.config.empty() && !o.preset.empty()) throw Error("give --config or --preset, not both");
  if (!o.resume.empty()) {
    // A resumed run is the checkpoint's experiment; only its length and threads may change.
    if (!o.config.empty() || !o.preset.empty())
      throw Error("--resume continues the checkpoint's own experiment; drop --config/--preset");
    if (o.seed) throw Error("--resume keeps the checkpoint's seed; drop --seed");
    return checkpoint_config(o.resume);
  }
  if (!o.config.empty()) return load_experiment(o.config);
  const std::string name = o.preset.empty() ? "lenet-300-100-mnist" : o.preset;
  const auto path = presets_dir() / (name + ".json");
  if (!std::filesystem::exists(path)) {
    std::string known;
    for (const auto& p : list_presets(presets_dir())) known += " " + p;
    throw Error("no preset \"" + name + "\" in " + presets_dir().string() + " (known:" + known + ")");
  }
  return load_experiment(path);
}

std::string default_run_dir(const ExperimentConfig&, const std::string& preset) {
  char stamp[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&t));
  return "runs/" + (preset.empty() ? std::string("run") : preset) + "-" + stamp;
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
  Run run(cfg, data);
  if (!o.resume.empty()) load_checkpoint(run, o.resume);
  if (!o.init_from.empty()) {
    const auto copied = load_weights(run, o.init_from, o.init_layers);
    std::fprintf(stderr, "initialized %zu tensors from %s\n", copied.size(), o.init_from.c_str());
  }
  for (const auto& layer : o.freeze) run.set_frozen(layer, true);
  const std::string out = o.out.empty() ? default_run_dir(cfg, o.preset) : o.out;
  RunRecorder rec(out, run.config(), !o.resume.empty());
  const int64_t total = run.planned_steps();
  if (!o.quiet)
    std::fprintf(stderr, "%s: %s, %lld steps of batch %lld, %d thread(s); run directory %s\n",
                 cfg.name.c_str(), data->note.c_str(), (long long)total,
                 (long long)cfg.training.batch_size, run.threads(), out.c_str());
  rec.record_event(run.steps_done(), "start",
                   o.resume.empty() ? cfg.name : "resumed from " + o.resume);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  ProgressBar bar(total, run.steps_per_epoch(), cfg.training.batch_size);
  int code = 0;
  while (run.steps_done() < total) {
    if (g_interrupted) {
      rec.record_event(run.steps_done(), "interrupted", "stopped by a signal");
      std::fprintf(stderr, "\ninterrupted at step %lld\n", (long long)run.steps_done());
      code = 130;
      break;
    }
    const StepReport r = run.train_step();
    if (!r.finite) {
      rec.record_step(r, std::nullopt);
      rec.record_event(r.step, "divergence", r.problem);
      std::fprintf(stderr, "\ntraining diverged: %s\n", r.problem.c_str());
      code = 3;
      break;
    }
    std::optional<EvalPoint> ev;
    const int64_t done = run.steps_done();
    if (run.evaluation_due()) {
      ev = EvalPoint{run.evaluate(data->validation), run.evaluate(data->test)};
    }
    rec.record_step(r, ev);
    if (cfg.training.checkpoint_interval > 0 && done % cfg.training.checkpoint_interval == 0) {
      save_checkpoint(run, rec.dir().checkpoint_path(done));
      rec.record_event(done, "checkpoint", rec.dir().checkpoint_path(done).string());
    }
    if (!o.quiet) {
      bar.update(done, r.loss, r.accuracy, done == total);
      if (ev)
        std::fprintf(stderr, "%sstep %lld: validation loss %.4f acc %.2f%%, test loss %.4f acc %.2f%%\n",
                     isatty(2) ? "\n" : "", (long long)done, ev->validation.loss,
                     100 * ev->validation.accuracy, ev->test.loss, 100 * ev->test.accuracy);
    }
  }
  if (!o.quiet) bar.finish();
  const auto final_path = rec.dir().checkpoint_path(run.steps_done());
  save_checkpoint(run, final_path);
  rec.record_event(run.steps_done(), "checkpoint", final_path.string());
  const BatchStats test = run.evaluate(data->test);
  auto report_average = [&](const char* what, const BatchStats& b) {
    rec.record_event(run.steps_done(), what,
                     "test loss " + std::to_string(b.loss) + ", accuracy " + std::to_string(b.accuracy));
    std::printf("%s: test loss %.4f accuracy %.2f%%\n", what, b.loss, 100.0 * b.accuracy);
  };
  if (run.polyak() && run.polyak()->count() > 0)
    report_average("polyak average", run.evaluate_weights(run.polyak()->values(), data->test));
  if (run.ema() && run.ema()->count() > 0)
    report_average("ema average", run.evaluate_weights(run.ema()->values(), data->test));
  if (!run.ensemble().members.empty())
    report_average(("snapshot ensemble of " + std::to_string(run.ensemble().members.size())).c_str(),
                   run.evaluate_ensemble(data->test));
  rec.record_event(run.steps_done(), "end",
                   "test loss " + std::to_string(test.loss) + ", accuracy " + std::to_string(test.accuracy));
  rec.flush();
  std::printf("test loss %.4f accuracy %.2f%% after %lld steps; checkpoint %s\n", test.loss,
              100.0 * test.accuracy, (long long)run.steps_done(), final_path.c_str());
  return code;
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
