// The schedule editor: choose a learning-rate schedule (any shape of core/schedule, with a
// warm-up) and see the whole curve it would give, from the next step to the end of the plan,
// beside the rates used so far and the current plan, before applying it. Apply sends a
// "schedule" command; the new schedule's clock starts at the step it is applied on. Beside
// it, when they apply: the momentum a cyclical or one-cycle schedule cycles, and the run's
// sparsity with the rest of its gradual-pruning plan dashed.
//
// UI thread only; owns only the draft being edited.
#pragma once

#include "app/plot/live_curve.h"
#include "app/plot/planned_curve.h"
#include "app/plot/xy_plot.h"
#include "core/train/trainer.h"

#include <functional>
#include <string>

namespace ts {

class SchedulePanel {
 public:
  using Report = std::function<void(const char*)>;
  using Send = std::function<void(Command, const std::string&)>;
  using Log = std::function<void(const std::string&)>;

  // `used` mirrors the trainer's learning rates (the training curves keep it up to date).
  // `used` and `sparsity` mirror the trainer's learning rates and sparsity (the training
  // curves keep them up to date).
  void draw(const Trainer& trainer, const TrainerStatus& status, plot::LiveCurve& used,
            plot::LiveCurve& sparsity, const std::string& export_dir, const Send& send,
            const Report& report, const Log& log);
  void reset();

 private:
  bool have_draft_ = false;
  Schedule draft_;
  plot::PlotView view_, momentum_view_, sparsity_view_;
  plot::PlannedCurve current_, draft_plan_, current_momentum_, draft_momentum_, planned_sparsity_;
};

}  // namespace ts
