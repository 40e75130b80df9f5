// Inside the network, per layer: the activation std and the gradient norm of every layer as
// bars (where an initialization collapses or explodes), and for each layer its latest
// activation histogram on the probe batch with its mean, std, dead or saturated fraction,
// weight norm, distance from initialization, frame potential and update/weight ratio; under
// it the histograms over training as a heatmap (step on x, value on y, viridis by the share
// of activations in each bin), where a collapse or a saturation shows as it happens; each
// heatmap exports to PNG, SVG and CSV from its right-click menu.
//
// UI thread only; reads the trainer's published series (the last point of each) each frame,
// and rebuilds a layer's heatmap when a new probe has arrived.
#pragma once

#include "app/plot/heatmap.h"
#include "core/analysis/histogram_grid.h"
#include "core/train/trainer_metrics.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ts {

class LayersPanel {
 public:
  using Report = std::function<void(const char*)>;
  using Log = std::function<void(const std::string&)>;
  // The heatmaps export (right-click) to <export_dir>/<layer>-over-training.{png,svg,csv};
  // `log` gets "export <path>".
  void draw(const TrainerMetrics& m, const std::string& export_dir, const Report& report,
            const Log& log);
  // A new experiment: its metrics may reuse the old ones' address and generation.
  void reset();

 private:
  int compact_ =
      -1;  // a row per layer: 1, the full view: 0, not chosen yet: -1 (compact past 3 layers)
  struct OverTime {
    plot::Heatmap map;
    HistogramGrid grid;
    std::size_t probes = 0;  // histograms the grid was built from
  };
  uint64_t generation_ = uint64_t(-1);
  const void* metrics_ = nullptr;  // a reset or rewind publishes a new metrics object
  std::vector<std::unique_ptr<OverTime>> over_time_;
};

}  // namespace ts
