// A sweep's runs side by side (trainscope DIR on a sweep's directory): a chosen metric (best or
// final validation accuracy, test accuracy, the training loss of the last steps) against any
// swept value as a scatter (a log axis when the values span decades), parallel coordinates over
// every swept value and the metric, filters that show only the runs within value ranges (or of
// chosen values), and the runs ranked by the metric. Clicking a run on any of them highlights
// it on every chart (the training curves fade the others) and selects it; the ranked table
// offers to open its config in the experiment editor (train it again here) or to continue it
// here from its newest checkpoint (a local fork).
//
// UI thread only. Owns no run: the window passes one row a run and acts on the callbacks.
#pragma once

#include "core/train/trainer_metrics.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ts {

class SweepPanel {
 public:
  using Report = std::function<void(const char*)>;

  struct Run {
    int id = 0;
    std::string label, color, state;  // color: "#rrggbb"
    nlohmann::json values;            // the swept paths and this run's values
    const TrainerMetrics* metrics = nullptr;
    bool visible = true;
  };
  struct Actions {
    std::function<void(int id)> highlight;  // 0: none
    std::function<void(int id, bool visible)> show;
    std::function<void(int id)> edit;           // its config into the experiment editor
    std::function<void(int id)> continue_here;  // a live fork from its newest checkpoint
  };

  void draw(const std::string& title, const std::vector<Run>& runs, int highlighted,
            const Actions& act, const Report& report);

  // For tests: the metric shown (an index into metric_names()), the scatter's x key.
  static const std::vector<std::string>& metric_names();
  void set_metric(int m) { metric_ = m; }
  void set_x_key(const std::string& k) { x_key_ = k; }
  // The metric of a run (NaN: none yet).
  double metric_of(const Run& r) const;

 private:
  // One swept key: numeric (its range, log when it spans decades) or categorical (its values).
  struct Axis {
    std::string key;
    bool numeric = true, log = false;
    double lo = 0, hi = 1;
    std::vector<std::string> categories;
    double position(const nlohmann::json& v) const;  // in [0, 1]; NaN when not on the axis
    std::string text(const nlohmann::json& v) const;
  };
  static std::vector<Axis> axes_of(const std::vector<Run>& runs);
  void draw_scatter(const std::vector<Run>& runs, const std::vector<Axis>& axes, int highlighted,
                    const Actions& act, const Report& report, float w, float h);
  void draw_parallel(const std::vector<Run>& runs, const std::vector<Axis>& axes, int highlighted,
                     const Actions& act, const Report& report, float w, float h);
  void draw_filters(const std::vector<Run>& runs, const std::vector<Axis>& axes, const Actions& act,
                    const Report& report);
  void draw_table(const std::vector<Run>& runs, const std::vector<Axis>& axes, int highlighted,
                  const Actions& act, const Report& report);
  bool passes(const Run& r, const std::vector<Axis>& axes) const;

  // metric_of each run of this frame's list, computed once in draw(); by the run's place.
  double shown(const Run& r) const { return shown_[std::size_t(&r - shown_base_)]; }
  std::vector<double> shown_;
  const Run* shown_base_ = nullptr;

  int metric_ = 0;
  std::string x_key_;
  std::map<std::string, std::pair<double, double>> ranges_;  // numeric filters, by key
  std::map<std::string, std::set<std::string>> hidden_;      // categorical values filtered out
};

}  // namespace ts
