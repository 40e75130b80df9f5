#include "core/chart/analysis_tables.h"

#include "core/io/csv_writer.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace ts {

namespace {

std::string cell(double v) { return csv_field(v); }
std::string cell(const std::optional<double>& v) { return v ? csv_field(*v) : std::string(); }

std::string percent(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f%%", 100 * v);
  return b;
}

}  // namespace

Table lr_range_table(const LrRangeResult& r) {
  Table rows{{"lr", "loss", "smoothed_loss"}};
  for (const auto& p : r.points) rows.push_back({cell(p.lr), cell(p.loss), cell(p.smoothed)});
  return rows;
}

Table interpolation_table(const std::vector<InterpolationPoint>& line) {
  Table rows{{"alpha", "train_loss", "train_accuracy", "test_loss", "test_accuracy"}};
  for (const auto& p : line)
    rows.push_back({cell(p.alpha), cell(p.train_loss), cell(p.train_accuracy), cell(p.test_loss),
                    cell(p.test_accuracy)});
  return rows;
}

std::string interpolation_summary(const std::vector<InterpolationPoint>& line) {
  const InterpolationShape shape = interpolation_shape(line);
  if (shape.non_finite) {
    const InterpolationPoint& p = line[*shape.non_finite];
    char b[160];
    std::snprintf(b, sizeof b,
                  "the training loss is %s at alpha %.3g: the line's shape is not judged",
                  std::isnan(p.train_loss) ? "not a number" : "infinite", p.alpha);
    return b;
  }
  if (!shape.valid)
    return "fewer than two points with alpha in [0, 1]: nothing to say of the line between its "
           "ends";
  const InterpolationPoint *start = &line[shape.start], *end = &line[shape.end],
                           *peak = &line[shape.peak];
  const double barrier = shape.barrier;
  char b[300];
  if (std::all_of(line.begin() + std::ptrdiff_t(shape.start),
                  line.begin() + std::ptrdiff_t(shape.end) + 1,
                  [&](const InterpolationPoint& p) { return p.train_loss == start->train_loss; }))
    std::snprintf(b, sizeof b,
                  "the training loss stays at %.4g from alpha %.3g to %.3g (are the two ends the "
                  "same weights?)",
                  start->train_loss, start->alpha, end->alpha);
  else if (shape.monotonic)
    std::snprintf(b, sizeof b,
                  "the training loss falls monotonically from %.4g at alpha %.3g to %.4g at alpha "
                  "%.3g (test %.4g to %.4g)",
                  start->train_loss, start->alpha, end->train_loss, end->alpha, start->test_loss,
                  end->test_loss);
  else if (barrier > 0)
    std::snprintf(b, sizeof b,
                  "the training loss goes from %.4g at alpha %.3g to %.4g at alpha %.3g over a "
                  "barrier of %.4g (%.4g at alpha %.3g; test accuracy there %.2f%%)",
                  start->train_loss, start->alpha, end->train_loss, end->alpha, barrier,
                  peak->train_loss, peak->alpha, 100 * peak->test_accuracy);
  else
    std::snprintf(b, sizeof b,
                  "the training loss goes from %.4g at alpha %.3g to %.4g at alpha %.3g, not "
                  "monotonically, but never above its ends",
                  start->train_loss, start->alpha, end->train_loss, end->alpha);
  return b;
}

Table sharpness_table(const Sharpness& s, double lr) {
  return {{"samples", "top_eigenvalue", "iterations", "converged", "trace", "trace_probes", "loss",
           "lr", "two_over_lr"},
          {cell(double(s.samples)), cell(s.top_eigenvalue), cell(double(s.iterations)),
           s.converged ? "true" : "false", std::isnan(s.trace) ? "" : cell(s.trace),
           cell(double(s.trace_probes)), cell(s.loss), cell(lr), lr > 0 ? cell(2.0 / lr) : ""}};
}

std::string sharpness_summary(const Sharpness& s, double lr) {
  char b[300];
  std::snprintf(b, sizeof b, "top Hessian eigenvalue %.4g on %s (%s, %s); ", s.top_eigenvalue,
                counted(s.samples, "sample", "samples").c_str(),
                counted(s.iterations, "Hessian-vector product", "Hessian-vector products").c_str(),
                s.converged ? "converged" : "not converged");
  std::string out = b;
  if (lr > 0) {
    std::snprintf(b, sizeof b, "2/lr = %.4g", 2.0 / lr);
    out += b;
  } else {
    out += "no 2/lr at a learning rate of " + format_number(lr);
  }
  if (!std::isnan(s.trace)) {
    std::snprintf(b, sizeof b, "; trace %.4g (Hutchinson, %s)", s.trace,
                  counted(s.trace_probes, "probe", "probes").c_str());
    out += b;
  }
  return out;
}

