#include "app/window/lab_window.h"
#include "app/window/key_taps.h"

#include "app/plot/export_menu.h"
#include "app/plot/run_colors.h"
#include "core/data/builtin_datasets.h"
#include "core/error.h"
#include "core/experiment/config_changes.h"
#include "core/experiment/experiment_data.h"
#include "core/experiment/experiment_json.h"
#include "core/experiment/presets.h"
#include "core/experiment/sweep.h"
#include "core/io/run_dir.h"
#include "core/io/run_table.h"
#include "core/run/checkpoint.h"
#include "core/text_format.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace ts {

namespace {
constexpr ImGuiWindowFlags kPanel = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                    ImGuiWindowFlags_NoCollapse |
                                    ImGuiWindowFlags_NoBringToFrontOnFocus;

// The seconds a run spent training, as its series last timed them; 0 before its first step.
double seconds_trained(const TrainerMetrics& m) {
  const SeriesPoint* t = m.seconds.last();
  return t ? double(t->value) : 0.0;
}
}  // namespace

LabWindow::LabWindow(const LabOptions& options)
    : places_{data_dir(options.data_dir), options.runs_dir, options.export_dir},
      steps_(options.steps),
      open_tab_(options.tab),
      jobs_(std::make_unique<AnalysisJobs>(1)) {
  if (options.bench_points > 0) curves_.add_benchmark_series(options.bench_points);
  presets_ = list_presets(presets_dir());
  try {
    studies_ = list_presets(studies_dir());
  } catch (const Error&) {
    // No studies shipped beside the presets: the Study menu stays empty.
  }
  if (options.config.empty())
    load_preset(options.preset);
  else
    load_config_file(options.config);
  // More runs of the same experiment, side by side (to measure the window with several).
  for (int i = 1; i < options.runs && run_; ++i) {
    try {
      auto more = std::make_unique<LiveRun>(run_->config(), run_->name(), run_->data(), places_);
      add_run(std::move(more), false);
    } catch (const Error& e) {
      error_ = e.what();
    }
  }
  if (options.autostart)
    for (auto& r : runs_) r->trainer().submit(cmd::Start{});
  if (options.autostart && run_) event("start");
  for (const std::string& dir : options.follow) open_run_dir(dir);
  if (!options.study.empty()) {
    const auto it = std::find(studies_.begin(), studies_.end(), options.study);
    study_index_ = it == studies_.end() ? -1 : int(it - studies_.begin());
    open_study(options.study);
  }
}

void LabWindow::event(const std::string& text) {
  std::printf("event %s\n", text.c_str());
  std::fflush(stdout);
  // Every save is confirmed with its path (or its error) in the status bar.
  if (text.rfind("export ", 0) == 0) {
    const std::string what = text.substr(7);
    toast_ = what.rfind("error:", 0) == 0 ? "Export failed: " + what.substr(7) : "Saved " + what;
    toast_error_ = what.rfind("error:", 0) == 0;
    toast_until_ = ImGui::GetTime() + 8.0;
  }
}

void LabWindow::report(const char* name) {
  const ImVec2 lo = ImGui::GetItemRectMin(), hi = ImGui::GetItemRectMax();
  const std::pair<int, int> c{int((lo.x + hi.x) / 2), int((lo.y + hi.y) / 2)};
  auto it = reported_.find(name);
  if (it != reported_.end() && it->second == c) return;
  reported_[name] = c;
  std::printf("widget %s %d %d\n", name, c.first, c.second);
  std::fflush(stdout);
}

void LabWindow::reset_panels() {
  weights_.reset();
  pruning_.reset();
  instruments_.reset();
  landscape_.reset();
  schedule_.reset();
  layers_.reset();
  activations_reported_ = false;
  data_panel_.reset();
}

void LabWindow::add_run(std::unique_ptr<LiveRun> run, bool replace_untouched) {
  if (replace_untouched && run_ && run_->live() && run_->forked_from.empty() &&
      run_->status()->step == 0 && run_->trainer().state() != TrainerState::running) {
    if (run_->color + 1 == next_color_) --next_color_;  // its colour goes to the new run
    remove_run(selected_);
  }
  run->id = ++next_id_;
  run->color = next_color_++;
  if (run->label.empty()) run->label = run->live() ? "run " + std::to_string(run->id) : run->name();
  runs_.push_back(std::move(run));
  select_run(runs_.size() - 1);
}

void LabWindow::select_run(std::size_t index) {
  if (index >= runs_.size()) {
    run_ = nullptr;
    selected_ = 0;
    reset_panels();
    return;
  }
  const bool changed = run_ != runs_[index].get();
  selected_ = index;
  run_ = runs_[index].get();
  if (!changed) return;
  reset_panels();
  if (run_->live()) editor_.reset(run_->config(), run_->data()->train.size());
  event("select " + run_->label);
}

void LabWindow::remove_run(std::size_t index) {
  if (index >= runs_.size()) return;
  const std::string label = runs_[index]->label;
  curves_.forget(runs_[index]->id);
  if (run_ == runs_[index].get()) run_ = nullptr;
  runs_.erase(runs_.begin() + long(index));
  event("remove " + label);
  if (runs_.empty()) {
    select_run(0);
    return;
  }
  if (!run_) {
    select_run(std::min(index, runs_.size() - 1));
  } else {
    for (std::size_t i = 0; i < runs_.size(); ++i)
      if (runs_[i].get() == run_) selected_ = i;
  }
}

