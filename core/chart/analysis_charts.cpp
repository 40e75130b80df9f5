#include "core/chart/analysis_charts.h"

#include "core/io/csv_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts {

namespace {
SvgSeries named(std::string name) {
  SvgSeries s;
  s.name = std::move(name);
  return s;
}
}  // namespace

SvgChart prune_curves_chart(const PruneCurveSet& set) {
  SvgChart chart;
  chart.title = set.layer + ": test accuracy after removing units, without retraining";
  chart.x_label = "units removed";
  chart.y_label = "test accuracy (%)";
  // One colour per criterion (magnitude, frame potential, Fisher, Taylor).
  const char* colors[] = {"#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"};
  for (std::size_t i = 0; i < set.curves.size(); ++i) {
    SvgSeries s = named(set.curves[i].label());
    s.color = colors[i / 2 % std::size(colors)];
    s.dashed = set.curves[i].largest_first;
    for (std::size_t k = 0; k < set.curves[i].accuracy.size(); ++k) {
      s.x.push_back(double(k));
      s.y.push_back(100 * set.curves[i].accuracy[k]);
    }
    chart.series.push_back(std::move(s));
  }
  if (!set.random_mean.empty()) {
    SvgSeries r = named("random (mean ± std, " + std::to_string(set.random.size()) + " seeds)");
    r.color = "#d62728";
    for (std::size_t k = 0; k < set.random_mean.size(); ++k) {
      r.x.push_back(double(k));
      r.y.push_back(100 * set.random_mean[k]);
      r.lo.push_back(100 * (set.random_mean[k] - set.random_std[k]));
      r.hi.push_back(100 * (set.random_mean[k] + set.random_std[k]));
    }
    chart.series.push_back(std::move(r));
  }
  return chart;
}

SvgChart sharpness_chart(const Sharpness& s) {
  SvgChart c;
  c.title = "Top Hessian eigenvalue by power iteration over " + std::to_string(s.samples) +
            " training images";
  c.x_label = "Hessian-vector products";
  c.y_label = "estimate (Rayleigh quotient)";
  SvgSeries e = named("estimate");
  e.color = "#d62728";
  for (std::size_t i = 0; i < s.estimates.size(); ++i) {
    e.x.push_back(double(i + 1));
    e.y.push_back(s.estimates[i]);
  }
  c.series = {e};
  return c;
}

std::vector<SvgChart> interpolation_charts(const std::vector<InterpolationPoint>& line,
                                           const std::string& from, const std::string& to) {
  SvgChart loss, acc;
  loss.title = "Loss along the line from " + from + " (alpha 0) to " + to + " (alpha 1)";
  acc.title = "Accuracy along the same line";
  loss.x_label = acc.x_label = "alpha";
  loss.y_label = "loss";
  acc.y_label = "accuracy";
  SvgSeries tl = named("train"), vl = named("test"), ta = named("train"), va = named("test");
  tl.color = ta.color = "#1f77b4";
  vl.color = va.color = "#2ca02c";
  vl.dashed = va.dashed = true;
  for (const auto& p : line) {
    tl.x.push_back(p.alpha), tl.y.push_back(p.train_loss);
    vl.x.push_back(p.alpha), vl.y.push_back(p.test_loss);
    ta.x.push_back(p.alpha), ta.y.push_back(p.train_accuracy);
    va.x.push_back(p.alpha), va.y.push_back(p.test_accuracy);
  }
  loss.series = {tl, vl};
  acc.series = {ta, va};
  // Past the initialization the loss climbs by decades: a log axis keeps the minimum readable.
  double lo = INFINITY, hi = 0;
  for (const auto& p : line)
    for (double v : {p.train_loss, p.test_loss}) lo = std::min(lo, v), hi = std::max(hi, v);
  loss.log_y = lo > 0 && hi / lo > 30;
  if (loss.log_y) loss.y_label = "loss (log scale)";
  for (SvgChart* c : {&loss, &acc})
    for (double x : {0.0, 1.0}) {
      SvgMarker m;
      m.x = x;
      m.label = x == 0 ? from : to;
      c->markers.push_back(m);
    }
  return {loss, acc};
}

