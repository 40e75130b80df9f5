// The subcommands of trainscope-cli. Each returns the process exit code and reports
// errors on stderr; none calls exit().
#pragma once

#include "core/experiment/experiment_config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ts::cli {

// The experiment of --config FILE or --preset NAME (lenet-300-100-mnist when neither), with
// the --set KEY=VALUE changes of `sets` (core/experiment/config_overrides.h); throws ts::Error for
// both, an unknown preset (listing the known ones) or a bad --set (naming it).
ExperimentConfig load_named_experiment(const std::string& config, const std::string& preset,
                                       const std::vector<std::string>& sets = {});
// A new directory runs/<name>-<local time>, created (with -2, -3, ... when that exists).
std::string default_run_dir(const std::string& name);

struct TrainOptions {
  std::string config;  // a JSON file
  std::string preset;  // or a preset name from assets/presets
  std::string out;     // run directory
  std::optional<int64_t> steps;
  std::optional<int64_t> epochs;
  std::optional<int> threads;
  std::optional<uint64_t> seed;
  std::optional<std::string> data_dir;
  std::string resume;                    // a checkpoint to continue from
  std::vector<std::string> sets;         // --set KEY=VALUE changes to the config
  std::string init_from;                 // transfer learning: weights from this checkpoint
  std::vector<std::string> init_layers;  // only these layers (all matching when empty)
  std::vector<std::string> freeze;       // layers that get no update
  bool quiet = false;
};
int train(const TrainOptions&);

struct EvalOptions {
  std::string checkpoint;
  std::optional<std::string> data_dir;
  std::optional<int> threads;
  bool json = false;
};
int eval(const EvalOptions&);

struct CheckOptions {
  std::string run_dir;
  std::optional<std::string> data_dir;
};
// Reads a run directory back (core/run/run_check.h); exit code 1 when something is damaged.
int check(const CheckOptions&);

struct BenchOptions {
  bool json = false;
  double seconds = 3.0;
  std::vector<int> threads{1, 2};
  std::vector<std::string> models{"lenet-300-100", "conv-2"};
  bool publishing = false;       // what the trainer's published statistics cost instead
  bool prune_curve = false;      // the pruning curves of LeNet-300-100's fc1 instead
  bool concurrent_runs = false;  // the total of 1, 2 and 4 LeNet runs training at once
  bool landscape = false;        // a loss slice and the sharpness of LeNet-300-100 instead
  bool row_balance = false;      // the first layer's rows balanced against shared evenly
  std::optional<std::string> data_dir;
};
int bench(const BenchOptions&);

struct LotteryOptions {
  std::string config, preset, out;
  std::vector<std::string> sets;  // --set KEY=VALUE changes to the config
  int rounds = 15;
  double rate = 0.2;
  double output_rate = 0.1;
  std::optional<int64_t> steps;
  std::optional<int64_t> epochs;
  int64_t rewind_step = 0;
  bool no_control = false;
  std::vector<std::string> layers;
  std::optional<int> threads;
  std::optional<uint64_t> seed;
  std::optional<std::string> data_dir;
};
struct AnalyzeOptions {
  std::string checkpoint;
  std::string out;                // default <run>/analysis/step-<N>
  std::vector<std::string> what;  // empty: all
  std::string layer = "fc1";      // for the pruning curves
  int clusters = 4;
  uint64_t seed = 1;
  int64_t retrain_steps = 1000;
  double retrain_lr = 0.01;
  std::string lr_range_from = "init";                 // or "checkpoint"
  std::vector<double> interpolation_range{0.0, 1.0};  // alpha from, to
  int interpolation_points = 26;
  std::string interpolate_to;  // another run's checkpoint: the line goes from this one to it
  int64_t interpolation_samples = 10000;        // training images the line's training loss is over
  int64_t sharpness_samples = 2048;             // the first training images, in order
  int trace_probes = 10;                        // Hutchinson's; 0: no trace
  std::string hessian = "exact";                // or "differences" (of gradients, in double)
  int landscape_grid = 41;                      // points a side of the 2-D slice
  std::string landscape_directions = "random";  // or "trajectory": the path's principal plane
  double landscape_span = 1.0;                  // a and b from -span to span
  int64_t landscape_samples = 10000;            // test images the slice's loss is over
  std::vector<std::string> sets;  // --set KEY=VALUE changes to the checkpoint's config
  std::optional<int> threads;
  std::optional<std::string> data_dir;
};
// The analyses of core/analysis and core/prune on a checkpoint: CSV tables, figures as SVG
// and PNG, and summary.json in the output directory.
int analyze(const AnalyzeOptions&);