void LabWindow::open_run_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  try {
    std::error_code ec;
    if (fs::exists(fs::path(dir) / "manifest.json", ec)) {
      // A sweep: every planned run in the manifest's order, started or not, followed as the
      // tasks (here, on Slurm, over ssh) write them.
      const SweepPlan plan = read_sweep_plan(dir);
      for (std::size_t i = 0; i < plan.runs.size(); ++i) {
        auto run = std::make_unique<LiveRun>(plan.run_dir(i), places_.export_dir, true);
        run->label = plan.runs[i].name;
        run->sweep_values = plan.runs[i].values;
        add_run(std::move(run));
      }
      sweep_title_ = "sweep " + plan.name;
      open_tab_ = "sweep";
      event("open " + dir + " (sweep " + plan.name + ", " + std::to_string(plan.runs.size()) +
            " runs)");
      return;
    }
    if (!fs::exists(fs::path(dir) / "config.json", ec) && fs::is_directory(dir, ec)) {
      // A directory of runs (a study's or a sweep's): each run directory in it, by name.
      std::vector<fs::path> found;
      for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_directory() && fs::exists(e.path() / "config.json") &&
            fs::exists(e.path() / "metrics.csv"))
          found.push_back(e.path());
      if (found.empty())
        throw Error(dir + ": neither a run directory nor a directory of them (no config.json)");
      std::sort(found.begin(), found.end());
      // A study's runs in the study's order (its summary.csv), so the first is its baseline.
      if (fs::exists(fs::path(dir) / "summary.csv", ec)) {
        const RunTable t = read_run_table(dir, "summary.csv");
        const std::size_t c = t.column("run");
        std::vector<fs::path> ordered;
        for (const auto& row : t.rows) {
          const auto it = std::find(found.begin(), found.end(), fs::path(dir) / row[c]);
          if (it != found.end()) ordered.push_back(*it), found.erase(it);
        }
        ordered.insert(ordered.end(), found.begin(), found.end());
        found = std::move(ordered);
      }
      for (const auto& p : found) add_run(std::make_unique<LiveRun>(p, places_.export_dir));
      event("open " + dir + " (" + std::to_string(found.size()) + " runs)");
      return;
    }
    add_run(std::make_unique<LiveRun>(fs::path(dir), places_.export_dir));
    event("open " + dir);
  } catch (const Error& e) {
    error_ = e.what();
    event("open error: " + error_);
  }
}

void LabWindow::fork_run(LiveRun& parent, const CaptureOf& from_state, const ExperimentConfig& to,
                         const std::string& label, int study_run) {
  try {
    const ExperimentConfig from = parent.status()->config;
    std::vector<Command> changes = fork_commands(from, to);
    auto captured = parent.trainer().capture(from_state);
    // The capture is fulfilled between two of the parent's steps, and the parent's files are
    // copied: both on a thread of their own, so the window never waits on training.
    auto made =
        std::async(std::launch::async,
                   [captured = std::move(captured), changes = std::move(changes), to,
                    history = parent.trainer().metrics(), parent_dir = parent.dir(),
                    parent_label = parent.label, name = parent.name(), places = places_]() mutable {
                     const auto capture = captured.get();
                     ForkStart f;
                     RunState state = capture->state;
                     take_plan(state.config, to);
                     f.step = state.step;
                     f.run = restored_run(state, capture->data);
                     f.parent_dir = parent_dir;
                     f.parent_label = parent_label;
                     f.history = history;
                     f.changes = std::move(changes);
                     return std::make_unique<LiveRun>(to, name, capture->data, places, &f);
                   });
    forks_.push_back({std::move(made), parent.label, label, study_run});
    event("fork " + parent.label + " asked");
  } catch (const Error& e) {
    error_ = e.what();
    event("fork error: " + error_);
  }
}

void LabWindow::take_forks() {
  for (std::size_t i = 0; i < forks_.size();) {
    if (forks_[i].run.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      ++i;
      continue;
    }
    try {
      auto run = forks_[i].run.get();
      LiveRun* made = run.get();
      made->label = forks_[i].label;
      add_run(std::move(run), false);
      if (study_ && forks_[i].study_run >= 0) {
        study_->ids[std::size_t(forks_[i].study_run)] = made->id;
        start_study_run(std::size_t(forks_[i].study_run));
      }
      const std::string d = config_difference(runs_.front()->config(), made->config());
      event("forked " + made->label + " from " + made->forked_from + " at step " +
            std::to_string(made->fork_step) + (d.empty() ? "" : ": " + d));
    } catch (const std::exception& e) {
      error_ = std::string("Fork of ") + forks_[i].parent + " failed: " + e.what();
      event("fork error: " + error_);
    }
    forks_.erase(forks_.begin() + long(i));
  }
}

std::string LabWindow::open_or_fallback(ExperimentConfig config, const std::string& name) {
  std::string shown = name;
  if (!experiment_data_available(config, places_.data_dir)) {
    // The promised fallback: the program always starts, on a synthetic set, and says so.
    data_note_ = config.data.dataset + " is not installed in " + places_.data_dir.string() +
                 " (run `make data`); showing the two-spirals set instead.";
    shown = "spirals";
    config = load_experiment(presets_dir() / (shown + ".json"));
  } else {
    data_note_.clear();
  }
  if (steps_ > 0) config.training.steps = steps_;
  open_experiment(std::move(config), shown);
  return shown;
}

