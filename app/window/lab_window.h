// The window's contents: experiment chooser and run controls, the dataset, the layers,
// the plots (training curves, weights, pruning) and a status bar. Owned and drawn by the UI thread;
// training runs in a Trainer (core/train/trainer.h): the window sends it commands and each frame
// copies the new points of its series and its latest status, never waiting on training.
//
// For scripted tests the window prints, flushed, one line per widget position
// ("widget <name> <x> <y>", window coordinates of its centre) when it first appears or
// moves, one line per user action ("event <name> ...") and one per event the trainer
// recorded ("applied <step> <kind> <detail>").
#pragma once

#include "app/panels/compare_panel.h"
#include "app/panels/controls_panel.h"
#include "app/panels/curves_panel.h"
#include "app/panels/data_panel.h"
#include "app/panels/experiment_editor.h"
#include "app/panels/instruments_panel.h"
#include "app/panels/landscape_panel.h"
#include "app/panels/layers_panel.h"
#include "app/panels/pruning_panel.h"
#include "app/panels/runs_panel.h"
#include "app/panels/schedule_panel.h"
#include "app/panels/sweep_panel.h"
#include "app/panels/weights_panel.h"
#include "app/window/app_settings.h"
#include "app/window/live_run.h"
#include "core/data/dataset.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/study.h"
#include "core/train/analysis_jobs.h"
#include "core/train/trainer.h"

#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ts {

struct LabOptions {
  std::string preset = "lenet-300-100-mnist";
  std::string config;  // an experiment config file to open instead of the preset
  std::optional<std::string> data_dir;
  bool autostart = false;
  std::string export_dir = "exports";  // where plots are exported
  std::string tab;                     // the plots tab to open first ("loss", "weights", ...)
  std::size_t bench_points = 0;        // a synthetic series of this many points on the loss plot
  int64_t steps = 0;                   // > 0: train this many steps instead of the preset's plan
  // Each experiment records into a new run directory <runs_dir>/<preset>-<date>-<time>;
  // empty: nothing is recorded.
  std::string runs_dir = "runs";
  int runs = 1;  // runs of the preset opened side by side (all start with `autostart`)
  std::vector<std::string> follow;  // run directories opened read-only, beside the preset's
  std::string study;                // a study to open live (a shipped one's name, or a file)
};

class LabWindow {
 public:
  explicit LabWindow(const LabOptions& options);
  // Removes the run directory of an experiment that never trained.
  ~LabWindow();
  LabWindow(const LabWindow&) = delete;
  LabWindow& operator=(const LabWindow&) = delete;
  // For the status bar: over the last second, how many frames were drawn and their mean
  // time (app/window/present_policy.h: the window draws a frame only when it changed).
  struct FrameRate {
    double frame_ms = 0;
    double drawn_per_s = 0;
  };
  // Draws every panel for this frame.
  void draw(float width, float height, FrameRate rate);
  // True while a run is training (not paused).
  bool training() const;
  // The settings file's view of the window: `settings` with the preset, tab and curves as
  // they are now; restore_view() applies the curves part of saved settings.
  AppSettings settings(AppSettings settings) const;
  void restore_view(const AppSettings& settings);
  // The selected run's last published status (null while there is no run), for the
  // --frames statistics.
  std::shared_ptr<const TrainerStatus> status() const { return run_ ? run_->status() : nullptr; }
  // Adds the run directory `dir` as a read-only run, followed as it grows, or each run
  // directory in `dir` (a study's or a sweep's output); an error is shown (and printed as an
  // event) when it is neither.
  void open_run_dir(const std::string& dir);

