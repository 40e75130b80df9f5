// `trainscope-cli study`: every run of a study (core/experiment/study.h) trained headless into
// its own run directory, K at a time, then a summary table and the overlaid charts.
//
// A run that others fork stops at each fork step: its exact state is captured and its tables
// (flushed at the pause) are copied into the fork's directory, whose recorder then drops the
// rows after the fork step. So a fork's files hold its parent's history up to the fork and
// its own after, and its curves start at step 0.
#include "app/cli/commands.h"
#include "core/chart/overlay_chart.h"
#include "core/chart/run_charts.h"
#include "core/data/builtin_datasets.h"
#include "core/error.h"
#include "core/experiment/config_changes.h"
#include "core/experiment/experiment_data.h"
#include "core/experiment/experiment_json.h"
#include "core/experiment/presets.h"
#include "core/experiment/study.h"
#include "core/io/atomic_file.h"
#include "core/io/csv_writer.h"
#include "core/io/run_dir.h"
#include "core/io/run_table.h"
#include "core/run/checkpoint.h"
#include "core/run/run.h"
#include "core/run/run_summary.h"
#include "core/text_format.h"
#include "core/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace ts::cli {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
void on_signal(int) { g_interrupted = 1; }

using Clock = std::chrono::steady_clock;

struct RunResult {
  bool ended = false;
  bool diverged = false;  // its loss or gradient became NaN, Inf or a spike: a result
  std::string error;      // empty when it trained to its end
  std::string averages;   // the final evaluations of its averages: "ema average 97.9%"
  double seconds = 0;
};

// "ema average 97.91%" from a final event's "ema average: test loss 0.07, accuracy 0.9791".
std::string final_accuracy(const std::string& detail) {
  const auto colon = detail.find(": test loss ");
  const auto acc = detail.rfind(", accuracy ");
  if (colon == std::string::npos || acc == std::string::npos) return detail;
  try {
    return detail.substr(0, colon) + " " +
           format_fixed(100.0 * std::stod(detail.substr(acc + 11)), 2) + "%";
  } catch (const std::exception&) {
    return detail;
  }
}

// What the runs share while K of them train: the captured states forks start from, and
// which runs are done.
struct Board {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::pair<std::size_t, int64_t>, std::shared_ptr<const StateCapture>> states;
  std::vector<RunResult> results;
  std::vector<bool> started;
  int active = 0;
};

// Trains until the trainer stops (the plan's end), stopping at each of `stops` to call
// `at_stop`. A scripted pause or step count is resumed: headless, nobody presses resume.
// Returns the problem that stopped it early, or "".
std::string drive(Trainer& t, const std::vector<int64_t>& stops,
                  const std::function<void(int64_t)>& at_stop) {
  std::size_t next = 0;
  const auto reached = [&] {
    while (next < stops.size() && stops[next] <= t.step()) at_stop(stops[next++]);
  };
  const auto go = [&] {
    if (next < stops.size())
      t.submit(cmd::Step{stops[next] - t.step()});
    else
      t.submit(cmd::Start{});
  };
  reached();
  go();
  std::string problem;
  while (true) {
    if (!t.wait_settled(std::chrono::milliseconds(100))) {
      if (g_interrupted && problem.empty()) {
        problem = "interrupted";
        t.submit(cmd::Stop{});
      }
      continue;
    }
    const auto st = t.status();
    if (st->state == TrainerState::stopped) return problem;
    if (!problem.empty()) continue;
    if (!st->problem.empty()) {
      problem = st->problem;  // diverged, or a scripted command failed
      t.submit(cmd::Stop{});
      continue;
    }
    reached();
    go();
  }
}

// Each layer's activation std at the run's first probe (layers.csv), in layer order: the
// lectures' table of what an initialization does to the activations, layer by layer. Empty
// when the run recorded no statistics.
std::vector<std::pair<std::string, double>> first_activation_std(const std::filesystem::path& run) {
  std::vector<std::pair<std::string, double>> out;
  std::error_code ec;
  if (!std::filesystem::exists(run / "layers.csv", ec)) return out;
  const RunTable t = read_run_table(run, "layers.csv");
  const std::size_t step = t.column("step"), layer = t.column("layer"), sd = t.column("act_std");
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    if (t.number(i, step) != t.number(0, step)) break;
    out.emplace_back(t.rows[i][layer], t.number(i, sd));
  }
  return out;
}

std::string run_label(const Study& s, std::size_t i) {
  return "[" + std::to_string(i + 1) + "/" + std::to_string(s.runs.size()) + "] " + s.runs[i].name;
}

}  // namespace