void LabWindow::load_preset(const std::string& name) {
  error_.clear();
  try {
    if (std::find(presets_.begin(), presets_.end(), name) == presets_.end()) {
      const bool file_like =
          name.find('/') != std::string::npos || std::filesystem::path(name).extension() == ".json";
      throw Error("--preset: " + unknown_preset(name) +
                  (file_like ? "; a config file opens with --config" : ""));
    }
    const std::string shown =
        open_or_fallback(load_experiment(presets_dir() / (name + ".json")), name);
    const auto it = std::find(presets_.begin(), presets_.end(), shown);
    preset_index_ = it == presets_.end() ? 0 : int(it - presets_.begin());
    preset_name_ = name;
    event("preset " + name);
  } catch (const Error& e) {
    error_ = e.what();
    if (!run_) preset_index_ = -1;  // nothing open: the list names none
    event("preset error: " + error_);
  }
}

void LabWindow::load_config_file(const std::string& path) {
  error_.clear();
  try {
    const std::string shown =
        open_or_fallback(load_experiment(path), std::filesystem::path(path).stem().string());
    const auto it = std::find(presets_.begin(), presets_.end(), shown);
    preset_index_ = it == presets_.end() ? -1 : int(it - presets_.begin());
    event("config " + path);
  } catch (const Error& e) {
    error_ = e.what();
    event("config error: " + error_);
  }
}

void LabWindow::open_experiment(ExperimentConfig config, const std::string& name,
                                std::shared_ptr<const DataSplits> data) {
  if (!data) data = load_experiment_data(config, places_.data_dir);
  add_run(std::make_unique<LiveRun>(std::move(config), name, std::move(data), places_));
}

void LabWindow::open_edited(ExperimentConfig config) {
  error_.clear();
  data_note_.clear();
  try {
    if (!experiment_data_available(config, places_.data_dir))
      throw Error(config.data.dataset + " is not installed in " + places_.data_dir.string() +
                  " (run `make data`)");
    open_experiment(std::move(config), "edited");
    const ExperimentConfig& c = run_->config();
    std::string layers;
    for (const auto& l : c.model.layers) {
      layers += " " + l.name + ":" + to_string(l.kind);
      if (l.kind == LayerKind::dense) layers += " " + std::to_string(l.units);
      if (l.kind == LayerKind::activation) layers += std::string(" ") + to_string(l.activation);
    }
    std::string inits;
    for (const auto& [name, spec] : c.layer_init)
      inits += " " + name + ":" + to_string(spec.kind) +
               (spec.kind == InitKind::gaussian ? " sigma " + format_number(spec.sigma) : "");
    event("experiment " + c.data.dataset + ":" + layers + " schedule " + schedule_name(c.schedule) +
          (inits.empty() ? "" : " init" + inits));
  } catch (const Error& e) {
    error_ = e.what();
    event("experiment error: " + error_);
  }
}

void LabWindow::new_run(bool keep_live_changes) {
  if (!run_ || !run_->live()) return;
  ExperimentConfig config = keep_live_changes ? run_->status()->config : run_->config();
  std::shared_ptr<const DataSplits> data = run_->data();  // live changes never touch the data
  const std::string name = run_->name();
  error_.clear();
  try {
    open_experiment(std::move(config), name, std::move(data));
    event(std::string("new run") + (keep_live_changes ? " with the live changes" : "") + " in " +
          (run_->trainer().run_dir().empty() ? std::string("(not recorded)")
                                             : run_->trainer().run_dir().string()));
  } catch (const Error& e) {
    error_ = e.what();
    event("new run error: " + error_);
  }
}

LabWindow::~LabWindow() {
  jobs_.reset();            // the analyses first: they may wait on the trainer's captures
  for (auto& f : forks_) {  // a fork being made holds a capture of its parent
    try {
      f.run.get();
    } catch (const std::exception&) {
    }
  }
  run_ = nullptr;
  runs_.clear();
}

void LabWindow::send(Command c, const std::string& what) {
  if (!run_ || !run_->live()) return;
  run_->trainer().submit(std::move(c));
  event(what);
}

AppSettings LabWindow::settings(AppSettings s) const {
  if (!preset_name_.empty()) s.preset = preset_name_;
  if (!shown_tab_.empty()) s.tab = shown_tab_;
  const CurvesPanel::View v = curves_.view();
  s.curve = v.curve;
  s.log_scale = v.log_scale;
  s.smoothing = v.smoothing;
  return s;
}

void LabWindow::restore_view(const AppSettings& s) {
  curves_.set_view({s.curve, s.log_scale, float(s.smoothing)});
}

bool LabWindow::training() const {
  return std::any_of(runs_.begin(), runs_.end(), [](const auto& r) {
    return r->live() && r->trainer().state() == TrainerState::running;
  });
}

void LabWindow::copy_series() {
  for (auto& r : runs_) {
    // For scripts: each event a run recorded; the selected run's as "applied", the others'
    // after their label.
    const std::vector<Event> events = r->poll();
    curves_.update(r->id, *r->metrics());
    for (const Event& e : events)
      std::printf("%s%s %lld %s %s\n", r.get() == run_ ? "" : ("run " + r->label + " ").c_str(),
                  r->live() ? "applied" : "read", (long long)e.step, to_string(e.kind),
                  e.detail.c_str());
    if (!events.empty()) std::fflush(stdout);
    if (!r->live() && r->status()->step != r->reported_step) {
      r->reported_step = r->status()->step;
      event("follow " + r->label + " step " + std::to_string(r->reported_step));
    }
  }
  if (run_ && run_->live() && !activations_reported_) report_activations();
}

