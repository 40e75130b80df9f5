// Inside the network, per layer: the activation std and the gradient norm of every layer as
// bars (where an initialization collapses or explodes), and for each layer its latest
// activation histogram on the probe batch with its mean, std, dead or saturated fraction,
// weight norm, distance from initialization, frame potential and update/weight ratio.
//
// UI thread only; reads the trainer's published series (the last point of each) each frame.
#pragma once

#include "core/train/trainer_metrics.h"

namespace ts {

class LayersPanel {
 public:
  void draw(const TrainerMetrics& m);
};

}  // namespace ts
