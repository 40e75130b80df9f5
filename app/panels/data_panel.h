// The data itself and what the network makes of it. Three views:
//   samples    the first training images with their labels, or for a 2-D set the training
//              points coloured by class over the network's decision regions (a texture
//              shaded by the winning class and its confidence), redrawn as training goes on;
//   confusion  the confusion matrix on the test set (true class down, predicted across),
//              cells shaded by their share of the true class;
//   mistakes   the misclassified test images with the highest loss, true and predicted
//              class on each (image sets).
// Predictions come from an analysis job on a copy of the weights (core/analysis/
// predictions.h via core/train/analysis_jobs.h), started again when the last one is done
// and training has moved on, after a pause of at least three times what the last one took
// (and 0.25 s for 2-D sets, 1.5 s for image sets); training never waits.
//
// UI thread only.
#pragma once

#include "app/plot/gl_texture.h"
#include "core/analysis/predictions.h"
#include "core/data/dataset.h"
#include "core/train/analysis_jobs.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ts {

struct DataAnalysis {
  Predictions test;                  // over the test set
  std::optional<DecisionGrid> grid;  // 2-D sets: the decision regions over the shown range
};

class DataPanel {
 public:
  using Report = std::function<void(const char*)>;
  using Log = std::function<void(const std::string&)>;

  // `trainer` is null while no experiment is loaded.
  void draw(const DataSplits* data, Trainer* trainer, AnalysisJobs& jobs, const Report& report,
            const Log& log);
  // A new experiment: textures and results describe the old data.
  void reset();

 private:
  enum View { samples = 0, confusion = 1, mistakes = 2 };
  void prepare(const DataSplits& data);
  void update_job(const DataSplits& data, Trainer& trainer, AnalysisJobs& jobs, const Log& log);
  void draw_images(const Dataset& d);
  void draw_points(const Dataset& d, const Report& report);
  // A set of more than two features: the first points as rows of cells.
  void draw_vectors(const Dataset& d, float x0, float y0, float side);
  void draw_confusion(const Dataset& d, const Report& report);
  void draw_mistakes(const Dataset& test, const Report& report);
  void build_mistakes(const Dataset& test);
  void build_regions();

  int view_ = samples;
  bool regions_ = true;
  bool prepared_ = false;
  bool two_d_ = false;         // a set of two features: points and decision regions
  float lo_ = 0.f, hi_ = 1.f;  // the square range of the points view
  GlTexture samples_, mistakes_tex_, regions_tex_;
  int grid_cols_ = 0, grid_rows_ = 0;
  int mistake_cols_ = 0, mistake_rows_ = 0;
  std::shared_ptr<AnalysisTask<DataAnalysis>> job_;
  std::shared_ptr<const DataAnalysis> shown_;
  int64_t shown_step_ = -1;
  bool failed_reported_ = false;
  bool job_seen_done_ = false;
  std::chrono::steady_clock::time_point last_end_{};  // when the last job was seen finished
  double last_seconds_ = 0.0;                         // how long it took
};

}  // namespace ts
