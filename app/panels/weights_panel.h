// The weights of one layer seen as vectors: the angle of each unit's direction to its nearest
// of k spherical k-means centres, trained against initialization (do the units gather around
// a few directions?); the directions on their first two principal axes coloured by cluster;
// the frame potential over training against its lower bound; the singular values of W and of
// its update W - W0, a few of W's singular values over training (the trainer measures them
// at each evaluation), W itself as a heatmap (units down, inputs across; pruned weights
// grey), or, for the first layer of an image model, each unit's weights as an image on the
// input grid (core/analysis/receptive_fields.h). The clustering and the spectra run as an analysis
// job on a copy of the weights while training goes on (core/train/analysis_jobs.h), on request or
// continuously; the frame potential comes from the trainer's published series.
//
// UI thread only.
#pragma once

#include "app/plot/heatmap.h"
#include "core/analysis/layer_geometry.h"
#include "core/analysis/receptive_fields.h"
#include "core/analysis/weight_matrices.h"
#include "core/chart/svg_chart.h"
#include "core/train/analysis_jobs.h"

#include <functional>
#include <memory>
#include <string>

namespace ts {

struct WeightsAnalysis {
  std::vector<LayerGeometry> geometry;
  std::vector<LayerSpectrum> spectra;
};

class WeightsPanel {
 public:
  using Report = std::function<void(const char*)>;
  // One line for the event log: a finished analysis, an exported file.
  using Log = std::function<void(const std::string&)>;

  // `input` is the shape of one sample the model reads.
  void draw(Trainer& trainer, AnalysisJobs& jobs, Shape3 input, const std::string& export_dir,
            const Report& report, const Log& log);
  // A new experiment: the old results describe another model.
  void reset();

 private:
  void start(Trainer& trainer, AnalysisJobs& jobs);
  void build_charts(const std::string& layer);
  void draw_matrix(const Trainer& trainer, const std::string& layer, ImVec2 size,
                   const std::string& export_dir, const Report& report, const Log& log);
  void draw_fields(const Trainer& trainer, const std::string& layer, Shape3 input, ImVec2 size,
                   const std::string& export_dir, const Report& report, const Log& log);

  int layer_ = 0;
  int clusters_ = 4;
  bool continuous_ = false;
  bool job_manual_ = false;  // the running job was asked for with the button (its result is saved)
  bool rose_ = false;        // the angles as a rose rather than a histogram (easier to read)
  // The fourth plot: the spectrum now, a few singular values over training, W itself, or
  // its rows as images.
  enum Fourth {
    spectrum_now = 0,
    spectrum_over_training = 1,
    weight_matrix = 2,
    receptive_fields = 3
  };
  int fourth_ = spectrum_now;
  plot::Heatmap matrix_;  // W of the shown layer, pruned weights as "no value"
  std::string matrix_layer_;
  int64_t matrix_step_ = -1;
  uint64_t matrix_commands_ = 0;  // a prune or a load publishes new weights at the same step
  float matrix_range_ = 1;        // colours span -range..range
  plot::Heatmap fields_;          // the shown layer's strongest units as images
  ReceptiveFieldGrid fields_grid_;
  std::string fields_layer_;
  int64_t fields_step_ = -1;
  uint64_t fields_commands_ = 0;
  std::size_t fields_across_ = 0;  // tiles across, from the plot's shape
  std::shared_ptr<AnalysisTask<WeightsAnalysis>> job_;
  std::shared_ptr<const WeightsAnalysis> shown_;  // what the charts were built from
  std::string shown_layer_;
  int64_t shown_step_ = -1;
  SvgChart angles_, projection_, spectrum_;
};

}  // namespace ts
