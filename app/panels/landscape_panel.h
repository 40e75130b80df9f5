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
// A slice that runs every point (a convolution first) shows a preview as it goes: the map of
// the points computed so far, coarse to fine (core/analysis/loss_slice.h, SlicePreview), each
// other point the nearest computed one's value, under a line that says how many are in.
//
// UI thread only; the job's result arrives whole when it is done, its previews before.
#pragma once

#include "app/plot/heatmap.h"
#include "app/plot/landscape_figure.h"
#include "core/train/analysis_jobs.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
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
  // The newest preview of the running job, written by the job's thread.
  struct Preview {
    std::mutex mutex;
    std::shared_ptr<const Result> result;
    std::size_t computed = 0;
    int stride = 1;  // of the lattice computed so far (loss_slice.h, SlicePreview)
  };
  void start(Trainer& trainer, AnalysisJobs& jobs);
  void draw_settings(const Report& report);
  // The map of `shown` (of the weights of `step`) under `note`, its colour bar and how to
  // read it; a preview's `stride` (above 1) makes the tooltip name the computed point whose
  // value a square shows, and its exports end in "-preview".
  void draw_map(const std::shared_ptr<const Result>& shown, int64_t step, const std::string& note,
                const std::string& export_dir, const Report& report, const Log& log,
                int stride = 1);

  std::optional<SliceRoute> route_;  // the run's model's, found once per run
  bool trajectory_ = false;
  int grid_ = 41;
  float span_ = 1.f;
  int samples_ = 10000;
  bool show_accuracy_ = false;
  std::shared_ptr<AnalysisTask<Result>> job_;
  std::shared_ptr<const Result> shown_;
  int64_t shown_step_ = -1;
  std::shared_ptr<Preview> preview_;         // the running job's
  std::shared_ptr<const Result> previewed_;  // what the map shows of it, kept alive
  plot::Heatmap heatmap_;
  // What heatmap_ holds (kept, so that no later result takes its address), and which layer.
  std::shared_ptr<const Result> uploaded_;
  bool uploaded_accuracy_ = false;
};

}  // namespace ts