// Iterative magnitude pruning with rewinding and its control (core/procedures/lottery.h);
// writes lottery.csv and lottery.svg into the output directory.
int lottery(const LotteryOptions&);
int bench_prune_curve(const BenchOptions&);

// Which chart of a run directory to draw, and into which files: what export and compare share.
struct ChartFiles {
  std::string chart = "loss";
  std::vector<std::string> out;     // .png, .svg or .csv each
  std::vector<std::string> layers;  // per-layer charts: these layers only
  int width = 1600, height = 1000;  // PNG size in pixels
  double smoothing = 0.0;           // EMA of the per-step training series (loss, accuracy)
};

struct ExportOptions {
  std::string run_dir;
  ChartFiles files;
  bool list = false;
};
// A chart of a run directory (core/chart/run_charts.h) as PNG (rendered offscreen through EGL,
// no display needed), SVG or CSV.
int export_chart(const ExportOptions&);

struct StudyOptions {
  std::string study;  // a study file, or the name of a shipped one (assets/studies)
  std::string out;    // default runs/study-<name>-<time>
  std::optional<int64_t> steps, epochs;  // every run's length (fork steps scale with it)
  std::optional<int> threads;            // every run's worker threads
  int jobs = 1;                          // runs training at once
  std::optional<std::string> data_dir;
  bool list = false;  // list the shipped studies
  bool quiet = false;
};
// Every run of a study (core/experiment/study.h) into DIR/<run>/, then DIR/summary.csv,
// DIR/summary.md and the overlaid loss and accuracy charts (SVG and CSV). Exit code 1 when a
// run failed (the others still run), 130 when interrupted.
int study(const StudyOptions&);

struct SweepPlanOptions {
  std::string sweep;  // the sweep file
  std::string out;
  bool force = false;  // replace another sweep's plan
};
// A sweep (core/experiment/sweep.h) as DIR/manifest.json and DIR/<run>/config.json. The same
// sweep again: nothing changes; another one: refused unless `force`.
int sweep_plan(const SweepPlanOptions&);

// `sweep task`'s exit codes besides 0 (done) and errors: the run was interrupted by a signal
// and checkpointed, run the task again (EX_TEMPFAIL); another task is running the run.
inline constexpr int kTaskRequeue = 75;
inline constexpr int kTaskBusy = 73;

struct SweepTaskOptions {
  std::string dir;
  int64_t index = 0;                // the run's place in the manifest, from 0 (Slurm's array index)
  std::optional<int> threads;       // the run's worker threads (default: its config's)
  double checkpoint_seconds = 300;  // a checkpoint every so long of training; 0: none
  bool retry = false;               // run a failed run again
  std::optional<std::string> data_dir;
  bool quiet = false;
};
// One run of a planned sweep to its end (app/cli/sweep_task.cpp): resumed, checkpointed, and
// exiting kTaskRequeue after a SIGTERM, SIGUSR2 or SIGINT.
int sweep_task(const SweepTaskOptions&);

struct SweepRunOptions {
  std::string dir;
  bool local = false;
  int jobs = 1;
  std::optional<int> threads;  // each run's; default: the machine's cores / jobs
  double checkpoint_seconds = 300;
  bool retry = false;
  std::optional<std::string> data_dir;
};
// Every pending run of a planned sweep, `jobs` at a time, each a `sweep task` process (its
// output in DIR/<run>/task.log). Interrupted, the tasks checkpoint; run again, it finishes the
// rest. Exit code 1 when a run failed, 130 when interrupted.
int sweep_run(const SweepRunOptions&);

struct SweepStatusOptions {
  std::string dir;
  bool json = false;
  std::string metric = "best_validation_accuracy";
  int top = 5;
};
int sweep_status(const SweepStatusOptions&);

struct SweepSlurmOptions {
  std::string dir;
  std::string partition, time;
  int cpus_per_task = 2;
  int max_parallel = 0;  // 0: no limit
  double checkpoint_seconds = 300;
  bool submit = false;
};
// DIR/slurm.sh, a job array of `sweep task` (app/cli/sweep_backends.cpp); with `submit`, sbatch
// it and record the job id in the manifest.
int sweep_slurm(const SweepSlurmOptions&);

struct SweepParallelOptions {
  std::string dir;
  std::vector<std::string> hosts;  // GNU parallel's --sshlogin entries; empty: this machine
  int jobs_per_host = 1;
  int threads = 1;
};
int sweep_parallel(const SweepParallelOptions&);

struct CompareOptions {
  std::vector<std::string> run_dirs;
  ChartFiles files;
};
// One chart of several run directories overlaid (core/chart/overlay_chart.h), each run named
// by its directory.
int compare(const CompareOptions&);

}  // namespace ts::cli
