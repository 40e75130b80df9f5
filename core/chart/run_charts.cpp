#include "core/chart/run_charts.h"

#include "core/chart/event_markers.h"
#include "core/chart/sharpness_chart.h"
#include "core/command/event_kind.h"
#include "core/error.h"
#include "core/io/run_table.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace ts {

namespace {

// Points (step, column) where the column has a value; `markers` for per-evaluation values.
SvgSeries column_series(const RunTable& t, const std::string& column, const std::string& name,
                        SvgSeries::Kind kind = SvgSeries::Kind::line) {
  const std::size_t step = t.column("step"), c = t.column(column);
  SvgSeries s;
  s.name = name;
  s.kind = kind;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const double v = t.number(i, c);
    if (!std::isfinite(v)) continue;
    s.x.push_back(t.number(i, step));
    s.y.push_back(v);
  }
  return s;
}

// Layer names in first-seen order of a per-layer table's "layer" column.
std::vector<std::string> layer_names(const RunTable& t) {
  const std::size_t c = t.column("layer");
  std::vector<std::string> names;
  for (const auto& r : t.rows)
    if (std::find(names.begin(), names.end(), r[c]) == names.end()) names.push_back(r[c]);
  return names;
}

std::vector<std::string> chosen(const std::vector<std::string>& available,
                                const std::vector<std::string>& wanted,
                                const std::filesystem::path& file) {
  if (wanted.empty()) return available;
  for (const auto& w : wanted)
    if (std::find(available.begin(), available.end(), w) == available.end()) {
      std::string list;
      for (const auto& a : available) list += (list.empty() ? "" : ", ") + a;
      throw Error(file.string() + ": no layer \"" + w + "\" (it has " +
                  (list.empty() ? "none" : list) + ")");
    }
  return wanted;
}

void require_points(const SvgChart& chart, const std::filesystem::path& file) {
  for (const auto& s : chart.series)
    if (!s.y.empty()) return;
  throw Error(file.string() + ": no rows to draw for the chart \"" + chart.title + "\"");
}

struct LayerColumn {
  const char* chart;
  const char* column;
  const char* label;
  bool log;
};
constexpr LayerColumn kLayerColumns[] = {
    {"act-mean", "act_mean", "activation mean (probe batch)", false},
    {"act-std", "act_std", "activation std (probe batch)", false},
    {"dead", "dead", "fraction of dead units", false},
    {"saturated", "saturated", "fraction of saturated units", false},
    {"weight-norm", "weight_norm", "|W|", false},
    {"distance-init", "distance_init", "|W - W0|", false},
    {"frame-potential", "frame_potential", "frame potential", false},
};

// The bias-corrected exponential moving average of `y` (the window's, app/plot/live_curve.h):
// s_t = w s_(t-1) + (1 - w) y_t over the finite values, divided by 1 - w^t.
std::vector<double> moving_average(const std::vector<double>& y, double w) {
  std::vector<double> out;
  out.reserve(y.size());
  double sum = 0, norm = 0;
  for (const double v : y) {
    if (std::isfinite(v)) {
      sum = w * sum + (1 - w) * v;
      norm = w * norm + (1 - w);
    }
    out.push_back(norm > 0 ? sum / norm : NAN);
  }
  return out;
}

// The sharpness the run tracked (sharpness.csv, monitor.sharpness_interval), when it has any,
// on the learning-rate chart as the window draws it (core/chart/sharpness_chart.h).
void add_sharpness(SvgChart& chart, const std::filesystem::path& run) {
  std::error_code ec;
  if (!std::filesystem::exists(run / "sharpness.csv", ec)) return;
  SvgSeries sharpness = column_series(read_run_table(run, "sharpness.csv"), "top_eigenvalue", "");
  if (sharpness.y.empty()) return;
  add_sharpness_against_rate(chart, 0, std::move(sharpness));
}

// The run's events as the window marks them (core/chart/event_markers.h), when it has
// events.csv: a prune, a live change, a divergence, a fork.
void add_event_markers(SvgChart& chart, const std::filesystem::path& run) {
  std::error_code ec;
  if (!std::filesystem::exists(run / "events.csv", ec)) return;
  const RunTable t = read_run_table(run, "events.csv");
  const std::size_t step = t.column("step"), kind = t.column("kind"), detail = t.column("detail");
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto k = event_kind_from_string(t.rows[i][kind]);
    if (!k) continue;  // "open": where a process began writing, not an event of training
    if (auto m = event_marker(int64_t(t.number(i, step)), *k, t.rows[i][detail]))
      chart.markers.push_back(std::move(*m));
  }
}

}  // namespace

const std::vector<RunChartKind>& run_chart_kinds() {
  static const std::vector<RunChartKind> kinds = {
      {"loss", "training loss per step, validation and test loss per evaluation (log scale)"},
      {"accuracy", "training accuracy per step, validation and test accuracy per evaluation"},
      {"lr",
       "the learning rate of every step, and the sharpness against 2 / lr where it was tracked"},
      {"sparsity", "the fraction of the weights pruned at every step"},
      {"grad-norm", "gradient norm per layer and step (log scale)"},
      {"update-ratio", "update norm over weight norm per layer and step (log scale)"},
      {"act-mean", "activation mean per layer at each evaluation"},
      {"act-std", "activation std per layer at each evaluation"},
      {"dead", "fraction of dead units per layer at each evaluation"},
      {"saturated", "fraction of saturated units per layer at each evaluation"},
      {"weight-norm", "weight norm per layer at each evaluation"},
      {"distance-init", "distance of the weights from their initial values per layer"},
      {"frame-potential", "frame potential of each layer's unit directions"},
      {"spectrum", "singular values of each weight matrix at the latest evaluation (log scale)"},
  };
  return kinds;
}

