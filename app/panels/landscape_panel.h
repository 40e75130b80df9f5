// The Landscape tab: the loss around the current weights (core/analysis/landscape.h) as a
// heatmap of the log10 test loss with contour lines, or the test accuracy on the same plane,
// along two filter-normalized random directions or the top two principal directions of the
// run's path (its initialization and kept states), with the path drawn across it. It runs as
// an analysis job on a copy of one step's weights while training goes on (progress, Cancel),
// exports like every chart (PNG, SVG, CSV) and saves its files into the run directory as
// `trainscope-cli analyze --what landscape` does. Where the slice has no shortcut (a first
// layer that is a convolution), it says before Run what the settings cost, in forward passes
// and epochs of training.
//
// UI thread only; the job's result arrives whole when it is done.
#pragma once

#include "app/plot/heatmap.h"
#include "app/plot/landscape_figure.h"
#include "core/train/analysis_jobs.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ts {

class LandscapePanel {
 public:
  using Report = std::function<void(const char*)>;
  using Log = std::function<void(const std::string&)>;

  // `data` the run's: the test images the slice takes, and the training set its cost is
  // counted in.
  void draw(Trainer& trainer, const DataSplits& data, AnalysisJobs& jobs,
            const std::string& export_dir, const Report& report, const Log& log);
  // A new experiment: the result describes another model.
  void reset();

 private:
  struct Result {
    LandscapeSettings settings;  // what it was run with
    Landscape landscape;
    plot::LandscapeFigure figure;
    std::string summary;
  };
  void start(Trainer& trainer, AnalysisJobs& jobs);
  void draw_settings(const Report& report);

  std::optional<SliceRoute> route_;  // the run's model's, found once per run
  bool trajectory_ = false;
  int grid_ = 41;
  float span_ = 1.f;
  int samples_ = 10000;
  bool show_accuracy_ = false;
  std::shared_ptr<AnalysisTask<Result>> job_;
  std::shared_ptr<const Result> shown_;
  int64_t shown_step_ = -1;
  plot::Heatmap heatmap_;
  const Result* uploaded_ = nullptr;  // what heatmap_ holds, and which layer of it
  bool uploaded_accuracy_ = false;
};

}  // namespace ts