// For scripts: the first probe of an experiment, each layer's activation and spread, so a
// test can see the histograms change with the preset.
void LabWindow::report_activations() {
  const auto m = run_->metrics();
  std::string line;
  for (const auto& l : m->layers) {
    if (l->histograms.size() == 0 || !l->act_std.last()) return;
    char part[96];
    std::snprintf(part, sizeof part, " %s:%s:std=%.4g", l->name.c_str(), to_string(l->activation),
                  double(l->act_std.last()->value));
    line += part;
  }
  if (line.empty()) return;
  activations_reported_ = true;
  const auto& probes = m->layers.front()->histograms;
  event("activations step " + std::to_string(probes[probes.size() - 1].step) + line);
}

void LabWindow::draw(float width, float height, FrameRate rate) {
  take_forks();
  drive_study();
  copy_series();
  share_cores();
  update_colours();
  if (run_) plot::set_export_source(run_->source());  // what the exports say they came from
  const float status_h = 26.f, left_w = 360.f;
  const float body_h = height - status_h;
  // The editor, when open, takes most of the left column.
  const float exp_h = body_h * (editing_ ? 0.8f : 0.33f);
  draw_experiment(0, 0, left_w, exp_h);
  draw_controls(0, exp_h, left_w, body_h - exp_h);
  // The plots keep their height; the runs' table, once there are several, takes its rows
  // from the panels above (a row each, scrolling past six).
  const float right_w = width - left_w, plots_top = body_h * 0.56f;
  const float row_h = ImGui::GetFrameHeight() + 4;
  const float runs_h = std::round(
      ImGui::GetFrameHeight() + 16 + ImGui::GetFrameHeightWithSpacing() +
      (runs_.size() > 1 ? row_h * float(1 + std::min<std::size_t>(runs_.size(), 6)) + 4 : 0));
  const float top_h = plots_top - runs_h;
  const float data_w = right_w * 0.42f;
  draw_data(left_w, 0, data_w, top_h);
  draw_layers(left_w + data_w, 0, right_w - data_w, top_h);
  draw_runs(left_w, top_h, right_w, runs_h);
  draw_plots(left_w, plots_top, right_w, body_h - plots_top);
  draw_status(body_h, width, rate);
  draw_toast(width, body_h);
}

void LabWindow::draw_runs(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  ImGui::Begin("Runs", nullptr, kPanel);
  std::vector<RunsPanel::Row> rows;
  for (auto& r : runs_) {
    const TrainerStatus& st = *r->status();
    RunsPanel::Row row;
    row.label = &r->label;
    row.visible = &r->visible;
    row.color = colour_of(*r);
    row.state = r->state_name();
    row.step = st.step;
    row.samples_per_s =
        r->live() && r->trainer().state() == TrainerState::running ? st.samples_per_s : 0;
    row.best_validation_accuracy = r->best_validation_accuracy();
    row.last_loss = curves_.last_loss(r->id);
    row.differs = r->differs_from(*runs_.front());
    row.status = r->live() ? r->status().get() : nullptr;
    rows.push_back(std::move(row));
  }
  const RunsPanel::Action a =
      runs_panel_.draw(rows, selected_, keys_, [this](const char* n) { report(n); });
  switch (a.kind) {
    case RunsPanel::Action::Kind::select:
      select_run(a.run);
      break;
    case RunsPanel::Action::Kind::remove:
      remove_run(a.run);
      break;
    case RunsPanel::Action::Kind::fork:
      fork_run(*runs_[a.run], a.from, a.to);
      break;
    case RunsPanel::Action::Kind::open:
      open_run_dir(a.path);
      break;
    case RunsPanel::Action::Kind::shown:
      event("show " + runs_[a.run]->label + (runs_[a.run]->visible ? " on" : " off"));
      break;
    case RunsPanel::Action::Kind::none:
      break;
  }
  ImGui::End();
}

void LabWindow::update_colours() {
  // Twice a second, or at once when the runs or the choice change: the live configs are
  // compared key by key.
  const double now = ImGui::GetTime();
  std::vector<int> ids;
  for (const auto& r : runs_) ids.push_back(r->id);
  if (now < keys_at_ + 0.5 && ids == keys_runs_ && runs_panel_.colour_by() == keys_by_) return;
  keys_at_ = now;
  keys_runs_ = std::move(ids);
  keys_by_ = runs_panel_.colour_by();
  std::vector<const ExperimentConfig*> configs;
  for (const auto& r : runs_) configs.push_back(&r->status()->config);
  keys_ = plot::differing_keys(configs);
  colours_.clear();
  if (keys_by_.empty()) return;
  const auto c = plot::colours_by(configs, keys_by_);
  for (std::size_t i = 0; i < runs_.size(); ++i) colours_[runs_[i]->id] = c[i];
}

std::string LabWindow::colour_of(const LiveRun& r) const {
  const auto it = colours_.find(r.id);
  return it != colours_.end() ? it->second : palette_color(r.color);
}

void LabWindow::read_only_note(const char* what) {
  ImGui::TextWrapped("%s is a read-only run: drawn from the files of %s. %s", run_->label.c_str(),
                     run_->dir().string().c_str(), what);
}

