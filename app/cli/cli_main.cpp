// trainscope-cli: the headless command line. Subcommands train, eval, check, bench, lottery,
// analyze, export, study and compare; every error is printed with what was wrong and the exit
// code is non-zero.
#include "app/cli/commands.h"
#include "core/error.h"

#include <CLI/CLI.hpp>

#include <malloc.h>
#include <csignal>
#include <cstdint>
#include <cstdio>

namespace {

// A length in steps or epochs: at least one (0 would fall back to the experiment's own plan, and
// a negative count too), at most the window's --steps.
const CLI::Range kPositiveCount(int64_t(1), int64_t(1) << 40);

// The options export and compare share: which chart, into which files, how drawn.
void add_chart_files(CLI::App* c, ts::cli::ChartFiles& f) {
  c->add_option("--chart", f.chart, "Which chart (export --list shows them; default loss)");
  c->add_option("--out", f.out,
                "Output file(s); the extension (.png, .svg, .csv) chooses the format")
      ->delimiter(',');
  c->add_option("--layers", f.layers, "Per-layer charts: only these layers")->delimiter(',');
  c->add_option("--width", f.width, "PNG width in pixels (default 1600)")
      ->check(CLI::Range(64, 16384));
  c->add_option("--height", f.height, "PNG height in pixels (default 1000)")
      ->check(CLI::Range(64, 16384));
  c->add_option("--smooth", f.smoothing,
                "Loss and accuracy: draw the per-step training series faint under its moving "
                "average of this weight (e.g. 0.9; default 0: raw)")
      ->check(CLI::Range(0.0, 0.999));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trainscope-cli: train, evaluate and benchmark networks without a window"};
  app.require_subcommand(1);

  ts::cli::TrainOptions train;
  auto* t = app.add_subcommand("train", "Train an experiment and write its run directory");
  t->add_option("--config", train.config, "Experiment config (JSON)");
  t->add_option("--preset", train.preset,
                "Preset name from assets/presets (default lenet-300-100-mnist)");
  t->add_option("--out", train.out, "Run directory (default runs/<preset>-<time>)");
  t->add_option("--steps", train.steps, "Train this many steps in total")->check(kPositiveCount);
  t->add_option("--epochs", train.epochs, "Train this many epochs")->check(kPositiveCount);
  t->add_option("--threads", train.threads, "Worker threads")->check(CLI::Range(1, 256));
  t->add_option("--seed", train.seed, "Seed")->check(CLI::Range(uint64_t(0), uint64_t(INT64_MAX)));
  t->add_option("--data", train.data_dir, "Dataset directory (default $TRAINSCOPE_DATA or data/)");
  t->add_option("--resume", train.resume, "Checkpoint to continue from");
  t->add_option("--init-from", train.init_from,
                "Transfer learning: start from this checkpoint's weights");
  t->add_option("--init-layers", train.init_layers,
                "Layers to copy with --init-from (default: all that match)")
      ->delimiter(',');
  t->add_option("--freeze", train.freeze, "Layers to freeze, comma-separated (e.g. fc1,fc2)")
      ->delimiter(',');
  t->add_option("--set", train.sets,
                "Change the config: a dotted key and a value, e.g. schedule.lr=0.001 or "
                "optimizer.type=adam (repeatable)")
      ->allow_extra_args(false);
  t->add_flag("--quiet", train.quiet, "No progress output");

  ts::cli::EvalOptions ev;
  auto* e = app.add_subcommand("eval", "Print the test loss and accuracy of a checkpoint");
  e->add_option("--checkpoint", ev.checkpoint, "Checkpoint (.safetensors)")->required();
  e->add_option("--data", ev.data_dir, "Dataset directory");
  e->add_option("--threads", ev.threads, "Worker threads")->check(CLI::Range(1, 256));
  e->add_flag("--json", ev.json, "One JSON object a line");

  ts::cli::CheckOptions check;
  auto* c = app.add_subcommand(
      "check", "Check that a run directory's files and newest checkpoint read back");
  c->add_option("run_dir", check.run_dir, "Run directory")->required();
  c->add_option("--data", check.data_dir, "Dataset directory");

  ts::cli::BenchOptions bench;
  auto* b = app.add_subcommand("bench", "Training throughput of LeNet-300-100 and Conv-2");
  b->add_flag("--json", bench.json, "One JSON object a line");
  b->add_option("--seconds", bench.seconds, "Seconds measured per configuration")
      ->check(CLI::Range(0.1, 600.0));
  b->add_option("--threads", bench.threads, "Thread counts to measure")->check(CLI::Range(1, 256));
  b->add_option("--models", bench.models, "lenet-300-100, conv-2")
      ->check(CLI::IsMember({"lenet-300-100", "conv-2"}));
  b->add_flag("--publishing", bench.publishing,
              "Throughput of the live trainer with per-layer statistics on and off, and the "
              "longest series push while a reader copies");
  b->add_flag("--prune-curve", bench.prune_curve,
              "Time the pruning curves of LeNet-300-100's fc1 on MNIST, incremental and naive");
  b->add_flag("--landscape", bench.landscape,
              "Time a 41x41 loss slice (10,000 images) and the top Hessian eigenvalue (2,048) "
              "of LeNet-300-100, and a 21x21 slice of Conv-2 (2,000), instead, on the last "
              "--threads");
  b->add_flag("--concurrent-runs", bench.concurrent_runs,
              "Total samples/s of 1, 2 and 4 LeNet-300-100 runs training at once, sharing the "
              "machine's threads");
  b->add_flag("--row-balance", bench.row_balance,
              "Samples/s with the first dense layer's rows shared by the threads' busy time "
              "over shared evenly, in pairs of rounds, on the last --threads");
  b->add_option("--data", bench.data_dir, "Dataset directory (for --prune-curve)");

  ts::cli::LotteryOptions lot;
  auto* l = app.add_subcommand(
      "lottery", "Lottery tickets: iterative magnitude pruning with rewinding, and its control");
  l->add_option("--config", lot.config, "Experiment config (JSON)");
  l->add_option("--preset", lot.preset, "Preset name (default lenet-300-100-mnist)");
  l->add_option("--set", lot.sets,
                "Change the config: a dotted key and a value, e.g. schedule.lr=0.001 or "
                "optimizer.type=adam (repeatable)")
      ->allow_extra_args(false);
  l->add_option("--out", lot.out,
                "Output directory for lottery.csv and lottery.svg (default runs/lottery-<time>)");
  l->add_option("--rounds", lot.rounds, "Pruning rounds after the dense one")
      ->check(CLI::Range(1, 100));
  l->add_option("--rate", lot.rate, "Fraction of each layer's remaining weights removed per round");
  l->add_option("--output-rate", lot.output_rate, "The same for the output layer");
  l->add_option("--steps", lot.steps, "Training steps per round (default: the experiment's)")
      ->check(kPositiveCount);
  l->add_option("--epochs", lot.epochs, "Training epochs per round")->check(kPositiveCount);
  l->add_option("--rewind-step", lot.rewind_step,
                "Rewind survivors to their values at this step (0: initialization)");
  l->add_flag("--no-control", lot.no_control, "Skip the re-sampled control");
  l->add_option("--layers", lot.layers, "Layers to prune (default: all)")->delimiter(',');
  l->add_option("--threads", lot.threads, "Worker threads")->check(CLI::Range(1, 256));
  l->add_option("--seed", lot.seed, "Seed")->check(CLI::Range(uint64_t(0), uint64_t(INT64_MAX)));
  l->add_option("--data", lot.data_dir, "Dataset directory");

  ts::cli::AnalyzeOptions an;
  auto* a = app.add_subcommand(
      "analyze",
      "Unit geometry, pruning curves, spectra, update projections, LR range test, pruning with "
      "retraining, interpolation, loss landscape and sharpness on a checkpoint; CSV, SVG and "
      "PNG into the run directory");
  a->add_option("--checkpoint", an.checkpoint, "Checkpoint (.safetensors)")->required();
  a->add_option("--set", an.sets,
                "Change the checkpoint's config: a dotted key and a value, e.g. "
                "optimizer.type=adam (repeatable)")
      ->allow_extra_args(false);
  a->add_option("--out", an.out, "Output directory (default <run>/analysis/step-<N>)");
  a->add_option("--what", an.what,
                "geometry, curves, spectra, update, lr-range, retrain, interpolation, sharpness, "
                "landscape (default: all)")
      ->delimiter(',');
  a->add_option("--layer", an.layer, "Dense layer for the pruning curves (default fc1)");
  a->add_option("--clusters", an.clusters, "k of the spherical k-means (default 4)")
      ->check(CLI::Range(1, 1000));
  a->add_option("--seed", an.seed, "Seed of the clustering");
  a->add_option("--retrain-steps", an.retrain_steps,
                "Fine-tuning steps per sparsity (default 1000)")
      ->check(CLI::Range(int64_t(0), int64_t(10000000)));
  a->add_option("--retrain-lr", an.retrain_lr, "Fine-tuning learning rate (default 0.01)");
  a->add_option("--lr-range-from", an.lr_range_from,
                "Start the range test from the initialization (init, default) or the checkpoint");
  a->add_option("--interpolation-range", an.interpolation_range,
                "alpha from,to of the line from the initialization (default 0,1)")
      ->delimiter(',')
      ->expected(2);
  a->add_option("--interpolate-to", an.interpolate_to,
                "Another run's checkpoint of the same model: the line goes from this checkpoint "
                "to it (a barrier between two minima, or none)");
  a->add_option("--interpolation-points", an.interpolation_points,
                "Points along the line (default 26)");
  a->add_option("--interpolation-samples", an.interpolation_samples,
                "Training images the line's training loss is over (default 10000)");
  a->add_option("--landscape-grid", an.landscape_grid,
                "Points a side of the 2-D slice (default 41)");
  a->add_option("--landscape-directions", an.landscape_directions,
                "random (filter-normalized, default) or trajectory (the plane of the two principal "
                "directions of the run's checkpoints, its path in landscape-path.csv)");
  a->add_option(
      "--landscape-span", an.landscape_span,
      "The slice covers [-span, span]^2 in units of the weights' norms (default 1, at most "
      "100)");
  a->add_option("--landscape-samples", an.landscape_samples,
                "Test images the slice's loss is over (default 10000)");
  a->add_option("--sharpness-samples", an.sharpness_samples,
                "The first N training images the Hessian is of (default 2048)");
  a->add_option("--trace-probes", an.trace_probes,
                "Hutchinson probes of the Hessian's trace (default 10; 0: none)")
      ->check(CLI::Range(0, 100000));
  a->add_option("--hessian", an.hessian,
                "Hessian-vector products: exact (default, forward over backward, in float) or "
                "differences (central differences of gradients, in double)")
      ->check(CLI::IsMember({"exact", "differences"}));
  a->add_option("--threads", an.threads, "Worker threads")->check(CLI::Range(1, 256));
  a->add_option("--data", an.data_dir, "Dataset directory");

  ts::cli::ExportOptions ex;
  auto* x = app.add_subcommand(
      "export", "Draw a chart of a run directory as PNG (no display needed), SVG or CSV");
  x->add_option("run_dir", ex.run_dir, "Run directory");
  add_chart_files(x, ex.files);
  x->add_flag("--list", ex.list, "List the charts and exit");

  ts::cli::StudyOptions st;
  auto* sd = app.add_subcommand(
      "study", "Train every run of a study side by side; summary table and overlaid charts");
  sd->add_option("study", st.study, "Study file, or the name of a shipped one (--list)");
  sd->add_option("--out", st.out, "Output directory (default runs/study-<name>-<time>)");
  sd->add_option("--steps", st.steps, "Every run's length in steps (fork steps scale with it)")
      ->check(kPositiveCount);
  sd->add_option("--epochs", st.epochs, "Every run's length in epochs")->check(kPositiveCount);
  sd->add_option("--threads", st.threads, "Worker threads of each run")->check(CLI::Range(1, 256));
  sd->add_option("--jobs", st.jobs, "Runs training at once (default 1)")->check(CLI::Range(1, 64));
  sd->add_option("--data", st.data_dir, "Dataset directory");
  sd->add_flag("--list", st.list, "List the shipped studies and exit");
  sd->add_flag("--quiet", st.quiet, "No progress lines");

  ts::cli::CompareOptions cmp;
  auto* cm = app.add_subcommand(
      "compare", "Draw one chart of several run directories overlaid (PNG, SVG, CSV)");
  cm->add_option("run_dirs", cmp.run_dirs, "Run directories")->required();
  add_chart_files(cm, cmp.files);

  ts::cli::SweepPlanOptions sp;
  auto* sw = app.add_subcommand(
      "sweep", "Sweeps of hyperparameters: plan, run (here, on Slurm, over ssh), follow");
  sw->require_subcommand(1);
  auto* swp = sw->add_subcommand(
      "plan", "Write DIR/manifest.json and DIR/<run>/config.json for every run of a sweep file");
  swp->add_option("sweep", sp.sweep, "Sweep file (JSON: base, set, grid, random)")->required();
  swp->add_option("--out", sp.out, "Directory of the sweep's runs")->required();
  swp->add_flag("--force", sp.force, "Replace the plan of another sweep in that directory");
  ts::cli::SweepTaskOptions stk;
  auto* swt = sw->add_subcommand(
      "task", "Run one run of a planned sweep to its end (resumes it; exit 75: requeue me)");
  swt->add_option("dir", stk.dir, "The sweep's directory")->required();
  swt->add_option("index", stk.index, "The run's index in the manifest, from 0")->required();
  swt->add_option("--threads", stk.threads, "Worker threads")->check(CLI::Range(1, 256));
  swt->add_option("--checkpoint-seconds", stk.checkpoint_seconds,
                  "A checkpoint every so many seconds of training (default 300; 0: none)")
      ->check(CLI::Range(0.0, 1e9));
  swt->add_flag("--retry", stk.retry, "Run the run again when it failed before");
  swt->add_option("--data", stk.data_dir, "Dataset directory");
  swt->add_flag("--quiet", stk.quiet, "No progress lines");
  ts::cli::SweepRunOptions srn;
  auto* swr = sw->add_subcommand(
      "run", "Run a planned sweep's pending runs on this machine, K at a time (resumable)");
  swr->add_option("dir", srn.dir, "The sweep's directory")->required();
  swr->add_flag("--local", srn.local, "On this machine (required: say where the runs go)")
      ->required();
  swr->add_option("--jobs", srn.jobs, "Runs training at once (default 1)")
      ->check(CLI::Range(1, 64));
  swr->add_option("--threads", srn.threads, "Worker threads of each run (default: cores / jobs)")
      ->check(CLI::Range(1, 256));
  swr->add_option("--checkpoint-seconds", srn.checkpoint_seconds,
                  "A checkpoint every so many seconds of each run's training (default 300)")
      ->check(CLI::Range(0.0, 1e9));
  swr->add_flag("--retry", srn.retry, "Run failed runs again");
  swr->add_option("--data", srn.data_dir, "Dataset directory");
  ts::cli::SweepStatusOptions sst;
  auto* sws = sw->add_subcommand(
      "status", "How far a sweep is: done, running, failed, pending; failures; the best runs");
  sws->add_option("dir", sst.dir, "The sweep's directory")->required();
  sws->add_flag("--json", sst.json, "One JSON object");
  sws->add_option("--metric", sst.metric,
                  "Rank by best_validation_accuracy (default), validation_accuracy, "
                  "test_accuracy or train_loss");
  sws->add_option("--top", sst.top, "How many of the best runs (default 5)")
      ->check(CLI::Range(0, 100000));
  ts::cli::SweepSlurmOptions ssl;
  auto* swl = sw->add_subcommand(
      "slurm", "Write DIR/slurm.sh, a Slurm job array of the sweep's runs; --submit sends it");
  swl->add_option("dir", ssl.dir, "The sweep's directory")->required();
  swl->add_option("--partition", ssl.partition, "Slurm partition");
  swl->add_option("--time", ssl.time, "Time limit of each task (Slurm's form: 30, 2:00:00, ...)");
  swl->add_option("--cpus-per-task", ssl.cpus_per_task, "Cores of each task (default 2)")
      ->check(CLI::Range(1, 1024));
  swl->add_option("--max-parallel", ssl.max_parallel, "Tasks running at once (default: any)")
      ->check(CLI::Range(1, 100000));
  swl->add_option("--checkpoint-seconds", ssl.checkpoint_seconds,
                  "A checkpoint every so many seconds of each task (default 300)")
      ->check(CLI::Range(0.0, 1e9));
  swl->add_flag("--submit", ssl.submit, "Submit it with sbatch and record the job id");
  ts::cli::SweepParallelOptions spl;
  auto* swg = sw->add_subcommand(
      "parallel", "Print the GNU parallel command that runs the sweep over ssh hosts");
  swg->add_option("dir", spl.dir, "The sweep's directory")->required();
  swg->add_option("--hosts", spl.hosts,
                  "Hosts as GNU parallel's --sshlogin takes them (N/host runs N there; ':' is "
                  "this machine)")
      ->delimiter(',');
  swg->add_option("--jobs-per-host", spl.jobs_per_host, "Runs at once on each host (default 1)")
      ->check(CLI::Range(1, 1024));
  swg->add_option("--threads", spl.threads, "Worker threads of each run (default 1)")
      ->check(CLI::Range(1, 256));

  CLI11_PARSE(app, argc, argv);
  // Past a file size limit, write() then fails with EFBIG and the run says which file,
  // instead of the process being killed by SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  // Eigen's products take their packing buffers from the heap on every call; keep freed
  // memory in the process so no step pays for returning pages to the kernel and faulting
  // them back in.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  try {
    if (t->parsed()) return ts::cli::train(train);
    if (e->parsed()) return ts::cli::eval(ev);
    if (b->parsed()) return ts::cli::bench(bench);
    if (c->parsed()) return ts::cli::check(check);
    if (l->parsed()) return ts::cli::lottery(lot);
    if (a->parsed()) return ts::cli::analyze(an);
    if (x->parsed()) return ts::cli::export_chart(ex);
    if (sd->parsed()) return ts::cli::study(st);
    if (cm->parsed()) return ts::cli::compare(cmp);
    if (swp->parsed()) return ts::cli::sweep_plan(sp);
    if (swt->parsed()) return ts::cli::sweep_task(stk);
    if (swr->parsed()) return ts::cli::sweep_run(srn);
    if (sws->parsed()) return ts::cli::sweep_status(sst);
    if (swl->parsed()) return ts::cli::sweep_slurm(ssl);
    if (swg->parsed()) return ts::cli::sweep_parallel(spl);
  } catch (const ts::Error& err) {
    std::fprintf(stderr, "trainscope-cli: %s\n", err.what());
    return 2;
  } catch (const std::exception& err) {
    std::fprintf(stderr, "trainscope-cli: unexpected error: %s\n", err.what());
    return 2;
  }
  return 1;
}