int study(const StudyOptions& o) {
  if (o.list) {
    const auto names = list_presets(studies_dir());
    int width = 0;
    for (const auto& name : names) width = std::max(width, int(name.size()));
    for (const auto& name : names) {
      const Study s = read_study(studies_dir() / (name + ".json"));
      std::printf("%-*s %zu runs  %s\n", width, name.c_str(), s.runs.size(), s.description.c_str());
    }
    return 0;
  }
  if (o.study.empty())
    throw Error("study: give a study file or the name of a shipped one (--list)");
  Study s = read_study(find_study(o.study));
  // The planned lengths before --steps/--epochs: a fork's step scales with its parent's.
  std::vector<ExperimentConfig> as_written;
  for (auto& r : s.runs) {
    as_written.push_back(r.config);
    if (o.steps) r.config.training.steps = *o.steps;
    if (o.epochs) {
      r.config.training.epochs = *o.epochs;
      if (!o.steps) r.config.training.steps = 0;
    }
    if (o.threads) r.config.training.threads = *o.threads;
  }
  const std::filesystem::path out = o.out.empty() ? default_run_dir("study-" + s.name) : o.out;
  std::filesystem::create_directories(out);
  for (const auto& r : s.runs)
    if (std::filesystem::exists(out / r.name / "metrics.csv"))
      throw Error("study: " + (out / r.name).string() + " already holds a run; give another --out");

  // Each dataset once: runs of one study mostly share theirs.
  const auto dir = data_dir(o.data_dir);
  std::map<std::string, std::shared_ptr<const DataSplits>> datasets;
  std::vector<std::unique_ptr<Run>> fresh(s.runs.size());
  std::vector<std::shared_ptr<const DataSplits>> data(s.runs.size());
  for (std::size_t i = 0; i < s.runs.size(); ++i) {
    StudyRun& r = s.runs[i];
    const std::string key = data_key(r.config);
    if (!datasets.count(key)) datasets[key] = load_experiment_data(r.config, dir);
    data[i] = datasets[key];
    if (r.fork) {
      // Scale the fork's step when the lengths were changed; it must fall inside the plan.
      const auto& parent = *fresh[r.fork->parent];
      const int64_t per_epoch = parent.steps_per_epoch();
      const ExperimentConfig& w = as_written[r.fork->parent];
      const int64_t written =
          w.training.steps > 0 ? w.training.steps : w.training.epochs * per_epoch;
      const int64_t planned = parent.planned_steps();
      if (planned != written && written > 0)
        r.fork->at = int64_t(double(r.fork->at) * double(planned) / double(written) + 0.5);
      if (r.fork->at >= planned)
        throw Error("study: " + r.name + " forks " + s.runs[r.fork->parent].name + " at step " +
                    std::to_string(r.fork->at) + ", past its " + std::to_string(planned) +
                    " planned steps");
    }
    fresh[i] = std::make_unique<Run>(r.config, data[i]);
  }
  if (!o.quiet)
    std::fprintf(stderr, "study %s: %zu runs into %s, %d at a time\n", s.name.c_str(),
                 s.runs.size(), out.string().c_str(), o.jobs);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  Board board;
  board.results.resize(s.runs.size());
  board.started.assign(s.runs.size(), false);
  const auto train_one = [&](std::size_t i) {
    const StudyRun& r = s.runs[i];
    const auto t0 = Clock::now();
    RunResult result;
    try {
      TrainerOptions topt;
      topt.run_dir = out / r.name;
      topt.stop_at_plan_end = true;
      topt.data_dir = dir;
      std::unique_ptr<Run> run;
      if (r.fork) {
        std::shared_ptr<const StateCapture> from;
        {
          std::lock_guard lock(board.mutex);
          from = board.states.at({r.fork->parent, r.fork->at});
        }
        RunState state = from->state;
        take_plan(state.config, r.config);
        run = restored_run(state, from->data);
        topt.append = true;  // the parent's tables, copied; rows after the fork step go
        topt.fork_of = s.runs[r.fork->parent].name + " at step " + std::to_string(r.fork->at);
      } else {
        run = std::move(fresh[i]);
      }
      if (r.init_from) {
        // Transfer: the source's final weights, layer by layer where names and shapes match.
        const std::string& source = s.runs[r.init_from->run].name;
        const auto ck = RunDir::list_checkpoints(out / source / "checkpoints");
        if (ck.empty()) throw Error("no checkpoint of " + source + " to start from");
        if (load_weights(*run, ck.back().path, r.init_from->layers).empty())
          throw Error("no layer of " + source + " matches this run's by name and shape");
      }
      Trainer t(std::move(run), topt);
      for (const Command& c : r.commands) t.submit(c);
      const auto forks = fork_steps(s, i);
      result.error = drive(t, forks, [&](int64_t at) {
        auto capture = t.capture().get();
        // The tables up to here, flushed at the pause, become each fork's beginning.
        for (std::size_t k = 0; k < s.runs.size(); ++k) {
          const auto& f = s.runs[k].fork;
          if (!f || f->parent != i || f->at != at) continue;
          const auto to = out / s.runs[k].name;
          std::filesystem::create_directories(to);
          copy_run_tables(topt.run_dir, to);
        }
        std::lock_guard lock(board.mutex);
        board.states[{i, at}] = std::move(capture);
        board.changed.notify_all();
      });
      for (std::size_t k = 0; k < t.events().size(); ++k) {
        const Event& e = t.events()[k];
        result.diverged |= e.kind == EventKind::divergence;
        if (e.kind == EventKind::final)
          result.averages += (result.averages.empty() ? "" : ", ") + final_accuracy(e.detail);
      }
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!o.quiet)
      std::fprintf(stderr, "%s: %s (%.1f s)\n", run_label(s, i).c_str(),
                   result.error.empty() ? "done"
                   : result.diverged    ? ("diverged: " + result.error).c_str()
                                        : result.error.c_str(),
                   result.seconds);
    result.ended = true;
    std::lock_guard lock(board.mutex);
    board.results[i] = result;
    --board.active;
    board.changed.notify_all();
  };

  // K at a time: a fork starts once its parent's state at the fork step is captured (or its
  // parent ended without reaching it: then it fails, naming why).
  std::vector<std::thread> threads;
  {
    std::unique_lock lock(board.mutex);
    while (true) {
      for (std::size_t i = 0; i < s.runs.size() && board.active < o.jobs; ++i) {
        if (board.started[i]) continue;
        const auto& f = s.runs[i].fork;
        // A transfer waits for its source to end; it cannot start from a failed one.
        if (const auto& in = s.runs[i].init_from) {
          const RunResult& source = board.results[in->run];
          if (!source.ended) continue;
          if (!source.error.empty()) {
            board.started[i] = true;
            RunResult& res = board.results[i];
            res.ended = true;
            res.error = "its source " + s.runs[in->run].name + " did not finish: " + source.error;
            board.changed.notify_all();
            continue;
          }
        }
        if (f && !board.states.count({f->parent, f->at})) {
          if (!board.results[f->parent].ended) continue;
          board.started[i] = true;
          RunResult& res = board.results[i];
          res.ended = true;
          res.error = "its parent " + s.runs[f->parent].name + " ended before step " +
                      std::to_string(f->at) + ": " + board.results[f->parent].error;
          board.changed.notify_all();
          continue;
        }
        board.started[i] = true;
        ++board.active;
        threads.emplace_back(train_one, i);
      }
      const bool all_started =
          std::all_of(board.started.begin(), board.started.end(), [](bool b) { return b; });
      if (all_started && board.active == 0) break;
      board.changed.wait(lock);
    }
  }
  for (auto& th : threads) th.join();

  // The summary: a row per run from its metrics.csv, what differs from the first run.
  std::vector<std::vector<std::string>> rows{
      {"run", "status", "forked_from", "fork_step", "steps", "final_train_loss",
       "best_validation_accuracy", "best_validation_step", "final_validation_accuracy",
       "test_accuracy", "averages", "seconds", "differs", "error"}};
  const bool averaged = std::any_of(board.results.begin(), board.results.end(),
                                    [](const RunResult& r) { return !r.averages.empty(); });
  std::string md = "# " + s.name + "\n\n" + (s.description.empty() ? "" : s.description + "\n\n") +
                   "| run | steps | final train loss | best val. acc. | final val. acc. | test "
                   "acc. | " +
                   (averaged ? "averages (test acc.) | " : "") + "seconds | differs from " +
                   s.runs[0].name + " |\n|---|---:|---:|---:|---:|---:|" +
                   (averaged ? "---|" : "") + "---:|---|\n";
  const auto cell = [](const std::optional<double>& v) {
    return v ? csv_field(*v) : std::string();
  };
  const auto pct = [](const std::optional<double>& v) {
    return v ? format_fixed(100.0 * *v, 2) + "%" : std::string("-");
  };
  int failed = 0;
  std::vector<RunChart> loss, accuracy, rate;
  for (std::size_t i = 0; i < s.runs.size(); ++i) {
    const StudyRun& r = s.runs[i];
    const RunResult& res = board.results[i];
    RunSummary sum;
    std::string error = res.error;
    try {
      sum = summarize_run(out / r.name);
      // Each run's per-step series faint under its moving average, as the window draws it:
      // raw, nine runs' steps hide each other's validation lines.
      loss.push_back({r.name, run_chart(out / r.name, "loss", {}, 0.9)});
      accuracy.push_back({r.name, run_chart(out / r.name, "accuracy", {}, 0.9)});
      // The rate of every step, and where the run tracked it the sharpness against 2 / lr.
      rate.push_back({r.name, run_chart(out / r.name, "lr")});
    } catch (const Error& e) {
      if (error.empty()) error = e.what();
    }
    const std::string status = error.empty() ? "done" : res.diverged ? "diverged" : "failed";
    failed += status == "failed";
    const std::string from = r.fork ? s.runs[r.fork->parent].name : "";
    std::string differs = r.difference;
    if (r.fork)
      differs = "fork of " + from + " at step " + std::to_string(r.fork->at) +
                (differs.empty() ? "" : ": " + differs);
    if (r.init_from) {
      const auto& layers = r.init_from->layers;
      differs += std::string(differs.empty() ? "" : "; ") + "weights of " +
                 (layers.empty() ? std::string("every matching layer") : join(layers)) + " from " +
                 s.runs[r.init_from->run].name;
    }
    rows.push_back({r.name, status, from, r.fork ? std::to_string(r.fork->at) : "",
                    std::to_string(sum.steps), cell(sum.train_loss),
                    cell(sum.best_validation_accuracy), std::to_string(sum.best_validation_step),
                    cell(sum.validation_accuracy), cell(sum.test_accuracy), res.averages,
                    format_fixed(res.seconds, 1), differs, error});
    md += "| " + r.name + " | " + std::to_string(sum.steps) + " | " +
          (sum.train_loss ? format_fixed(*sum.train_loss, 4) : "-") + " | " +
          pct(sum.best_validation_accuracy) + " | " + pct(sum.validation_accuracy) + " | " +
          pct(sum.test_accuracy) + " | " + (averaged ? res.averages + " | " : "") +
          format_fixed(res.seconds, 1) + " | " + (error.empty() ? differs : status + ": " + error) +
          " |\n";
  }
  // The activations at the start, side by side: a row per run, a column per layer.
  std::vector<std::vector<std::pair<std::string, double>>> stds;
  std::vector<std::string> layers;
  for (const auto& r : s.runs) {
    try {
      stds.push_back(first_activation_std(out / r.name));
    } catch (const Error&) {
      stds.emplace_back();
    }
    for (const auto& [layer, v] : stds.back())
      if (std::find(layers.begin(), layers.end(), layer) == layers.end()) layers.push_back(layer);
  }
  if (!layers.empty()) {
    std::vector<std::vector<std::string>> table{{"run"}};
    table[0].insert(table[0].end(), layers.begin(), layers.end());
    md += "\n## Activation std per layer at the first probe\n\n| run |";
    for (const auto& l : layers) md += " " + l + " |";
    md += "\n|---|";
    for (std::size_t k = 0; k < layers.size(); ++k) md += "---:|";
    md += "\n";
    for (std::size_t i = 0; i < s.runs.size(); ++i) {
      table.push_back({s.runs[i].name});
      md += "| " + s.runs[i].name + " |";
      for (const auto& l : layers) {
        const auto it = std::find_if(stds[i].begin(), stds[i].end(),
                                     [&](const auto& p) { return p.first == l; });
        const bool have = it != stds[i].end() && std::isfinite(it->second);
        table.back().push_back(have ? csv_field(it->second) : "");
        char three[32];
        std::snprintf(three, sizeof three, "%.3g", have ? it->second : 0.0);
        md += " " + (have ? std::string(three) : std::string("-")) + " |";
      }
      md += "\n";
    }
    write_file_atomic(out / "activations.csv", csv_text(table));
  }
  write_file_atomic(out / "summary.csv", csv_text(rows));
  write_file_atomic(out / "summary.md", md);
  const auto overlay = [&](const std::string& name, const std::vector<RunChart>& charts) {
    if (charts.empty()) return;
    SvgChart chart = overlay_charts(charts);
    chart.title = s.name + ": " + chart.title;
    write_svg(out / (name + ".svg"), chart);
    write_file_atomic(out / (name + ".csv"), chart_csv(chart));
  };
  overlay("loss", loss);
  overlay("accuracy", accuracy);
  overlay("lr", rate);
  std::printf("%s", md.c_str());
  std::printf("\nwrote %s/summary.csv, summary.md, loss.svg/.csv, accuracy.svg/.csv, lr.svg/.csv\n",
              out.string().c_str());
  if (g_interrupted) return 130;
  return failed ? 1 : 0;
}

}  // namespace ts::cli