SvgChart run_chart(const std::filesystem::path& run, const std::string& name,
                   const std::vector<std::string>& layers, double smoothing) {
  if (!(smoothing >= 0.0 && smoothing < 1.0))
    throw Error("smoothing: must be in [0, 1), got " + format_number(smoothing));
  SvgChart chart;
  chart.x_label = "step";
  if (name == "loss" || name == "accuracy") {
    const RunTable t = read_run_table(run, "metrics.csv");
    const bool loss = name == "loss";
    chart.title = loss ? "Loss" : "Accuracy";
    chart.y_label = loss ? "loss" : "accuracy";
    chart.log_y = loss;
    chart.series.push_back(
        column_series(t, loss ? "train_loss" : "train_accuracy", "train (per step)"));
    chart.series.push_back(
        column_series(t, loss ? "validation_loss" : "validation_accuracy", "validation"));
    chart.series.push_back(column_series(t, loss ? "test_loss" : "test_accuracy", "test"));
    chart.series[2].dashed = true;
    require_points(chart, t.path);
    if (smoothing > 0) {
      SvgSeries& raw = chart.series[0];
      SvgSeries smooth = raw;
      smooth.name = "train (EMA " + format_number(smoothing) + ")";
      smooth.y = moving_average(raw.y, smoothing);
      raw.name.clear();
      raw.opacity = 0.3;
      chart.series.insert(chart.series.begin() + 1, std::move(smooth));
    }
    add_event_markers(chart, run);
    return chart;
  }
  if (name == "lr" || name == "sparsity") {
    const RunTable t = read_run_table(run, "metrics.csv");
    const bool lr = name == "lr";
    chart.title = lr ? "Learning rate" : "Sparsity";
    chart.y_label = lr ? "learning rate" : "fraction of the weights pruned";
    chart.series.push_back(
        column_series(t, lr ? "lr" : "sparsity", lr ? "learning rate" : "sparsity"));
    require_points(chart, t.path);
    if (lr) add_sharpness(chart, run);
    add_event_markers(chart, run);
    return chart;
  }
  if (name == "grad-norm" || name == "update-ratio") {
    const RunTable t = read_run_table(run, "metrics.csv");
    const std::string prefix = name == "grad-norm" ? "grad_norm." : "update_ratio.";
    std::vector<std::string> available;
    for (const auto& h : t.header)
      if (h.rfind(prefix, 0) == 0) available.push_back(h.substr(prefix.size()));
    chart.title =
        name == "grad-norm" ? "Gradient norm per layer" : "Update / weight norm per layer";
    chart.y_label = name == "grad-norm" ? "|gradient|" : "|update| / |W|";
    chart.log_y = true;
    for (const auto& l : chosen(available, layers, t.path))
      chart.series.push_back(column_series(t, prefix + l, l));
    require_points(chart, t.path);
    add_event_markers(chart, run);
    return chart;
  }
  for (const LayerColumn& lc : kLayerColumns) {
    if (name != lc.chart) continue;
    const RunTable t = read_run_table(run, "layers.csv");
    const std::size_t step = t.column("step"), layer = t.column("layer"), c = t.column(lc.column);
    chart.title = std::string(lc.label) + " per layer";
    chart.y_label = lc.label;
    chart.log_y = lc.log;
    for (const auto& l : chosen(layer_names(t), layers, t.path)) {
      SvgSeries s;
      s.name = l;
      for (std::size_t i = 0; i < t.rows.size(); ++i) {
        if (t.rows[i][layer] != l) continue;
        const double v = t.number(i, c);
        if (!std::isfinite(v)) continue;
        s.x.push_back(t.number(i, step));
        s.y.push_back(v);
      }
      chart.series.push_back(std::move(s));
    }
    require_points(chart, t.path);
    return chart;
  }
  if (name == "spectrum") {
    const RunTable t = read_run_table(run, "spectra.csv");
    const std::size_t step = t.column("step"), layer = t.column("layer"), index = t.column("index"),
                      value = t.column("singular_value");
    double last = -INFINITY;
    for (std::size_t i = 0; i < t.rows.size(); ++i) last = std::max(last, t.number(i, step));
    if (!std::isfinite(last))
      throw Error(t.path.string() + ": no rows to draw for the chart \"spectrum\"");
    chart.title = "Singular values at step " + std::to_string(int64_t(last));
    chart.x_label = "index (largest first)";
    chart.y_label = "singular value";
    chart.log_y = true;
    for (const auto& l : chosen(layer_names(t), layers, t.path)) {
      SvgSeries s;
      s.name = l;
      for (std::size_t i = 0; i < t.rows.size(); ++i)
        if (t.rows[i][layer] == l && t.number(i, step) == last) {
          s.x.push_back(t.number(i, index) + 1);
          s.y.push_back(t.number(i, value));
        }
      chart.series.push_back(std::move(s));
    }
    require_points(chart, t.path);
    return chart;
  }
  std::string list;
  for (const auto& k : run_chart_kinds()) list += (list.empty() ? "" : ", ") + std::string(k.name);
  throw Error("unknown chart \"" + name + "\"; the charts of a run are " + list);
}

}  // namespace ts
