// Instruments that each train or evaluate copies of the network, run on the weights of one
// step while the live run trains on (analysis jobs, core/train/analysis_jobs.h), with a
// progress bar and Cancel; their figures are the command line's (core/chart/analysis_charts.h)
// and draw and export like every chart:
//   LR range test      Smith's test from the initialization or from the current weights,
//                      with the suggested range of rates;
//   update projection  test accuracy with each W - W0 kept on its top-k singular directions;
//   prune + retrain    magnitude pruning to 50..98%, test accuracy before and after
//                      fine-tuning;
//   lottery tickets    iterative magnitude pruning with rewinding to W0, against the
//                      re-sampled control; each round joins the table and the curve as it
//                      finishes;
//   interpolation      the training and test loss and accuracy on the line from the
//                      initialization to the current weights, and half of it past each end
//                      (Goodfellow et al. 2015), or from another live run's current weights
//                      (one of the same architecture): a barrier between two minima, or none;
//   sharpness          the top Hessian eigenvalue of the training loss over the first 2,048
//                      training images (power iteration on exact products, its estimate
//                      after each) and Hutchinson's trace, against 2 / lr.
//
// UI thread only; the lottery's finished rounds arrive from the analysis thread under a
// short lock (a copy of at most a few dozen rows a frame).
#pragma once

#include "core/chart/analysis_tables.h"
#include "core/chart/svg_chart.h"
#include "core/procedures/lottery.h"
#include "core/train/analysis_jobs.h"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ts {

class InstrumentsPanel {
 public:
  using Report = std::function<void(const char*)>;
  using Log = std::function<void(const std::string&)>;

  void draw(Trainer& trainer, AnalysisJobs& jobs, const std::string& export_dir,
            const Report& report, const Log& log);
  // A new experiment: the results describe another model.
  void reset();
  // The other live runs, which the interpolation may start from (set before draw each frame).
  struct OtherRun {
    std::string label;
    Trainer* trainer = nullptr;
  };
  void set_other_runs(std::vector<OtherRun> runs) { others_ = std::move(runs); }

 private:
  enum Kind {
    lr_from_init = 0,
    lr_from_now,
    update_projection,
    prune_retrain,
    lottery,
    interpolation,
    sharpness,
    kinds
  };
  struct Result {
    int kind = 0;
    SvgChart chart;
    Table table;      // what the run directory's CSV holds
    SvgChart spread;  // a second chart: where a lottery's tickets live, an interpolation's accuracy
    std::string summary;               // one line for the panel and the event log
    std::vector<LotteryRound> rounds;  // lottery only
    bool control = true;
  };
  struct LotteryRounds {  // written by the analysis thread, read by the UI thread
    std::mutex mutex;
    std::vector<LotteryRound> rounds;
  };
  void start(Trainer& trainer, AnalysisJobs& jobs);
  void draw_settings(const Trainer& trainer, const Report& report);
  void draw_rounds_table(const std::vector<LotteryRound>& rounds, bool control);

  int kind_ = lr_from_init;
  int lottery_rounds_ = 5;
  float lottery_rate_ = 0.2f;
  int lottery_steps_ = 0;  // per round; 0: the experiment's planned steps
  bool lottery_control_ = true;
  int retrain_steps_ = 1000;
  std::vector<OtherRun> others_;
  std::string line_from_;  // the interpolation's other end: a run's label, or empty (the init)
  std::shared_ptr<AnalysisTask<Result>> job_;
  int job_kind_ = 0;
  bool job_control_ = true;  // the running lottery's own setting, whatever the checkbox says now
  std::shared_ptr<LotteryRounds> live_;
  std::shared_ptr<const Result> shown_;
  int64_t shown_step_ = -1;
  std::vector<LotteryRound> live_rows_;  // this frame's copy of live_
  SvgChart live_chart_, live_spread_;
};

}  // namespace ts
