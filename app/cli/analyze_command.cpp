// `trainscope-cli analyze`: the research instruments on a checkpoint, each writing a CSV
// table and its figures, as SVG and PNG, into <run>/analysis/step-<N>/ (or --out):
//
//   geometry   spherical k-means of each dense and convolution layer's unit vectors, now
//              and at initialization: angles to the nearest centre (histograms), the PCA
//              projection coloured by cluster, frame potential against its lower bound
//   curves     pruning curves without retraining for one dense layer: magnitude, frame
//              potential, Fisher, Taylor, each smallest- and largest-first, random mean +- std
//   spectra    singular values of W and of W - W0 per layer; the ESD of each layer with
//              the Marchenko-Pastur reference
//   update     test accuracy with every W - W0 cut to its top-k singular directions
//   lr-range   the learning-rate range test from a copy of the checkpoint
//   retrain    accuracy against sparsity, before and after fine-tuning
//   interpolation  training and test loss and accuracy along the line from the initialization
//              to the checkpoint's weights (Goodfellow et al. 2015), --interpolation-range
//   landscape  the test loss (log colour) and accuracy on a 2-D slice around the weights along
//              two filter-normalized random directions (Li et al. 2018), --landscape-grid
//              points a side over [-span, span]^2
//   sharpness  the top Hessian eigenvalue of the training loss (power iteration on exact
//              Hessian-vector products in float, or with --hessian differences on central
//              differences of gradients in double) on the first --sharpness-samples training
//              images, and Hutchinson's trace estimate
// and summary.json with the headline numbers.
#include "app/cli/analysis_progress.h"
#include "app/cli/chart_png_writer.h"
#include "app/cli/commands.h"
#include "app/plot/landscape_figure.h"
#include "core/chart/analysis_charts.h"
#include "core/chart/analysis_tables.h"
#include "core/experiment/config_overrides.h"
#include "core/experiment/experiment_json.h"

#include "core/analysis/interpolation.h"
#include "core/analysis/landscape.h"
#include "core/analysis/layer_geometry.h"
#include "core/analysis/loss_slice.h"
#include "core/analysis/sharpness.h"
#include "core/analysis/spectra.h"
#include "core/analysis/weight_matrices.h"
#include "core/chart/svg_chart.h"
#include "core/data/builtin_datasets.h"
#include "core/error.h"
#include "core/experiment/experiment_data.h"
#include "core/io/atomic_file.h"
#include "core/io/csv_writer.h"
#include "core/io/run_dir.h"
#include "core/procedures/lr_range_test.h"
#include "core/procedures/prune_retrain.h"
#include "core/procedures/update_projection.h"
#include "core/prune/prune_curve_set.h"
#include "core/run/checkpoint.h"
#include "core/run/run.h"
#include "core/text_format.h"

#include <oneapi/tbb/task_arena.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace ts::cli {

