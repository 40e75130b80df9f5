// The runs compared: a table of each run's state, steps, last training loss, best validation
// accuracy (and its step), final validation and test accuracy, training time and what
// differs from the first run; each layer's latest activation std and dead fraction a column a
// shown run; and one layer's latest activation histogram of up to four shown runs side by
// side. Layers are matched by name.
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
    double seconds = 0;  // spent training; 0: not known (a read-only run)
    bool visible = true;
  };

  void draw(const std::vector<Run>& runs, const Report& report);

 private:
  void draw_layer_table(const std::vector<Run>& runs);
  std::string layer_;  // the layer whose histograms are compared; empty: the first
};

}  // namespace ts
