// `trainscope-cli lottery`: the lottery ticket experiment headless, a line per round, and
// its table (lottery.csv) and figure (lottery.svg) in the output directory.
#include "app/cli/commands.h"
#include "core/chart/analysis_charts.h"
#include "core/chart/analysis_tables.h"
#include "core/experiment/experiment_json.h"

#include "core/chart/svg_chart.h"
#include "core/data/builtin_datasets.h"
#include "core/error.h"
#include "core/experiment/experiment_data.h"
#include "core/io/atomic_file.h"
#include "core/io/csv_writer.h"
#include "core/procedures/lottery.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>

namespace ts::cli {

namespace {

std::atomic<bool> g_cancel{false};
void on_signal(int) { g_cancel = true; }

void write_results(const std::filesystem::path& dir, const std::vector<LotteryRound>& rounds,
                   bool control) {
  write_file_atomic(dir / "lottery.csv", csv_text(lottery_table(rounds)));
  write_file_atomic(dir / "lottery-units.csv", csv_text(lottery_spread_table(rounds)));
  write_svg(dir / "lottery.svg",
            std::vector<SvgChart>{lottery_chart(rounds, control), lottery_spread_chart(rounds)});
}

}  // namespace

int lottery(const LotteryOptions& o) {
  ExperimentConfig cfg = load_named_experiment(o.config, o.preset, o.sets);
  if (o.threads) cfg.training.threads = *o.threads;
  if (o.seed) cfg.training.seed = *o.seed;
  if (o.epochs) {
    cfg.training.epochs = *o.epochs;
    cfg.training.steps = 0;
  }
  LotterySettings s;
  s.rounds = o.rounds;
  s.rate = o.rate;
  s.output_rate = o.output_rate;
  s.rewind_step = o.rewind_step;
  s.control = !o.no_control;
  s.layers = o.layers;
  if (o.steps) s.steps = *o.steps;
  validate_lottery(s, cfg);
  const auto data = load_experiment_data(cfg, data_dir(o.data_dir));
  const std::filesystem::path out = o.out.empty() ? default_run_dir("lottery") : o.out;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw Error(out.string() + ": cannot create the output directory: " + ec.message());
  write_file_atomic(out / "config.json", to_json(cfg).dump(2) + "\n");

  std::fprintf(
      stderr,
      "%s: %s; %d rounds removing %g%% of each layer's remaining weights (output layer %g%%), "
      "rewinding to step %lld%s; results in %s\n",
      cfg.name.c_str(), data->note.c_str(), s.rounds, 100 * s.rate, 100 * s.output_rate,
      (long long)s.rewind_step, s.control ? ", with the re-sampled control" : "",
      out.string().c_str());
  std::printf("%5s %10s %10s %10s\n", "round", "remaining", "ticket", "control");
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::vector<LotteryRound> done;
  // The table is rewritten after every round, so an interrupted experiment keeps what it
  // finished.
  const auto rounds = lottery_ticket(cfg, data, s, {}, &g_cancel, [&](const LotteryRound& r) {
    std::printf("%5d %9.2f%% %9.2f%% ", r.round, 100 * r.remaining, 100 * r.ticket_accuracy);
    if (r.control_accuracy) std::printf("%9.2f%%", 100 * *r.control_accuracy);
    std::printf("\n");
    std::fflush(stdout);
    done.push_back(r);
    write_results(out, done, s.control);
  });
  if (rounds.empty()) write_results(out, rounds, s.control);  // the header, at least
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (g_cancel) {
    std::fprintf(stderr, "interrupted after %zu rounds; the table has them\n", rounds.size());
    return 130;
  }
  return 0;
}

}  // namespace ts::cli