Table landscape_path_table(const Landscape& l) {
  Table t{{"step", "a", "b"}};
  for (std::size_t i = 0; i < l.path.size(); ++i)
    t.push_back(
        {std::to_string(l.path_steps[i]), csv_field(l.path[i].first), csv_field(l.path[i].second)});
  return t;
}

std::string landscape_summary(const Landscape& l) {
  const SliceGrid& g = l.grid;
  const std::size_t low = l.lowest(), n = std::size_t(g.n);
  char b[400];
  std::snprintf(b, sizeof b,
                "%d x %d over [-%.3g, %.3g]^2 along %s: test loss %.4g at the centre, "
                "lowest %.4g at (%.3g, %.3g), highest %.4g",
                g.n, g.n, g.span, g.span,
                l.directions == "trajectory" ? "the path's principal directions"
                                             : "filter-normalized random directions",
                g.loss[l.centre()], g.loss[low], g.coordinate(int(low % n)),
                g.coordinate(int(low / n)), g.loss[l.highest()]);
  std::string out = b;
  if (const std::size_t nan = l.not_a_number(); nan > 0) {
    std::snprintf(b, sizeof b, "; %zu of the %zu points have no loss (not a number)", nan,
                  g.loss.size());
    out += b;
  }
  if (!l.path.empty()) {
    std::snprintf(b, sizeof b, "; they hold %.1f%% and %.1f%% of the path", 100 * l.explained[0],
                  100 * l.explained[1]);
    out += b;
  }
  return out;
}

std::string landscape_cost_note(SliceRoute route, int grid, Index samples, Index train_size,
                                double at_least) {
  if (route != SliceRoute::whole_network || grid < 1 || samples < 1) return {};
  const double passes = double(grid) * double(grid) * double(samples);
  char count[40], b[400];
  if (passes >= 1e6)
    std::snprintf(count, sizeof count, "%.3g million", passes / 1e6);
  else if (passes >= 1e4)
    std::snprintf(count, sizeof count, "%.3g thousand", passes / 1e3);
  else
    std::snprintf(count, sizeof count, "%.0f", passes);
  const double e = train_size > 0 ? passes / 3 / double(train_size) : 0;
  if (e < at_least) return {};
  char number[32];
  std::string epochs;
  if (e < 1) {
    std::snprintf(number, sizeof number, "%.2g", e);
    epochs = number + std::string(" of an epoch");
  } else {
    std::snprintf(number, sizeof number, "%.3g", e);
    epochs =
        "about " + std::string(number) + (std::string_view(number) == "1" ? " epoch" : " epochs");
  }
  std::snprintf(b, sizeof b,
                "Every point runs the whole network here (its first layer is not dense): %d x %d "
                "points of %s are %s forward passes, the work of %s of training. It grows with "
                "the images and with the square of the points a side.",
                grid, grid, counted(samples, "image", "images").c_str(), count, epochs.c_str());
  return b;
}

std::string lr_range_summary(const LrRangeResult& r) {
  char b[240];
  if (r.upper > 0)
    std::snprintf(b, sizeof b,
                  "suggested rates %.3g to %.3g: the loss falls fastest at %.3g and is lowest at "
                  "%.3g (a decade below it is %.3g)",
                  r.lower, r.upper, r.steepest, r.minimum, r.minimum / 10);
  else
    std::snprintf(b, sizeof b, "the smoothed loss never fell below its start: no range to suggest");
  return std::string(b) + (r.stopped.empty() ? "" : "; stopped: " + r.stopped);
}

Table update_projection_table(const UpdateProjection& p) {
  Table rows{{"k", "test_accuracy", "test_loss"}};
  for (const auto& pt : p.points)
    rows.push_back({std::to_string(pt.k), cell(pt.accuracy), cell(pt.loss)});
  return rows;
}

std::string update_projection_summary(const UpdateProjection& p) {
  std::string s;
  for (const auto& pt : p.points)
    if (pt.k == 1 || pt.k == 5 || pt.k == 10 || pt.k == 20 || pt.k == 50)
      s += "k = " + std::to_string(pt.k) + ": " + percent(pt.accuracy) + ", ";
  return s + "every direction: " + percent(p.trained_accuracy);
}

Table prune_curves_table(const PruneCurveSet& set) {
  Table rows{{"removed"}};
  for (const auto& c : set.curves) rows[0].push_back(c.name());
  for (std::size_t i = 0; i < set.random.size(); ++i)
    rows[0].push_back("random_" + std::to_string(i + 1));
  rows[0].push_back("random_mean");
  rows[0].push_back("random_std");
  for (std::size_t k = 0; k < set.random_mean.size(); ++k) {
    std::vector<std::string> r{std::to_string(k)};
    for (const auto& c : set.curves) r.push_back(cell(c.accuracy[k]));
    for (const auto& a : set.random) r.push_back(cell(a[k]));
    r.push_back(cell(set.random_mean[k]));
    r.push_back(cell(set.random_std[k]));
    rows.push_back(r);
  }
  return rows;
}