namespace {

namespace fs = std::filesystem;
using Rows = std::vector<std::vector<std::string>>;

std::string f(double v) { return csv_field(v); }

void write_table(const fs::path& path, const Rows& rows) {
  write_file_atomic(path, csv_text(rows));
}

SvgSeries series(std::string name, SvgSeries::Kind kind = SvgSeries::Kind::line) {
  SvgSeries s;
  s.name = std::move(name);
  s.kind = kind;
  return s;
}

// <run>/analysis/step-<N> for a checkpoint inside a run's checkpoints/ directory.
fs::path default_out(const fs::path& checkpoint, int64_t step) {
  const fs::path dir = checkpoint.parent_path();
  const fs::path root = dir.filename() == "checkpoints" ? dir.parent_path() : dir;
  return root / "analysis" / ("step-" + std::to_string(step));
}

struct Context {
  const AnalyzeOptions& o;
  Run& run;
  const DataSplits& data;
  fs::path out;
  nlohmann::json summary;
  ChartPngWriter png;
  bool png_off = false;  // after a PNG failed: SVG only
};

// <stem>.png at export's default size. A PNG that cannot be rendered (no OpenGL context
// here) is reported once, and the analysis goes on with SVG only: the SVG and the CSV hold
// the same data. A build without the renderer writes none and says so at the start
// (analyze()).
void write_figure_png(Context& c, const std::string& stem, const SvgChart& chart) {
  if (!ChartPngWriter::available() || c.png_off) return;
  try {
    c.png.write(chart, ChartFiles{}.width, ChartFiles{}.height, c.out / (stem + ".png"));
  } catch (const Error& e) {
    std::fprintf(stderr, "analyze: no PNG: %s; the other figures are SVG only\n", e.what());
    c.png_off = true;
  }
}

// A figure as <stem>.svg and <stem>.png.
void write_figure(Context& c, const std::string& stem, const SvgChart& chart) {
  write_svg(c.out / (stem + ".svg"), chart);
  write_figure_png(c, stem, chart);
}

void geometry(Context& c) {
  AnalysisProgress progress("geometry");
  const std::vector<LayerGeometry> layers =
      layer_geometry(c.run.network(), c.run.initial_values(), c.o.clusters, c.o.seed, nullptr,
                     progress.callback());
  progress.done();
  for (const LayerGeometry& g : layers) {
    const SphericalClusters& cl = g.clusters;
    const SphericalClusters& cl0 = g.clusters_init;
    const double med = g.median_angle_deg, med0 = g.median_angle_init_deg;
    c.summary["geometry"][g.layer] = {{"median_angle_deg", med},
                                      {"median_angle_init_deg", med0},
                                      {"frame_potential", g.frame_potential},
                                      {"frame_potential_init", g.frame_potential_init},
                                      {"frame_potential_lower_bound", g.lower_bound},
                                      {"clusters", cl.centres.rows()}};
    write_table(c.out / ("geometry-" + g.layer + ".csv"), geometry_units_table(g));

    SvgChart angles;
    angles.title = g.layer + ": angle of each unit to its nearest of " +
                   std::to_string(cl.centres.rows()) + " centres";
    angles.x_label = "angle to the nearest centre (degrees)";
    angles.y_label = "density";
    std::vector<double> both = cl.angle_deg;
    both.insert(both.end(), cl0.angle_deg.begin(), cl0.angle_deg.end());
    const auto range = std::minmax_element(both.begin(), both.end());
    const double lo = *range.first, hi = *range.second;
    auto hist_of = [&](const std::vector<double>& v, const std::string& name) {
      const ValueHistogram h = histogram(v, 30, lo, hi);
      SvgSeries s = series(name, SvgSeries::Kind::histogram);
      s.x = h.edges;
      s.y = h.density;
      return s;
    };
    angles.series = {
        hist_of(cl.angle_deg, "trained (median " + std::to_string(int(std::lround(med))) + "°)"),
        hist_of(cl0.angle_deg,
                "initialization (median " + std::to_string(int(std::lround(med0))) + "°)")};
    write_figure(c, "angles-" + g.layer, angles);

    SvgChart scatter;
    scatter.title = g.layer + ": unit directions on their first two principal axes, by cluster";
    scatter.x_label = "PC1 (" + std::to_string(int(std::lround(100 * g.projection.explained[0]))) +
                      "% of variance)";
    scatter.y_label =
        "PC2 (" + std::to_string(int(std::lround(100 * g.projection.explained[1]))) + "%)";
    for (Index k = 0; k < cl.centres.rows(); ++k) {
      SvgSeries s = series("cluster " + std::to_string(k + 1), SvgSeries::Kind::markers);
      for (std::size_t i = 0; i < g.units.size(); ++i)
        if (cl.assignment[i] == k) {
          s.x.push_back(g.projection.points(Index(i), 0));
          s.y.push_back(g.projection.points(Index(i), 1));
        }
      scatter.series.push_back(s);
    }
    SvgSeries init_points = series("at initialization", SvgSeries::Kind::markers);
    init_points.color = "#bbbbbb";
    for (Index i = 0; i < g.projection_init.rows(); ++i) {
      init_points.x.push_back(g.projection_init(i, 0));
      init_points.y.push_back(g.projection_init(i, 1));
    }
    scatter.series.insert(scatter.series.begin(), init_points);
    write_figure(c, "projection-" + g.layer, scatter);
    std::printf(
        "geometry %s: median angle to the nearest centre %.1f° (at initialization %.1f°); frame "
        "potential "
        "%.1f (at initialization %.1f, lower bound %.1f)\n",
        g.layer.c_str(), med, med0, g.frame_potential, g.frame_potential_init, g.lower_bound);
  }
  write_table(c.out / "geometry.csv", geometry_table(layers));
}

void curves(Context& c) {
  const std::string& layer = c.o.layer;
  AnalysisProgress progress("pruning curves");
  const PruneCurveSet set = prune_curve_set(c.run.network(), layer, c.data, c.run.config().loss, 5,
                                            nullptr, progress.callback());
  progress.done();
  const std::size_t points = set.random_mean.size();
  write_table(c.out / ("prune-curves-" + layer + ".csv"), prune_curves_table(set));

  const SvgChart chart = prune_curves_chart(set);
  write_figure(c, "prune-curves-" + layer, chart);
  for (const auto& cc : set.curves)
    c.summary["prune_curves"][cc.name()]["units_removed_within_1_point"] =
        units_removable(cc.accuracy, 0.01);
  std::printf("pruning curves of %s: %zu points for %zu orders (dense accuracy %.2f%%)\n",
              layer.c_str(), points, set.curves.size() + set.random.size(),
              100 * set.random_mean[0]);
}

void spectra(Context& c) {
  SvgChart sv;
  sv.title = "Singular values of each weight matrix (solid) and of its update W - W0 (dashed)";
  sv.x_label = "index";
  sv.y_label = "singular value";
  sv.log_y = true;
  std::size_t color = 0;
  const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
  const auto layers = layer_spectra(c.run.network(), c.run.initial_values());
  for (const LayerSpectrum& l : layers) {
    const auto& s = l.singular;
    const auto& u = l.update_singular;
    SvgSeries a = series(l.layer), b = series("");
    a.color = b.color = palette[color++ % 6];
    b.dashed = true;
    for (std::size_t i = 0; i < s.size(); ++i) {
      a.x.push_back(double(i + 1));
      a.y.push_back(s[i]);
      b.x.push_back(double(i + 1));
      b.y.push_back(u[i]);
    }
    sv.series.push_back(a);
    sv.series.push_back(b);

    const SpectralDensity& d = l.density;
    const ValueHistogram h = histogram(d.eigenvalues, 40);
    SvgChart esd;
    esd.title = l.layer + ": empirical spectral density of W^T W / N";
    esd.x_label = "eigenvalue";
    esd.y_label = "density";
    SvgSeries hist = series("weights", SvgSeries::Kind::histogram);
    hist.x = h.edges;
    hist.y = h.density;
    SvgSeries mp = series("Marchenko-Pastur (random, same variance)");
    mp.color = "#d62728";
    const double q = double(d.m) / double(d.n);
    const double hi = std::max(h.edges.empty() ? 0.0 : h.edges.back(), d.mp_upper);
    for (int i = 1; i < 400; ++i) {
      const double x = hi * double(i) / 400.0;
      mp.x.push_back(x);
      mp.y.push_back(marchenko_pastur(x, q, d.entry_variance));
    }
    esd.series = {hist, mp};
    write_figure(c, "esd-" + l.layer, esd);
    const auto outside = std::count_if(d.eigenvalues.begin(), d.eigenvalues.end(),
                                       [&](double e) { return e > d.mp_upper; });
    c.summary["spectra"][l.layer] = {{"largest_singular_value", s.empty() ? 0.0 : s[0]},
                                     {"largest_update_singular_value", u.empty() ? 0.0 : u[0]},
                                     {"eigenvalues_above_marchenko_pastur_edge", outside}};
  }
  write_table(c.out / "singular-values.csv", singular_values_table(layers));
  write_figure(c, "singular-values", sv);
  std::printf("spectra: singular values of %zu weight matrices and their updates\n", layers.size());
}

void update_projection(Context& c) {
  AnalysisProgress progress("update projection");
  const UpdateProjection p = ts::update_projection(c.run, nullptr, progress.callback());
  progress.done();
  for (const auto& pt : p.points)
    c.summary["update_projection"][std::to_string(pt.k)] = pt.accuracy;
  write_table(c.out / "update-projection.csv", update_projection_table(p));
  write_figure(c, "update-projection", update_projection_chart(p));
  std::printf("update projection, test accuracy: %s\n", update_projection_summary(p).c_str());
}

void lr_range(Context& c) {
  LrRangeSettings s;
  // The usual question, which rates to train with, is asked of the untrained network.
  const RunState state =
      c.o.lr_range_from == "init" ? at_initialization(c.run.capture()) : c.run.capture();
  AnalysisProgress progress("learning-rate range test");
  const LrRangeResult r =
      lr_range_test(c.run.config(), c.run.data_ptr(), state, s, nullptr, progress.callback());
  progress.done();
  write_table(c.out / "lr-range.csv", lr_range_table(r));
  write_figure(c, "lr-range", lr_range_chart(r, c.o.lr_range_from == "init"));
  c.summary["lr_range"] = {{"lower", r.lower},
                           {"upper", r.upper},
                           {"steepest", r.steepest},
                           {"minimum", r.minimum},
                           {"stopped", r.stopped}};
  std::printf("learning-rate range test (from the %s): %s\n",
              c.o.lr_range_from == "init" ? "initialization" : "checkpoint",
              lr_range_summary(r).c_str());
}

void retrain(Context& c) {
  PruneRetrainSettings s;
  s.steps = c.o.retrain_steps;
  s.lr = c.o.retrain_lr;
  AnalysisProgress progress("pruning with retraining");
  const auto points = prune_retrain_curve(c.run.config(), c.run.data_ptr(), c.run.capture(), s,
                                          nullptr, progress.callback());
  progress.done();
  for (const auto& p : points)
    c.summary["prune_retrain"][f(p.sparsity)] = {{"pruned", p.accuracy_pruned},
                                                 {"retrained", p.accuracy_retrained}};
  write_table(c.out / "prune-retrain.csv", prune_retrain_table(points));
  write_figure(c, "prune-retrain", prune_retrain_chart(points, s.steps));
  std::printf("pruning with retraining, %zu targets: %s\n", points.size() - 1,
              prune_retrain_summary(points).c_str());
}

void interpolation(Context& c) {
  const auto& net = c.run.network();
  const auto masks = net.params().masks();
  const Dataset& train = c.data.train;
  LossSurface<float> tr(net.spec(), c.run.config().loss, train,
                        std::min<Index>(train.size(), c.o.interpolation_samples), masks);
  LossSurface<float> te(net.spec(), c.run.config().loss, c.data.test, c.data.test.size(), masks);
  const std::vector<float> now(net.params().values().begin(), net.params().values().end());
  // From the initialization to these weights, or from these weights to another run's of the
  // same architecture (a barrier between two minima, or none).
  std::vector<float> from = c.run.initial_values(), to = now;
  std::string from_name = "the initialization",
              to_name = "step " + std::to_string(c.run.steps_done());
  if (!c.o.interpolate_to.empty()) {
    Run other(checkpoint_config(c.o.interpolate_to), c.run.data_ptr());
    const auto& mine = net.params();
    const auto& theirs = other.network().params();
    if (!mine.same_layout(theirs))
      throw Error(c.o.interpolate_to +
                  ": --interpolate-to needs a checkpoint of the same architecture (its tensors "
                  "differ from this one's)");
    load_checkpoint(other, c.o.interpolate_to);
    from = now;
    to.assign(other.network().params().values().begin(), other.network().params().values().end());
    from_name = "this checkpoint";
    to_name = fs::path(c.o.interpolate_to).filename().string();
  }
  AnalysisProgress progress("interpolation");
  const auto line =
      interpolate(tr, te, from, to, c.o.interpolation_range[0], c.o.interpolation_range[1],
                  c.o.interpolation_points, nullptr, progress.callback());
  progress.done();
  write_table(c.out / "interpolation.csv", interpolation_table(line));
  // Loss and accuracy stacked in one SVG, and a PNG of each, as the landscape's.
  const std::vector<SvgChart> charts = interpolation_charts(line, from_name, to_name);
  write_svg(c.out / "interpolation.svg", charts);
  write_figure_png(c, "interpolation", charts[0]);
  write_figure_png(c, "interpolation-accuracy", charts[1]);
  const InterpolationShape shape = interpolation_shape(line);
  c.summary["interpolation"] = {
      {"from", c.o.interpolate_to.empty() ? "initialization" : "checkpoint"},
      {"to", c.o.interpolate_to.empty() ? "checkpoint" : c.o.interpolate_to},
      {"points", line.size()},
      {"train_samples", tr.samples()},
      {"monotonic", shape.valid ? nlohmann::json(shape.monotonic) : nlohmann::json()},
      {"barrier", shape.valid ? shape.barrier : NAN}};
  std::printf("interpolation from %s to %s: %s\n", from_name.c_str(), to_name.c_str(),
              interpolation_summary(line).c_str());
}

void landscape(Context& c) {
  const auto& net = c.run.network();
  const std::span<const float> w = net.params().values();
  LandscapeSettings s;
  s.grid = c.o.landscape_grid;
  s.span = c.o.landscape_span;
  s.samples = c.o.landscape_samples;
  s.trajectory = c.o.landscape_directions == "trajectory";
  s.seed = c.o.seed;
  std::vector<PathPoint> path;
  const fs::path ck(c.o.checkpoint);
  if (s.trajectory) {
    // The run's path: its initialization, then each checkpoint before this one, in its
    // directory.
    path.push_back({0, c.run.initial_values()});
    for (const CheckpointFile& cf : RunDir::list_checkpoints(ck.parent_path())) {
      if (cf.step <= 0 || cf.step >= c.run.steps_done()) continue;
      Run r(c.run.config(), c.run.data_ptr());
      load_checkpoint(r, cf.path);
      const auto v = r.network().params().values();
      path.push_back({cf.step, std::vector<float>(v.begin(), v.end())});
    }
    if (path.size() < 2)
      throw Error(ck.parent_path().string() +
                  ": --landscape-directions trajectory needs at least one checkpoint between the "
                  "initialization and step " +
                  std::to_string(c.run.steps_done()) +
                  " (train with training.checkpoint_interval)");
  }
  // Before a slice of an epoch's work or more, what it costs and which options make it less.
  const std::string cost =
      landscape_cost_note(slice_route(net), s.grid, std::min<Index>(s.samples, c.data.test.size()),
                          c.data.train.size(), 1.0);
  if (!cost.empty())
    std::fprintf(stderr, "landscape: %s (--landscape-samples, --landscape-grid)\n", cost.c_str());
  AnalysisProgress progress("landscape");
  Landscape l;
  try {
    l = compute_landscape(net, c.run.config().loss, w, c.run.steps_done(), c.data.test, s, path,
                          nullptr, progress.callback());
  } catch (const Error& e) {
    // The path's errors are of the checkpoints it was read from.
    if (!s.trajectory) throw;
    throw Error(ck.parent_path().string() + ": " + e.what());
  }
  progress.done();
  plot::write_landscape_files(c.out, l);
  const SliceGrid& g = l.grid;
  const std::size_t best = l.lowest(), n = std::size_t(g.n);
  c.summary["landscape"] = {
      {"grid", g.n},
      {"span", g.span},
      {"samples", std::min<Index>(c.data.test.size(), c.o.landscape_samples)},
      {"directions", l.directions},
      {"explained_variance",
       l.path.empty() ? nlohmann::json() : nlohmann::json{l.explained[0], l.explained[1]}},
      {"centre_loss", g.loss[l.centre()]},
      {"min_loss", g.loss[best]},
      {"min_at", {g.coordinate(int(best % n)), g.coordinate(int(best / n))}},
      {"max_loss", g.loss[l.highest()]},
      {"points_without_loss", l.not_a_number()}};
  std::printf("landscape: %s\n", landscape_summary(l).c_str());
}

void sharpness_of(Context& c) {
  const auto& net = c.run.network();
  const Dataset& train = c.data.train;
  const Index samples = std::min<Index>(train.size(), c.o.sharpness_samples);
  SharpnessSettings s;
  s.trace_probes = c.o.trace_probes;
  s.seed = c.o.seed;
  s.exact = c.o.hessian == "exact";
  const std::span<const float> values = net.params().values();
  Sharpness r;
  AnalysisProgress progress("sharpness");
  const auto report = progress.callback();
  if (s.exact) {
    LossSurface<float> surface(net.spec(), c.run.config().loss, train, samples,
                               net.params().masks());
    r = sharpness<float>(surface, values, s, {}, nullptr, report);
  } else {  // in double: the step must stay below the ReLU kinks (core/analysis/loss_surface.h)
    LossSurface<double> surface(net.spec(), c.run.config().loss, train, samples,
                                net.params().masks());
    const std::vector<double> w(values.begin(), values.end());
    r = sharpness<double>(surface, w, s, {}, nullptr, report);
  }
  progress.done();
  const double lr = c.run.next_learning_rate();
  write_table(c.out / "sharpness.csv", sharpness_table(r, lr));
  write_figure(c, "sharpness", sharpness_chart(r));
  c.summary["sharpness"] = {
      {"top_eigenvalue", r.top_eigenvalue},
      {"trace", std::isnan(r.trace) ? nlohmann::json() : nlohmann::json(r.trace)},
      {"samples", r.samples},
      {"iterations", r.iterations},
      {"converged", r.converged},
      {"products", c.o.hessian},
      {"loss", r.loss},
      {"lr", lr}};
  std::printf("sharpness: %s\n", sharpness_summary(r, lr).c_str());
}

}  // namespace

