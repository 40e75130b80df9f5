// The training curves: loss or accuracy per step with validation and test per evaluation,
// or the learning rate actually used per step with the planned rest of the schedule. Each
// is a zoomable chart (app/plot/xy_plot.h) of the visible steps decimated to the pixel
// columns, with an EMA smoothing slider (the raw series faint behind), a log scale, and
// vertical markers where a command changed the run.
//
// UI thread only; mirrors the trainer's series (app/plot/live_curve.h) and never waits on
// training.
#pragma once

#include "app/plot/live_curve.h"
#include "app/plot/planned_curve.h"
#include "app/plot/xy_plot.h"
#include "core/train/trainer.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ts {

class CurvesPanel {
 public:
  using Report = std::function<void(const char*)>;
  using Log = std::function<void(const std::string&)>;

  // Copies what the trainer published since the last frame (all of it after a reset or a
  // rewind, which start a new generation of its series).
  void update(const TrainerMetrics& metrics);
  void draw(const TrainerMetrics& metrics, const TrainerStatus& status,
            const std::vector<SvgMarker>& markers, const std::string& export_dir,
            const Report& report, const Log& log);
  void reset();
  // How the curves are shown, for the window's settings file: "loss", "accuracy" or "lr",
  // the loss's log scale, and the EMA weight.
  struct View {
    std::string curve;
    bool log_scale;
    float smoothing;
  };
  View view() const;
  void set_view(const View& v);
  // The last training loss, NaN before the first step.
  float last_loss() const;
  // The learning rates the trainer used, and the run's sparsity, mirrored for the Schedule
  // tab too.
  plot::LiveCurve& used_learning_rates();
  plot::LiveCurve& sparsity();
  // A synthetic series of `points` steps drawn with the loss, for measuring how the window
  // copes with a long run (the --bench-points test hook).
  void add_benchmark_series(std::size_t points);

 private:
  enum Which { loss = 0, accuracy = 1, learning_rate = 2 };
  struct Mirror {
    const ScalarSeries TrainerMetrics::*series;
    plot::LiveCurve curve;
  };
  SvgChart build_chart(const TrainerMetrics& metrics, const TrainerStatus& status,
                       const std::vector<SvgMarker>& markers, int columns);

  uint64_t generation_ = 0;
  std::vector<Mirror> mirrors_ = {{&TrainerMetrics::loss, {}},
                                  {&TrainerMetrics::validation_loss, {}},
                                  {&TrainerMetrics::test_loss, {}},
                                  {&TrainerMetrics::accuracy, {}},
                                  {&TrainerMetrics::validation_accuracy, {}},
                                  {&TrainerMetrics::test_accuracy, {}},
                                  {&TrainerMetrics::lr, {}},
                                  {&TrainerMetrics::sparsity, {}}};
  std::unique_ptr<ScalarSeries> bench_;
  plot::LiveCurve bench_curve_;
  int which_ = loss;
  bool log_loss_ = true;
  float smoothing_ = 0.9f;
  plot::PlotView views_[3];
  plot::PlannedCurve planned_;
};

}  // namespace ts
