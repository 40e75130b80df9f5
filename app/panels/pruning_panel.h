// Pruning curves of one dense layer, computed beside training: test accuracy after removing
// 0, 1, ... n units without retraining, for magnitude, frame potential and Fisher (each
// smallest first and largest first) and random orders (mean +- std over 5 seeds), with how
// many units each criterion removes before the accuracy falls by a point. A chosen
// criterion's first N units can then be pruned from the live model, which trains on.
//
// UI thread only. The curves run as an analysis job (core/train/analysis_jobs.h).
#pragma once

#include "core/chart/svg_chart.h"
#include "core/prune/prune_curve_set.h"
#include "core/train/analysis_jobs.h"

#include <functional>
#include <memory>
#include <string>

namespace ts {

class PruningPanel {
 public:
  using Report = std::function<void(const char*)>;
  using Send = std::function<void(Command, const std::string&)>;
  using Log = std::function<void(const std::string&)>;  // a line for the event log

  void draw(Trainer& trainer, AnalysisJobs& jobs, const std::string& export_dir, const Send& send,
            const Report& report, const Log& log);
  void reset();

 private:
  void build_chart();

  int layer_ = 0;
  int criterion_ = 0;  // into the set's curves
  int units_ = 0;
  std::shared_ptr<AnalysisTask<PruneCurveSet>> job_;
  std::shared_ptr<const PruneCurveSet> shown_;
  int64_t shown_step_ = -1;
  SvgChart chart_;
};

}  // namespace ts