int analyze(const AnalyzeOptions& o) {
  static const std::vector<std::string> kAll{"geometry",      "curves",    "spectra",
                                             "update",        "lr-range",  "retrain",
                                             "interpolation", "sharpness", "landscape"};
  const std::vector<std::string> what = o.what.empty() ? kAll : o.what;
  for (const auto& w : what)
    if (std::find(kAll.begin(), kAll.end(), w) == kAll.end())
      throw Error("--what: unknown analysis \"" + w + "\" (known: " + join(kAll) + ")");
  if (o.lr_range_from != "init" && o.lr_range_from != "checkpoint")
    throw Error("--lr-range-from: must be init or checkpoint, got \"" + o.lr_range_from + "\"");
  if (o.interpolation_points < 2)
    throw Error("--interpolation-points: at least 2, got " +
                std::to_string(o.interpolation_points));
  if (!(o.interpolation_range[0] < o.interpolation_range[1]))
    throw Error("--interpolation-range: low must be below high");
  if (o.landscape_directions != "random" && o.landscape_directions != "trajectory")
    throw Error("--landscape-directions: random or trajectory, got \"" + o.landscape_directions +
                "\"");
  if (o.landscape_grid < 1 || o.landscape_grid > 1001)
    throw Error("--landscape-grid: from 1 to 1001 points a side, got " +
                std::to_string(o.landscape_grid));
  if (!(o.landscape_span > 0 && o.landscape_span <= kMaxLandscapeSpan))
    throw Error("--landscape-span: must be in (0, " + format_number(kMaxLandscapeSpan) + "], got " +
                format_number(o.landscape_span));
  if (o.interpolation_samples < 1)
    throw Error("--interpolation-samples: at least 1, got " +
                std::to_string(o.interpolation_samples));
  if (o.landscape_samples < 1)
    throw Error("--landscape-samples: at least 1, got " + std::to_string(o.landscape_samples));
  if (o.sharpness_samples < 1)
    throw Error("--sharpness-samples: at least 1, got " + std::to_string(o.sharpness_samples));
  if (o.clusters < 1)
    throw Error("--clusters: must be at least 1, got " + std::to_string(o.clusters));
  // The checkpoint's experiment, with --set changes (e.g. the optimizer the retraining uses).
  ExperimentConfig cfg = checkpoint_config(o.checkpoint);
  if (!o.sets.empty())
    cfg = experiment_with_overrides(to_json(cfg), o.sets, o.checkpoint + " (config)");
  if (o.threads) cfg.training.threads = *o.threads;
  const auto data = load_experiment_data(cfg, data_dir(o.data_dir));
  Run run(cfg, data);
  load_checkpoint(run, o.checkpoint);
  const fs::path out =
      o.out.empty() ? default_out(o.checkpoint, run.steps_done()) : fs::path(o.out);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw Error(out.string() + ": cannot create the output directory: " + ec.message());
  Context c{o, run, *data, out, nlohmann::json::object(), {}, false};
  if (!ChartPngWriter::available())
    std::fprintf(stderr,
                 "analyze: this build has no renderer (configured with "
                 "TRAINSCOPE_BUILD_APP=OFF): the figures are SVG only\n");
  c.summary["checkpoint"] = o.checkpoint;
  c.summary["step"] = run.steps_done();
  c.summary["test_accuracy"] = run.evaluate(data->test).accuracy;
  tbb::task_arena arena(run.threads());
  arena.execute([&] {
    for (const auto& w : what) {
      if (w == "geometry") geometry(c);
      if (w == "curves") curves(c);
      if (w == "spectra") spectra(c);
      if (w == "update") update_projection(c);
      if (w == "lr-range") lr_range(c);
      if (w == "retrain") retrain(c);
      if (w == "interpolation") interpolation(c);
      if (w == "sharpness") sharpness_of(c);
      if (w == "landscape") landscape(c);
    }
  });
  write_file_atomic(out / "summary.json", c.summary.dump(2) + "\n");
  std::printf("wrote %s\n", out.string().c_str());
  return 0;
}

}  // namespace ts::cli