SvgChart lr_range_chart(const LrRangeResult& r, bool from_init) {
  SvgChart chart;
  chart.title = from_init ? "Learning-rate range test from the initialization"
                          : "Learning-rate range test from the current weights";
  chart.x_label = "learning rate (log scale)";
  chart.y_label = "training loss";
  chart.log_x = true;
  SvgSeries raw = named("loss"), sm = named("smoothed");
  raw.color = "#bbbbbb";
  for (const auto& p : r.points) {
    raw.x.push_back(p.lr);
    raw.y.push_back(p.loss);
    sm.x.push_back(p.lr);
    sm.y.push_back(p.smoothed);
  }
  chart.series = {raw, sm};
  // Up to twice the starting loss: the explosion at the end would flatten the rest.
  const double top = r.points.empty() ? 1.0 : 2.0 * r.points.front().smoothed;
  chart.y_min = 0.0;
  if (top > 0) chart.y_max = top;
  if (r.upper > 0) {
    // Why the range is where it is: the two points it is read from, marked and labelled.
    for (double x : {r.lower, r.upper}) {
      SvgSeries v = named(x == r.lower ? "suggested range" : "");
      v.color = "#2ca02c";
      v.dashed = true;
      v.x = {x, x};
      v.y = {0.0, top};
      chart.series.push_back(v);
    }
    auto mark = [](double lr, const char* color, const char* kind, SvgMarker::Shape shape,
                   const char* word, const std::string& what) {
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.3g", lr);
      SvgMarker m;
      m.x = lr, m.color = color, m.kind = kind, m.shape = shape;
      m.tag = std::string(word) + " " + rate;
      m.label = what + ": lr " + rate;
      return m;
    };
    const SvgMarker steep =
        mark(r.steepest, "#ff7f0e", "steepest descent", SvgMarker::Shape::triangle, "steepest",
             "steepest descent of the smoothed loss against log(rate)");
    const SvgMarker lowest =
        mark(r.minimum, "#d62728", "lowest loss", SvgMarker::Shape::diamond, "lowest",
             "the lowest smoothed loss (the range ends a decade below it at most)");
    chart.markers = {steep, lowest};
  }
  return chart;
}

SvgChart update_projection_chart(const UpdateProjection& p) {
  SvgChart chart;
  chart.title = "Test accuracy with each update W - W0 kept on its top-k singular directions";
  chart.x_label =
      "k, singular directions kept per layer (log scale; k = 0, the initialization, is in the "
      "table)";
  chart.y_label = "test accuracy (%)";
  chart.log_x = true;
  SvgSeries s = named("projected network");
  for (const auto& pt : p.points) {
    if (pt.k <= 0) continue;  // no place on a log axis
    s.x.push_back(double(pt.k));
    s.y.push_back(100 * pt.accuracy);
  }
  chart.series = {s};
  if (!p.points.empty()) {
    SvgSeries t = named("trained network");
    t.color = "#7f7f7f";
    t.dashed = true;
    t.x = {1.0, double(std::max<Index>(1, p.points.back().k))};
    t.y = {100 * p.trained_accuracy, 100 * p.trained_accuracy};
    chart.series.push_back(t);
  }
  return chart;
}

SvgChart prune_retrain_chart(const std::vector<PruneRetrainPoint>& points, int64_t steps) {
  SvgChart chart;
  chart.title = "Magnitude pruning to each sparsity, before and after " + std::to_string(steps) +
                " fine-tuning steps";
  chart.x_label = "% of the hidden layers' weights removed";
  chart.y_label = "test accuracy (%)";
  SvgSeries before = named("pruned, no retraining"), after = named("pruned and fine-tuned");
  before.dashed = true;
  for (const auto& p : points) {
    before.x.push_back(100 * p.removed);
    before.y.push_back(100 * p.accuracy_pruned);
    after.x.push_back(100 * p.removed);
    after.y.push_back(100 * p.accuracy_retrained);
  }
  chart.series = {after, before};
  return chart;
}