 private:
  void load_preset(const std::string& name);
  // An experiment config file, as a preset is loaded (its data missing: the spirals, and why).
  void load_config_file(const std::string& path);
  // Opens `config` (`name` for its run) or, when its dataset is not installed, the spirals
  // preset with a note saying so; returns the name shown.
  std::string open_or_fallback(ExperimentConfig config, const std::string& name);
  // Clears what the panels hold of the selected run (a new selection starts them afresh).
  void reset_panels();
  // Opens `config` as a new run (`name` names its run directory) on `data` (null: loaded).
  void open_experiment(ExperimentConfig config, const std::string& name,
                       std::shared_ptr<const DataSplits> data = nullptr);
  // Adds `run` beside the others and selects it. A selected run that never trained (a live
  // run at step 0, not a fork) is replaced instead: choosing another preset before
  // training leaves no idle run behind.
  void add_run(std::unique_ptr<LiveRun> run, bool replace_untouched = true);
  void select_run(std::size_t index);
  void remove_run(std::size_t index);
  // Starts a fork of `parent` from the state `from` with `to`'s changes (the state is captured
  // between two steps: never waited on here); the new run is added when it is ready
  // (take_forks). `label` names the new run ("": "run N"); `study_run` is its index in the
  // live study.
  void fork_run(LiveRun& parent, const CaptureOf& from, const ExperimentConfig& to,
                const std::string& label = "", int study_run = -1);
  void take_forks();
  // A study (core/experiment/study.h) opened live: every run beside the others, the forks made
  // when their parent reaches the fork step, a transfer run when its source is done
  // (app/window/lab_window_study.cpp).
  void open_study(const std::string& name);
  void drive_study();
  void start_study_run(std::size_t index);
  LiveRun* run_by_id(int id);
  void draw_runs(float x, float y, float w, float h);
  // Each run's colour: its own, or by the key the Runs panel colours by (colours_).
  void update_colours();
  std::string colour_of(const LiveRun& run) const;
  // Shown when the selected run is read-only, in place of a panel that needs a trainer.
  void read_only_note(const char* what);
  // The experiment editor's config, in place of the open one.
  void open_edited(ExperimentConfig config);
  // New run: a fresh trainer and run directory for the experiment shown, or for the live
  // run's experiment (which is then the one shown).
  void new_run(bool keep_live_changes);
  void send(Command c, const std::string& what);
  void copy_series();
  void draw_experiment(float x, float y, float w, float h);
  void draw_controls(float x, float y, float w, float h);
  void draw_layers(float x, float y, float w, float h);
  void report_activations();
  void draw_data(float x, float y, float w, float h);
  void draw_plots(float x, float y, float w, float h);
  // The analyses' threads for the jobs that start next (AnalysisJobs::set_threads).
  void share_cores();
  void draw_status(float y, float w, FrameRate rate);
  // The Sweep tab (app/panels/sweep_panel.h) over the runs opened from a sweep's directory.
  void draw_sweep();
  // A run's config into the experiment editor, to train it again here.
  void edit_run_config(int id);
  // A live run from a followed run's newest checkpoint, its history first (a local fork).
  void continue_run_here(int id);
  void draw_toast(float width, float bottom);
  void report(const char* name);
  void event(const std::string& text);

  RunPlaces places_;  // where runs find their data and write their directories and exports
  std::vector<std::string> presets_;
  int preset_index_ = 0;
  std::string
      preset_name_;  // the preset asked for (shown may be a fallback when its data is missing)
  std::vector<std::unique_ptr<LiveRun>> runs_;  // side by side, in the order opened
  std::size_t selected_ = 0;
  LiveRun* run_ = nullptr;  // runs_[selected_], the one the panels act on; null: no run
  int next_id_ = 0;
  std::size_t next_color_ = 0;
  RunsPanel runs_panel_;
  ComparePanel compare_;
  SweepPanel sweep_panel_;
  std::string sweep_title_;   // "sweep <name>" of the sweep opened
  int highlight_id_ = 0;      // the run a sweep chart's click highlights on every chart; 0: none
  bool open_editor_ = false;  // open "Edit the experiment" next frame
  std::map<int, std::string> colours_;  // by run id, while colouring by a key
  std::vector<std::string> keys_;       // the config keys that differ between the runs
  double keys_at_ = -1e9;               // when keys_ and colours_ were computed
  std::vector<int> keys_runs_;          // of which runs (their ids)
  std::string keys_by_;                 // and the key coloured by then
  struct Forking {
    std::future<std::unique_ptr<LiveRun>> run;  // throws the fork's error
    std::string parent;
    std::string label;
    int study_run = -1;
  };
  std::vector<Forking> forks_;
  struct LiveStudy {
    Study study;
    std::vector<int> ids;                     // LiveRun::id of each study run; 0: not made yet
    std::vector<char> asked;                  // being made or made
    std::vector<std::vector<int64_t>> stops;  // each run's steps where others fork from it
    std::vector<std::size_t> next_stop;       // into stops: where it is heading
    std::vector<char> saved;                  // a transfer source asked to save its weights
    std::map<std::string, std::shared_ptr<const DataSplits>> data;  // by the config's "data"
    std::vector<std::filesystem::path> temporaries;  // weights saved for transfers, unrecorded
    ~LiveStudy();
    LiveStudy() = default;
    LiveStudy(LiveStudy&&) = default;
    LiveStudy& operator=(LiveStudy&&) = default;
  };
  std::optional<LiveStudy> study_;
  std::vector<std::string> studies_;  // the shipped studies' names
  int study_index_ = -1;
  std::string data_note_;
  std::string error_;
  ControlsPanel controls_;
  CurvesPanel curves_;
  LayersPanel layers_;
  WeightsPanel weights_;
  PruningPanel pruning_;
  SchedulePanel schedule_;
  InstrumentsPanel instruments_;
  LandscapePanel landscape_;
  ExperimentEditor editor_;
  bool editing_ = false;  // the editor was open last frame
  std::string toast_;     // the last save's path, or its error, shown for a few seconds
  bool toast_error_ = false;
  double toast_until_ = 0;
  int64_t steps_ = 0;
  std::string open_tab_;   // selected on the first frame, then left to the user
  std::string shown_tab_;  // the tab drawn last frame
  std::unique_ptr<AnalysisJobs> jobs_;
  DataPanel data_panel_;
  std::map<std::string, std::pair<int, int>> reported_;
  bool activations_reported_ = false;  // the first probe of this experiment was printed
};

}  // namespace ts