Table prune_retrain_table(const std::vector<PruneRetrainPoint>& points) {
  Table rows{{"sparsity", "removed", "accuracy_pruned", "accuracy_retrained", "loss_pruned",
              "loss_retrained"}};
  for (const auto& p : points)
    rows.push_back({cell(p.sparsity), cell(p.removed), cell(p.accuracy_pruned),
                    cell(p.accuracy_retrained), cell(p.loss_pruned), cell(p.loss_retrained)});
  return rows;
}

std::string prune_retrain_summary(const std::vector<PruneRetrainPoint>& points) {
  if (points.empty()) return "no pruning targets";
  const auto& last = points.back();
  return percent(last.removed) + " removed: " + percent(last.accuracy_pruned) + " pruned, " +
         percent(last.accuracy_retrained) + " after fine-tuning (dense " +
         percent(points.front().accuracy_pruned) + ")";
}

Table lottery_table(const std::vector<LotteryRound>& rounds) {
  std::vector<std::string> header{"round",       "remaining",        "ticket_accuracy",
                                  "ticket_loss", "control_accuracy", "control_loss"};
  if (!rounds.empty())
    for (const auto& l : rounds[0].layers) header.push_back("remaining_" + l.layer);
  Table rows{header};
  for (const auto& r : rounds) {
    std::vector<std::string> row{std::to_string(r.round),  cell(r.remaining),
                                 cell(r.ticket_accuracy),  cell(r.ticket_loss),
                                 cell(r.control_accuracy), cell(r.control_loss)};
    for (const auto& l : r.layers) row.push_back(cell(l.remaining));
    rows.push_back(row);
  }
  return rows;
}

std::string lottery_summary(const std::vector<LotteryRound>& rounds) {
  if (rounds.empty()) return "no rounds";
  const auto& last = rounds.back();
  std::string s = std::to_string(last.round) + " rounds: the ticket with " +
                  percent(last.remaining) + " of the weights reaches " +
                  percent(last.ticket_accuracy);
  if (last.control_accuracy) s += ", its re-sampled control " + percent(*last.control_accuracy);
  return s + " (dense " + percent(rounds.front().ticket_accuracy) + ")";
}

Table geometry_table(const std::vector<LayerGeometry>& layers) {
  Table rows{{"layer", "units", "dimension", "frame_potential", "frame_potential_init",
              "lower_bound", "median_angle_deg", "median_angle_init_deg", "mean_cosine",
              "mean_cosine_init"}};
  for (const LayerGeometry& g : layers)
    rows.push_back({g.layer, std::to_string(g.units.size()), std::to_string(g.dimension),
                    cell(g.frame_potential), cell(g.frame_potential_init), cell(g.lower_bound),
                    cell(g.median_angle_deg), cell(g.median_angle_init_deg),
                    cell(g.clusters.mean_cosine), cell(g.clusters_init.mean_cosine)});
  return rows;
}

Table geometry_units_table(const LayerGeometry& g) {
  const SphericalClusters& cl = g.clusters;
  const SphericalClusters& cl0 = g.clusters_init;
  Table rows{{"unit", "cluster", "angle_deg", "pc1", "pc2", "cluster_init", "angle_init_deg",
              "pc1_init", "pc2_init"}};
  // Units pruned since the initialization have a row there only.
  std::vector<long> row_of_init(std::size_t(g.rows), -1);
  for (std::size_t i = 0; i < g.units_init.size(); ++i)
    row_of_init[std::size_t(g.units_init[i])] = long(i);
  for (std::size_t i = 0; i < g.units.size(); ++i) {
    const long j = row_of_init[std::size_t(g.units[i])];
    std::vector<std::string> r{std::to_string(g.units[i]), std::to_string(cl.assignment[i]),
                               cell(cl.angle_deg[i]), cell(g.projection.points(Index(i), 0)),
                               cell(g.projection.points(Index(i), 1))};
    if (j >= 0)
      for (const auto& v :
           {std::to_string(cl0.assignment[std::size_t(j)]), cell(cl0.angle_deg[std::size_t(j)]),
            cell(g.projection_init(j, 0)), cell(g.projection_init(j, 1))})
        r.push_back(v);
    else
      r.insert(r.end(), 4, "");
    rows.push_back(r);
  }
  return rows;
}

Table singular_values_table(const std::vector<LayerSpectrum>& layers) {
  Table rows{{"layer", "index", "singular_value", "update_singular_value"}};
  for (const LayerSpectrum& l : layers)
    for (std::size_t i = 0; i < l.singular.size(); ++i)
      rows.push_back({l.layer, std::to_string(i), cell(l.singular[i]), cell(l.update_singular[i])});
  return rows;
}

}  // namespace ts