SvgChart lottery_chart(const std::vector<LotteryRound>& rounds, bool control) {
  SvgChart chart;
  chart.title = "Lottery tickets: test accuracy against weights remaining";
  chart.x_label = "% of weights remaining (log scale)";
  chart.y_label = "test accuracy (%)";
  chart.log_x = true;
  chart.x_min = 100.0;
  SvgSeries ticket = named("winning ticket (rewound)"), random = named("random re-initialization"),
            dense = named("dense network");
  random.dashed = true;
  dense.color = "#7f7f7f";
  dense.dashed = true;
  for (const auto& r : rounds) {
    if (!(r.remaining > 0.0)) continue;  // nothing left: no place on a log axis
    ticket.x.push_back(100.0 * r.remaining);
    ticket.y.push_back(100.0 * r.ticket_accuracy);
    if (r.control_accuracy) {
      random.x.push_back(100.0 * r.remaining);
      random.y.push_back(100.0 * *r.control_accuracy);
    }
  }
  if (!ticket.x.empty()) {
    chart.x_max = std::max(1e-4, std::min(100.0, ticket.x.back()) * 0.9);
    dense.x = {100.0, chart.x_max};
    dense.y = {ticket.y[0], ticket.y[0]};
  }
  chart.series = {ticket};
  if (control) chart.series.push_back(random);
  chart.series.push_back(dense);
  return chart;
}

SvgChart lottery_spread_chart(const std::vector<LotteryRound>& rounds) {
  SvgChart chart;
  chart.title = "Where the tickets live: survivors per unit against chance";
  chart.x_label = "% of weights remaining (log scale)";
  chart.y_label = "dispersion (1: spread as chance would)";
  chart.log_x = true;
  chart.x_min = 100.0;
  const char* colors[] = {"#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"};
  if (rounds.empty()) return chart;
  const std::size_t layers = rounds.front().layers.size();
  double lowest = 100.0;
  for (std::size_t l = 0; l < layers; ++l)
    for (bool inputs : {false, true}) {
      SvgSeries s = named(rounds.front().layers[l].layer + (inputs ? ", per input" : ", per unit"));
      s.color = colors[l % std::size(colors)];
      s.dashed = inputs;
      for (const auto& r : rounds) {
        if (l >= r.layers.size()) continue;
        const SurvivorSpread& sp = inputs ? r.layers[l].inputs : r.layers[l].units;
        if (!std::isfinite(sp.dispersion) || !(r.layers[l].remaining > 0)) continue;
        s.x.push_back(100.0 * r.layers[l].remaining);
        s.y.push_back(sp.dispersion);
        lowest = std::min(lowest, s.x.back());
      }
      chart.series.push_back(std::move(s));
    }
  chart.x_max = std::max(1e-4, lowest * 0.9);
  SvgSeries chance = named("chance (binomial)");
  chance.color = "#7f7f7f";
  chance.dashed = true;
  chance.x = {100.0, chart.x_max};
  chance.y = {1.0, 1.0};
  chart.series.push_back(std::move(chance));
  return chart;
}

std::vector<std::vector<std::string>> lottery_spread_table(
    const std::vector<LotteryRound>& rounds) {
  std::vector<std::vector<std::string>> rows{
      {"round", "remaining", "layer", "axis", "groups", "size", "present", "mean", "std",
       "binomial_std", "dispersion", "z", "empty", "expected_empty", "fewest", "most"}};
  const auto f = [](double v) { return std::isfinite(v) ? csv_field(v) : std::string(); };
  for (const auto& r : rounds)
    for (const auto& l : r.layers)
      for (bool inputs : {false, true}) {
        const SurvivorSpread& s = inputs ? l.inputs : l.units;
        rows.push_back({std::to_string(r.round), f(r.remaining), l.layer,
                        inputs ? "inputs" : "units", std::to_string(s.groups),
                        std::to_string(s.size), f(s.present), f(s.mean), f(s.std),
                        f(s.binomial_std), f(s.dispersion), f(s.z), std::to_string(s.empty),
                        f(s.expected_empty), std::to_string(s.fewest), std::to_string(s.most)});
      }
  return rows;
}

RunState at_initialization(RunState state) {
  for (std::size_t i = 0;
       i < state.values.size() && i < state.initial.size() && i < state.masks.size(); ++i)
    state.values[i] = state.initial[i] * state.masks[i];
  for (auto& buf : state.optimizer_state) std::fill(buf.begin(), buf.end(), 0.0f);
  state.optimizer_steps = 0;
  return state;
}

}  // namespace ts
