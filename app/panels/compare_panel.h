// The runs compared: a table of each run's state, steps, last training loss, best validation
// accuracy (and its step), final validation and test accuracy, training time and what
// differs from the first run; each layer's latest activation std and dead fraction a column a
// shown run; and either one layer's latest activation histogram of up to four shown runs side
// by side, or one layer's statistic over training (activation std, mean, dead or saturated
// fraction, weight norm, distance from the initialization, frame potential, gradient norm,
// update ratio) with a line a shown run. Layers are matched by name.
//
// UI thread only; reads the runs' published series, never waits on training.
#pragma once

#include "core/train/trainer_metrics.h"

#include <functional>
#include <string>
#include <vector>

namespace ts {

class ComparePanel {
 public:
  using Report = std::function<void(const char*)>;

  struct Run {
    std::string label, color, state, differs;
    const TrainerMetrics* metrics = nullptr;
    int64_t step = 0;
    double seconds = 0;  // spent training (TrainerMetrics::seconds); 0: not known
    bool visible = true;
  };

  // `export_dir`: where the statistic's chart exports go; `log` gets the path written.
  void draw(const std::vector<Run>& runs, const std::string& export_dir, const Report& report,
            const std::function<void(const std::string&)>& log);

 private:
  void draw_layer_table(const std::vector<Run>& runs);
  void draw_histograms(const std::vector<const Run*>& shown, const Report& report);
  void draw_statistic(const std::vector<const Run*>& shown, const std::string& export_dir,
                      const Report& report, const std::function<void(const std::string&)>& log);
  std::string layer_;
  int lower_ = 0;  // 0: histograms side by side, 1: a statistic over training
  int stat_ = 0;   // into kStats  // the layer whose histograms are compared; empty: the first
};

}  // namespace ts
