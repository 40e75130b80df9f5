// The training curves: loss or accuracy per step with validation and test per evaluation,
// the learning rate actually used per step with the planned rest of the schedule, or the
// gradient norm per step (before clipping). Each
// is a zoomable chart (app/plot/xy_plot.h) of the visible steps decimated to the pixel
// columns, with an EMA smoothing slider (the raw series faint behind), a log scale, and
// vertical markers where a command changed the run.
//
// Several runs shown at once are overlaid (core/chart/overlay_chart.h): one colour per run,
// its validation and test dashed, the legend and the exported CSV by run. The x-axis is the
// step, the epoch, the samples seen, the steps since the run's fork, or the seconds spent
// training (pauses left out).
//
// UI thread only; mirrors each run's series (app/plot/live_curve.h) and never waits on
// training.
#pragma once

#include "app/plot/live_curve.h"
#include "app/plot/planned_curve.h"
#include "app/plot/xy_plot.h"
#include "core/train/trainer.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ts {

class CurvesPanel {
 public:
  using Report = std::function<void(const char*)>;
  using Log = std::function<void(const std::string&)>;

  // One run to draw.
  struct Shown {
    int id = 0;         // the key of its mirrors (as given to update())
    std::string label;  // in the legend when several are shown
    std::string color;  // "#rrggbb", its colour on every chart
    const TrainerMetrics* metrics = nullptr;
    const TrainerStatus* status = nullptr;
    const std::vector<SvgMarker>* markers = nullptr;
    int64_t fork_step = 0;  // where "steps since the fork" counts from
    bool faded = false;     // another run is highlighted: drawn faint
  };

  // Copies what run `id`'s trainer published since the last frame (all of it after a reset
  // or a rewind, which start a new generation of its series).
  void update(int id, const TrainerMetrics& metrics);
  // Drops run `id`'s mirrors.
  void forget(int id);
  // `runs`: the runs shown, in the legend's order; alone, a run's planned schedule is drawn.
  void draw(const std::vector<Shown>& runs, const std::string& export_dir, const Report& report,
            const Log& log);
  // The chart draw() shows for `runs` at `columns` pixel columns (after update()).
  SvgChart chart(const std::vector<Shown>& runs, int columns) {
    return build_charts(runs, columns);
  }
  // The x-axis: 0 step, 1 epoch, 2 samples seen, 3 steps since the fork, 4 seconds training.
  void set_x_axis(int axis) { x_axis_ = std::clamp(axis, 0, 4); }
  // How the curves are shown, for the window's settings file: "loss", "accuracy", "lr" or "grad",
  // the loss's log scale, and the EMA weight.
  struct View {
    std::string curve;
    bool log_scale;
    float smoothing;
  };
  View view() const;
  void set_view(const View& v);
  // Run `id`'s last training loss, NaN before the first step.
  float last_loss(int id) const;
  // The learning rates run `id`'s trainer used, and its sparsity, mirrored for the Schedule
  // tab too.
  plot::LiveCurve& used_learning_rates(int id);
  plot::LiveCurve& sparsity(int id);
  // A synthetic series of `points` steps drawn with the loss, for measuring how the window
  // copes with a long run (the --bench-points test hook).
  void add_benchmark_series(std::size_t points);

 private:
  enum Which { loss = 0, accuracy = 1, learning_rate = 2, gradient_norm = 3 };
  enum XAxis { by_step = 0, by_epoch = 1, by_samples = 2, since_fork = 3, by_time = 4 };
  struct Mirror {
    const ScalarSeries TrainerMetrics::*series;
    plot::LiveCurve curve;
  };
  struct RunMirrors {
    uint64_t generation = 0;
    std::vector<Mirror> mirrors = {{&TrainerMetrics::loss, {}},
                                   {&TrainerMetrics::validation_loss, {}},
                                   {&TrainerMetrics::test_loss, {}},
                                   {&TrainerMetrics::accuracy, {}},
                                   {&TrainerMetrics::validation_accuracy, {}},
                                   {&TrainerMetrics::test_accuracy, {}},
                                   {&TrainerMetrics::lr, {}},
                                   {&TrainerMetrics::sparsity, {}},
                                   {&TrainerMetrics::grad_norm, {}},
                                   {&TrainerMetrics::seconds, {}},
                                   {&TrainerMetrics::sharpness, {}}};
  };
  // x = (step - offset) * scale on the chosen axis; or, by time, the seconds spent training
  // up to the step (`time`: the run's mirrored TrainerMetrics::seconds, one point a step).
  struct XMap {
    double offset = 0, scale = 1;
    const std::vector<SeriesPoint>* time = nullptr;
    double to_x(double step) const;
    double to_step(double x) const;
  };
  XMap x_map(const Shown& run) const;
  SvgChart build_chart(const Shown& run, int columns, bool overlaid);
  SvgChart build_charts(const std::vector<Shown>& runs, int columns);
  RunMirrors& mirrors(int id) { return runs_[id]; }

  std::map<int, RunMirrors> runs_;
  std::unique_ptr<ScalarSeries> bench_;
  plot::LiveCurve bench_curve_;
  int which_ = loss;
  int x_axis_ = by_step;
  bool log_loss_ = true;
  float smoothing_ = 0.9f;
  plot::PlotView views_[4];
  plot::PlannedCurve planned_;
};

}  // namespace ts