void LabWindow::draw_toast(float width, float bottom) {
  if (toast_.empty() || ImGui::GetTime() >= toast_until_) return;
  // The last save, over the bottom right corner of the plots: it covers nothing that moves
  // under the pointer and is never cut at the window's edge (it wraps).
  ImGui::SetNextWindowPos(ImVec2(width - 8, bottom - 8), ImGuiCond_Always, ImVec2(1, 1));
  ImGui::SetNextWindowBgAlpha(0.92f);
  ImGui::Begin("##toast", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                   ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_NoFocusOnAppearing |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoNav);
  const float wrap = std::min(ImGui::CalcTextSize(toast_.c_str()).x + 1, width * 0.6f);
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + wrap);
  ImGui::PushStyleColor(ImGuiCol_Text,
                        toast_error_ ? ImVec4(1.f, 0.47f, 0.4f, 1) : ImVec4(0.5f, 0.9f, 0.5f, 1));
  ImGui::TextUnformatted(toast_.c_str());
  ImGui::PopStyleColor();
  ImGui::PopTextWrapPos();
  report("toast");
  ImGui::End();
}

void LabWindow::draw_controls(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  ImGui::Begin("Controls", nullptr, kPanel);
  if (run_ && !run_->live()) {
    read_only_note(
        "Its curves and layers show beside the live runs'; it has no trainer to "
        "control. Fork or train it again from its config.json.");
    if (!run_->status()->problem.empty())
      ImGui::TextColored(ImVec4(1.f, 0.47f, 0.4f, 1), "%s", run_->status()->problem.c_str());
    ImGui::End();
    return;
  }
  if (run_) {
    const TrainerStatus& st = *run_->status();
    const float frac = st.planned > 0 ? std::min(1.f, float(st.step) / float(st.planned)) : 0.f;
    char overlay[64];
    std::snprintf(overlay, sizeof overlay, "step %lld / %lld   epoch %.2f", (long long)st.step,
                  (long long)st.planned, st.epoch);
    ImGui::ProgressBar(frac, ImVec2(-1, 0), overlay);
    // One line of numbers: no loss before the first step; after it a NaN is shown as it is.
    std::string line =
        "loss " + (st.step > 0 ? format_fixed(curves_.last_loss(run_->id), 4) : std::string("--"));
    if (st.last_evaluation)
      line += "   val " + format_fixed(100 * st.last_evaluation->validation.accuracy, 2) +
              "%   test " + format_fixed(100 * st.last_evaluation->test.accuracy, 2) + "%";
    else
      line += "   val --   test --";
    ImGui::TextUnformatted(line.c_str());
    report("numbers");
    // Messages in a box of constant height, so nothing below moves when one comes or goes
    // (a long one scrolls inside it).
    const float box_h =
        2 * ImGui::GetTextLineHeightWithSpacing() + ImGui::GetFrameHeightWithSpacing() + 6;
    ImGui::BeginChild("##messages", ImVec2(-1, box_h), false);
    // Early stopping, when the experiment asks for it.
    if (const auto& es = st.config.training.early_stopping) {
      const bool acc = es->metric == EarlyStopping::Metric::validation_accuracy;
      if (st.early_best)
        ImGui::TextDisabled("early stopping: best %s %s at step %lld, %d of %d without",
                            acc ? "accuracy" : "loss", format_number(*st.early_best).c_str(),
                            (long long)st.early_best_step, st.early_waited, es->patience);
      else
        ImGui::TextDisabled("early stopping: patience %d evaluations", es->patience);
    }
    if (st.planned > 0 && st.step >= st.planned && st.state != TrainerState::running)
      ImGui::TextColored(ImVec4(0.5f, 0.9f, 0.5f, 1),
                         "Reached the planned steps; Resume trains on.");
    if (!st.notice.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.5f, 0.9f, 0.5f, 1));
      ImGui::TextWrapped("%s", st.notice.c_str());
      ImGui::PopStyleColor();
    }
    if (!st.problem.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 120, 100, 255));
      ImGui::TextWrapped("%s", st.problem.c_str());
      ImGui::PopStyleColor();
    }
    if (!st.problem.empty() || !st.notice.empty()) {
      if (st.rewind_to) {
        char label[64];
        std::snprintf(label, sizeof label, "Rewind to step %lld", (long long)*st.rewind_to);
        if (ImGui::Button(label)) {
          cmd::Rewind c;
          c.target = RewindTarget::step;
          c.step = *st.rewind_to;
          send(c, "rewind " + std::to_string(*st.rewind_to));
        }
        report("rewind");
      }
      // After an outlier stop: loosen the outlier test or turn it off (NaN and Inf still pause).
      const double factor = st.config.monitor.spike_factor;
      if (st.problem.rfind("Training diverged: the ", 0) == 0 &&
          st.problem.find("outlier limit") != std::string::npos && factor > 0) {
        if (st.rewind_to) ImGui::SameLine();
        char label[64];
        std::snprintf(label, sizeof label, "Loosen to x%g", 3 * factor);
        if (ImGui::Button(label))
          send(cmd::Set{Setting::spike_factor, 3 * factor}, "set spike_factor");
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("Loosen the outlier limit of the divergence test.");
        report("loosen-outlier-test");
        ImGui::SameLine();
        if (ImGui::Button("Test off"))
          send(cmd::Set{Setting::spike_factor, 0.0}, "set spike_factor 0");
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("Turn the outlier test off: NaN and Inf still pause training.");
        report("outlier-test-off");
      }
    }
    ImGui::EndChild();
  }
  if (run_) {
    const ControlsPanel::NewRun asked = controls_.draw(
        run_->trainer(), *run_->status(), run_->live_changes(), take_space_tap(),
        [this](Command c, const std::string& what) { send(std::move(c), what); },
        [this](const char* name) { report(name); });
    if (asked != ControlsPanel::NewRun::none)
      new_run(asked == ControlsPanel::NewRun::with_live_changes);
  } else {
    ImGui::TextUnformatted("Choose a preset to start.");
  }
  ImGui::End();
}

void LabWindow::draw_layers(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  ImGui::Begin("Layers", nullptr, kPanel);
  if (run_)
    layers_.draw(
        *run_->metrics(), run_->exports_dir(), [this](const char* n) { report(n); },
        [this](const std::string& p) { event(p); });
  ImGui::End();
}

void LabWindow::draw_experiment(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  ImGui::Begin("Experiment", nullptr, kPanel);
  ImGui::TextUnformatted("Preset");
  ImGui::SetNextItemWidth(-1);
  const char* current = presets_.empty()    ? "(no presets found)"
                        : preset_index_ < 0 ? (run_ ? "(a config file)" : "(choose a preset)")
                                            : presets_[std::size_t(preset_index_)].c_str();
  if (ImGui::BeginCombo("##preset", current)) {
    for (int i = 0; i < int(presets_.size()); ++i) {
      if (ImGui::Selectable(presets_[std::size_t(i)].c_str(), i == preset_index_))
        load_preset(presets_[std::size_t(i)]);
      report(("preset-" + presets_[std::size_t(i)]).c_str());
    }
    ImGui::EndCombo();
  }
  report("preset");
  ImGui::TextUnformatted("Study: runs side by side");
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo("##study", study_index_ >= 0 ? studies_[std::size_t(study_index_)].c_str()
                                                     : "(open a study: its runs, overlaid)")) {
    for (int i = 0; i < int(studies_.size()); ++i) {
      if (ImGui::Selectable(studies_[std::size_t(i)].c_str(), i == study_index_)) {
        study_index_ = i;
        open_study(studies_[std::size_t(i)]);
      }
      report(("study-" + studies_[std::size_t(i)]).c_str());
    }
    ImGui::EndCombo();
  }
  report("study");
  // Near the top, so it opens in view; what it edits is summarised below.
  if (open_editor_) ImGui::SetNextItemOpen(true);
  open_editor_ = false;
  const bool editing = ImGui::CollapsingHeader("Edit the experiment");
  editing_ = editing;
  report("edit-experiment");
  if (editing) {
    if (auto edited = editor_.draw([this](const char* n) { report(n); },
                                   [this](const std::string& p) { event(p); }))
      open_edited(std::move(*edited));
  }
  ImGui::Separator();
  if (run_) ImGui::TextWrapped("%s: %s", run_->label.c_str(), run_->config().name.c_str());
  if (run_ && !run_->config().description.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(160, 165, 175, 255));
    ImGui::TextWrapped("%s", run_->config().description.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::Spacing();
  if (run_) {
    if (run_->live()) ImGui::TextWrapped("Data: %s", run_->data()->note.c_str());
    ImGui::Text("Model:");
    for (const auto& l : run_->config().model.layers) {
      std::string d = l.name + "  " + to_string(l.kind);
      if (l.kind == LayerKind::dense) d += " " + std::to_string(l.units);
      if (l.kind == LayerKind::conv2d)
        d += " " + std::to_string(l.filters) + " " + std::to_string(l.kernel) + "x" +
             std::to_string(l.kernel);
      if (l.kind == LayerKind::activation) d += " " + std::string(to_string(l.activation));
      if (l.kind == LayerKind::dropout) d += " p=" + std::to_string(l.rate).substr(0, 4);
      ImGui::BulletText("%s", d.c_str());
    }
    {
      auto describe_init = [](const InitSpec& wi) {
        std::string d = to_string(wi.kind);
        if (wi.kind == InitKind::gaussian) d += " sigma " + format_number(wi.sigma);
        if (wi.kind == InitKind::uniform) d += " range " + format_number(wi.range);
        if (wi.kind == InitKind::constant) d += " " + format_number(wi.value);
        if (wi.auto_gain)
          d += " x the activation's gain";
        else if (wi.gain != 1.0)
          d += " x " + format_number(wi.gain);
        return d;
      };
      std::string init = "Init: " + describe_init(run_->config().weight_init);
      for (const auto& [name, spec] : run_->config().layer_init)
        init += "; " + name + ": " + describe_init(spec);
      if (run_->config().output_bias_log_prior) init += "; output bias at the log class prior";
      ImGui::TextWrapped("%s", init.c_str());
    }
    ImGui::Text("Optimizer: %s, lr %.3g (%s)", to_string(run_->config().optimizer.kind),
                run_->config().schedule.base_lr, schedule_name(run_->config().schedule));
    if (const auto& g = run_->config().pruning) {
      char text[200];
      std::snprintf(text, sizeof text,
                    "Pruning: gradually from %.0f%% to %.0f%% of %s, steps %lld to %lld every %lld",
                    100 * g->initial_sparsity, 100 * g->final_sparsity,
                    g->layers.empty() ? "every layer" : join(g->layers).c_str(),
                    (long long)g->begin_step, (long long)g->end_step, (long long)g->frequency);
      ImGui::TextWrapped("%s", text);
    }
    ImGui::Text("Batch %lld, seed %llu, %d thread(s)",
                (long long)run_->config().training.batch_size,
                (unsigned long long)run_->config().training.seed, run_->config().training.threads);
  }
  ImGui::Spacing();
  ImGui::Separator();
  if (!data_note_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 200, 90, 255));
    ImGui::TextWrapped("%s", data_note_.c_str());
    ImGui::PopStyleColor();
  }
  if (!error_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 120, 100, 255));
    ImGui::TextWrapped("%s", error_.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::End();
}

void LabWindow::draw_data(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  ImGui::Begin("Data", nullptr, kPanel);
  const bool live = run_ && run_->live();
  data_panel_.draw((live ? run_->data().get() : nullptr), (live ? &run_->trainer() : nullptr),
                   *jobs_, [this](const char* n) { report(n); },
                   [this](const std::string& p) { event(p); });
  ImGui::End();
}

void LabWindow::draw_plots(float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, h));
  ImGui::Begin("Plots", nullptr, kPanel);
  if (ImGui::BeginTabBar("plots")) {
    auto tab = [&](const char* label, const char* key) {
      const bool select = open_tab_ == key;
      const bool open =
          ImGui::BeginTabItem(label, nullptr, select ? ImGuiTabItemFlags_SetSelected : 0);
      report((std::string("tab-") + key).c_str());
      if (open && select) open_tab_.clear();
      if (open && shown_tab_ != key) {
        shown_tab_ = key;
        event(std::string("tab ") + key);
      }
      return open;
    };
    if (tab("Training curves", "loss")) {
      if (run_) {
        // Every visible run, overlaid in the order opened.
        std::vector<std::shared_ptr<const TrainerMetrics>> held;
        std::vector<CurvesPanel::Shown> shown;
        for (const auto& r : runs_) {
          if (!r->visible) continue;
          held.push_back(r->metrics());
          shown.push_back({r->id, r->label, colour_of(*r), held.back().get(), r->status().get(),
                           &r->markers(), r->fork_step,
                           highlight_id_ != 0 && highlight_id_ != r->id});
        }
        curves_.draw(
            shown, run_->exports_dir(), [this](const char* n) { report(n); },
            [this](const std::string& p) { event(p); });
      }
      ImGui::EndTabItem();
    }
    if (tab("Compare", "compare")) {
      std::vector<std::shared_ptr<const TrainerMetrics>> held;
      std::vector<ComparePanel::Run> rows;
      for (const auto& r : runs_) {
        held.push_back(r->metrics());
        rows.push_back({r->label, colour_of(*r), r->state_name(), r->differs_from(*runs_.front()),
                        held.back().get(), r->status()->step, seconds_trained(*held.back()),
                        r->visible});
      }
      compare_.draw(
          rows, run_ ? run_->exports_dir() : places_.export_dir,
          [this](const char* n) { report(n); }, [this](const std::string& p) { event(p); });
      ImGui::EndTabItem();
    }
    if (tab("Sweep", "sweep")) {
      draw_sweep();
      ImGui::EndTabItem();
    }
    if (tab("Schedule", "schedule")) {
      if (run_ && !run_->live())
        read_only_note("Select a live run to change its schedule.");
      else if (run_)
        schedule_.draw(
            run_->trainer(), *run_->status(), curves_.used_learning_rates(run_->id),
            curves_.sparsity(run_->id), run_->exports_dir(),
            [this](Command c, const std::string& what) { send(std::move(c), what); },
            [this](const char* n) { report(n); }, [this](const std::string& p) { event(p); });
      ImGui::EndTabItem();
    }
    const char* no_weights =
        "Its weights are not in memory: select a live run, or run trainscope-cli analyze on its "
        "directory.";
    if (tab("Weights", "weights")) {
      if (run_ && !run_->live())
        read_only_note(no_weights);
      else if (run_)
        weights_.draw(
            run_->trainer(), *jobs_, run_->data()->train.sample_shape, run_->exports_dir(),
            [this](const char* n) { report(n); }, [this](const std::string& p) { event(p); });
      ImGui::EndTabItem();
    }
    if (tab("Pruning", "pruning")) {
      if (run_ && !run_->live())
        read_only_note(no_weights);
      else if (run_)
        pruning_.draw(
            run_->trainer(), *jobs_, run_->exports_dir(),
            [this](Command c, const std::string& what) { send(std::move(c), what); },
            [this](const char* n) { report(n); }, [this](const std::string& p) { event(p); });
      ImGui::EndTabItem();
    }
    if (tab("Instruments", "instruments")) {
      if (run_ && !run_->live())
        read_only_note(no_weights);
      else if (run_) {
        std::vector<InstrumentsPanel::OtherRun> others;
        for (const auto& r : runs_)
          if (r.get() != run_ && r->live()) others.push_back({r->label, &r->trainer()});
        instruments_.set_other_runs(std::move(others));
        instruments_.draw(
            run_->trainer(), *jobs_, run_->exports_dir(), [this](const char* n) { report(n); },
            [this](const std::string& p) { event(p); });
      }
      ImGui::EndTabItem();
    }
    if (tab("Landscape", "landscape")) {
      if (run_ && !run_->live())
        read_only_note(no_weights);
      else if (run_)
        landscape_.draw(
            run_->trainer(), *run_->data(), *jobs_, run_->exports_dir(),
            [this](const char* n) { report(n); }, [this](const std::string& p) { event(p); });
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::End();
}

void LabWindow::draw_sweep() {
  std::vector<std::shared_ptr<const TrainerMetrics>> held;
  std::vector<SweepPanel::Run> rows;
  for (const auto& r : runs_) {
    if (r->sweep_values.is_null()) continue;
    held.push_back(r->metrics());
    rows.push_back({r->id, r->label, colour_of(*r), r->progress(), r->sweep_values,
                    held.back().get(), r->visible});
  }
  if (highlight_id_ && !run_by_id(highlight_id_)) highlight_id_ = 0;
  SweepPanel::Actions act;
  act.highlight = [this](int id) {
    highlight_id_ = id;
    for (std::size_t i = 0; i < runs_.size(); ++i)
      if (runs_[i]->id == id) select_run(i);
    event(id ? "highlight " + run_by_id(id)->label : std::string("highlight none"));
  };
  act.show = [this](int id, bool visible) {
    if (LiveRun* r = run_by_id(id)) {
      r->visible = visible;
      event("filter " + r->label + (visible ? " shown" : " hidden"));
    }
  };
  act.edit = [this](int id) { edit_run_config(id); };
  act.continue_here = [this](int id) { continue_run_here(id); };
  sweep_panel_.draw(sweep_title_, rows, highlight_id_, act, [this](const char* n) { report(n); });
}

void LabWindow::edit_run_config(int id) {
  LiveRun* r = run_by_id(id);
  if (!r) return;
  try {
    // The training set's size, for the editor's epochs: the run's data, loaded once.
    const auto data = load_experiment_data(r->config(), places_.data_dir);
    editor_.reset(r->config(), data->train.size());
    open_editor_ = true;
    event("edit " + r->label);
  } catch (const Error& e) {
    error_ = e.what();
    event("edit error: " + error_);
  }
}

void LabWindow::continue_run_here(int id) {
  LiveRun* r = run_by_id(id);
  if (!r) return;
  try {
    // A live fork of the followed run at its newest checkpoint: its history, then this window.
    std::error_code ec;
    const auto latest = std::filesystem::is_directory(r->dir() / "checkpoints", ec)
                            ? RunDir::list_checkpoints(r->dir() / "checkpoints")
                            : std::vector<CheckpointFile>{};
    if (latest.empty()) throw Error(r->dir().string() + ": no checkpoint yet to continue from");
    const ExperimentConfig cfg = checkpoint_config(latest.back().path);
    auto data = load_experiment_data(cfg, places_.data_dir);
    ForkStart f;
    f.run = std::make_unique<Run>(cfg, data);
    load_checkpoint(*f.run, latest.back().path);
    f.parent_dir = r->dir();
    f.parent_label = r->label;
    f.step = f.run->steps_done();
    f.history = r->metrics();
    auto run = std::make_unique<LiveRun>(cfg, r->name(), std::move(data), places_, &f);
    run->label = r->label + " here";
    run->fork_step = f.step;
    add_run(std::move(run));
    highlight_id_ = 0;  // the new run, selected, is not to be faded
    event("continue " + r->label + " at step " + std::to_string(f.step));
  } catch (const Error& e) {
    error_ = e.what();
    event("continue error: " + error_);
  }
}

void LabWindow::share_cores() {
  // An analysis started while no run trains has every core, as pressing Pause to look at the
  // network invites (Conv-2's landscape at the panel's defaults: hours on one thread); while
  // one trains, a single thread beside it. A job keeps what it started with.
  const bool training = std::any_of(runs_.begin(), runs_.end(), [](const auto& r) {
    return r->live() && r->trainer().state() == TrainerState::running;
  });
  static const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  jobs_->set_threads(training ? 1 : cores);
}

void LabWindow::draw_status(float y, float w, FrameRate rate) {
  ImGui::SetNextWindowPos(ImVec2(0, y));
  ImGui::SetNextWindowSize(ImVec2(w, 26));
  ImGui::Begin("##status", nullptr,
               kPanel | ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
  const TrainerStatus empty;
  const TrainerStatus& st = run_ ? *run_->status() : empty;
  ImGui::Text(
      "step %lld   epoch %.2f   %.0f samples/s   %.0f frames/s drawn, %.1f ms each   %d worker "
      "thread(s)   %s",
      (long long)st.step, st.epoch, st.samples_per_s, rate.drawn_per_s, rate.frame_ms, st.threads,
      run_ ? run_->state_name().c_str() : "no experiment");
  if (run_) {
    ImGui::SameLine(0, 24);
    if (!run_->dir().empty()) {
      ImGui::TextDisabled("%s %s", run_->live() ? "run" : "following",
                          run_->dir().string().c_str());
    } else {
      ImGui::PushStyleColor(ImGuiCol_Text, run_->record_note().empty()
                                               ? IM_COL32(150, 155, 165, 255)
                                               : IM_COL32(255, 200, 90, 255));
      ImGui::TextUnformatted(run_->record_note().empty() ? "not recorded"
                                                         : run_->record_note().c_str());
      ImGui::PopStyleColor();
    }
    if (ImGui::IsItemHovered() && !run_->dir().empty())
      ImGui::SetTooltip(
          "metrics.csv, layers.csv, events.csv and checkpoints/ of this experiment;\n"
          "trainscope-cli check / export / analyze read it");
  }
  ImGui::End();
}

}  // namespace ts
