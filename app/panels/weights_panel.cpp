#include "app/panels/weights_panel.h"

#include "app/panels/analysis_files.h"
#include "app/panels/job_status.h"
#include "app/panels/layer_combo.h"
#include "app/plot/rose_plot.h"
#include "app/plot/xy_plot.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace ts {

namespace {

constexpr const char* kClusterColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                          "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
                                          "#17becf", "#7f7f7f", "#aec7e8", "#ffbb78"};

SvgSeries named(std::string name, SvgSeries::Kind kind, std::string color) {
  SvgSeries s;
  s.name = std::move(name);
  s.kind = kind;
  s.color = std::move(color);
  return s;
}

std::string degrees(double v) { return std::to_string(int(std::lround(v))) + "°"; }

// The image each unit of `layer` sees, when it is the model's first layer with weights and
// reads a one-channel image: the whole input for a dense layer, the kernel for a convolution.
// {0, 0} otherwise.
std::pair<std::size_t, std::size_t> field_shape(const ModelSpec& model, Shape3 input,
                                                const std::string& layer, std::size_t fan_in) {
  if (input.channels != 1) return {0, 0};
  for (const auto& l : model.layers) {
    if (l.kind != LayerKind::dense && l.kind != LayerKind::conv2d) continue;
    if (l.name != layer) return {0, 0};
    if (l.kind == LayerKind::dense && input.height > 1 && fan_in == std::size_t(input.size()))
      return {std::size_t(input.height), std::size_t(input.width)};
    if (l.kind == LayerKind::conv2d && fan_in == std::size_t(l.kernel * l.kernel))
      return {std::size_t(l.kernel), std::size_t(l.kernel)};
    return {0, 0};
  }
  return {0, 0};
}

}  // namespace

void WeightsPanel::reset() {
  if (job_) job_->cancel();
  job_.reset();
  shown_.reset();
  matrix_layer_.clear();
  matrix_step_ = -1;
  fields_layer_.clear();
  fields_step_ = -1;
  shown_layer_.clear();
  shown_step_ = -1;
  angles_ = SvgChart();
  projection_ = SvgChart();
  spectrum_ = SvgChart();
}

void WeightsPanel::start(Trainer& trainer, AnalysisJobs& jobs) {
  const int k = clusters_;
  job_ = jobs.start<WeightsAnalysis>("weight geometry", trainer.capture(), [k](AnalysisContext& c) {
    WeightsAnalysis a;
    a.geometry = layer_geometry(c.run.network(), c.run.initial_values(), k, 1, c.cancel,
                                [&](double f) { c.progress(0.7 * f); });
    a.spectra = layer_spectra(c.run.network(), c.run.initial_values(), c.cancel,
                              [&](double f) { c.progress(0.7 + 0.3 * f); });
    return a;
  });
}

void WeightsPanel::build_charts(const std::string& layer) {
  angles_ = SvgChart();
  projection_ = SvgChart();
  spectrum_ = SvgChart();
  const LayerGeometry* g = nullptr;
  for (const auto& x : shown_->geometry)
    if (x.layer == layer) g = &x;
  if (g) {
    angles_.title = "angle to nearest centre";
    angles_.x_label = "degrees";
    std::vector<double> both = g->clusters.angle_deg;
    both.insert(both.end(), g->clusters_init.angle_deg.begin(), g->clusters_init.angle_deg.end());
    const auto range = std::minmax_element(both.begin(), both.end());
    const double lo = *range.first, hi = *range.second;  // a lambda cannot capture a binding
    auto hist = [&](const std::vector<double>& v, std::string name, std::string color) {
      const ValueHistogram h = histogram(v, 24, lo, hi);
      SvgSeries s = named(std::move(name), SvgSeries::Kind::histogram, std::move(color));
      s.x = h.edges;
      s.y.assign(h.counts.begin(), h.counts.end());
      return s;
    };
    angles_.series = {
        hist(g->clusters_init.angle_deg, "at init, median " + degrees(g->median_angle_init_deg),
             "#9a9a9a"),
        hist(g->clusters.angle_deg, "now, median " + degrees(g->median_angle_deg), "#1f77b4")};

    projection_.title = "directions, PCA";
    projection_.x_label =
        "PC1, PC2: " +
        std::to_string(
            int(std::lround(100 * (g->projection.explained[0] + g->projection.explained[1])))) +
        "% of variance";
    SvgSeries init = named("at init", SvgSeries::Kind::markers, "#5a5a5a");
    for (Index i = 0; i < g->projection_init.rows(); ++i) {
      init.x.push_back(g->projection_init(i, 0));
      init.y.push_back(g->projection_init(i, 1));
    }
    projection_.series.push_back(init);
    for (Index c = 0; c < g->clusters.centres.rows(); ++c) {
      SvgSeries s = named("cluster " + std::to_string(c + 1), SvgSeries::Kind::markers,
                          kClusterColors[c % 12]);
      for (std::size_t i = 0; i < g->units.size(); ++i)
        if (g->clusters.assignment[i] == c) {
          s.x.push_back(g->projection.points(Index(i), 0));
          s.y.push_back(g->projection.points(Index(i), 1));
        }
      projection_.series.push_back(s);
    }
  }
  for (const auto& sp : shown_->spectra)
    if (sp.layer == layer) {
      spectrum_.title = "singular values";
      spectrum_.log_y = true;
      SvgSeries w = named("W", SvgSeries::Kind::line, "#1f77b4");
      spectrum_.x_label = "index (log scale)";
      spectrum_.log_x = true;
      SvgSeries u = named("W - W0", SvgSeries::Kind::line, "#d62728");
      u.dashed = true;
      for (std::size_t i = 0; i < sp.singular.size(); ++i) {
        w.x.push_back(double(i + 1));
        w.y.push_back(sp.singular[i]);
        u.x.push_back(double(i + 1));
        u.y.push_back(sp.update_singular[i]);
      }
      spectrum_.series = {w, u};
    }
}

void WeightsPanel::draw(Trainer& trainer, AnalysisJobs& jobs, Shape3 input,
                        const std::string& export_dir, const Report& report, const Log& log) {
  std::vector<std::string> names;
  for (const auto& l : trainer.layers())
    if (l.weight >= 0) names.push_back(l.name);
  if (names.empty()) {
    ImGui::TextUnformatted("The model has no layer with weights.");
    return;
  }
  const std::string layer = layer_combo("layer##weights", names, layer_);
  report("weights-layer");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  ImGui::SliderInt("clusters", &clusters_, 1, 12, "%d", ImGuiSliderFlags_AlwaysClamp);
  clusters_ = std::clamp(clusters_, 1, 12);
  ImGui::SameLine();

  // The newest result first (a cancelled job keeps the one before), so that starting the
  // next job below never drops a finished one.
  if (job_ && job_->state() == JobState::done && job_->result() != shown_) {
    shown_ = job_->result();
    shown_step_ = job_->step();
    shown_layer_.clear();
    log("analysis weight geometry done on step " + std::to_string(shown_step_));
    // An analysis asked for (not the continuous ones) goes into the run directory too, each
    // layer's figures under the names `analyze` gives them.
    if (job_manual_ && !trainer.run_dir().empty()) {
      // The tables are the command line's: each layer's units, and a row per layer.
      std::vector<AnalysisFile> files;
      for (const auto& g : shown_->geometry) {
        build_charts(g.layer);
        files.push_back({"angles-" + g.layer, {angles_}, {}});
        files.push_back({"projection-" + g.layer, {projection_}, {}});
        files.push_back({"spectrum-" + g.layer, {spectrum_}, {}});
        files.push_back({"geometry-" + g.layer, {}, geometry_units_table(g)});
      }
      files.push_back({"geometry", {}, geometry_table(shown_->geometry)});
      files.push_back({"singular-values", {}, singular_values_table(shown_->spectra)});
      const std::string saved = save_analysis(trainer.run_dir(), shown_step_, files);
      if (!saved.empty()) log(saved);
    }
  }
  if (ImGui::Button("Analyse weights") && !(job_ && !job_->finished())) {
    start(trainer, jobs);
    job_manual_ = true;
  }
  report("analyse-weights");
  ImGui::SameLine();
  ImGui::Checkbox("keep analysing", &continuous_);
  report("keep-analysing");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Start again on the newest weights each time an analysis finishes (uses a core)");
  // Continuously: again when the last one is done (not failed or cancelled) and training moved on.
  if (continuous_ &&
      (!job_ || (job_->state() == JobState::done && job_->step() != trainer.step()))) {
    start(trainer, jobs);
    job_manual_ = false;
  }
  ImGui::SameLine();
  ImGui::Checkbox("rose", &rose_);
  report("angles-rose");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("The angles as a rose (polar histogram) instead of a histogram");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(190);
  static constexpr const char* kFourth[] = {"singular values now", "singular values over training",
                                            "weight matrix", "units as images"};
  static constexpr const char* kFourthIds[] = {"fourth-spectrum", "fourth-spectrum-over-training",
                                               "fourth-matrix", "fourth-unit-images"};
  if (ImGui::BeginCombo("##fourth", kFourth[fourth_])) {
    for (int i = 0; i < int(std::size(kFourth)); ++i) {
      if (ImGui::Selectable(kFourth[i], i == fourth_)) fourth_ = i;
      report(kFourthIds[i]);
    }
    ImGui::EndCombo();
  }
  report("fourth-plot");
  draw_job_status(job_.get(), trainer.step(), report);
  if (shown_ && shown_layer_ != layer) {
    build_charts(layer);
    shown_layer_ = layer;
  }

  // Frame potential over training, from the trainer's series.
  SvgChart fp;
  fp.title = "frame potential";
  fp.x_label = "step";
  const auto m = trainer.metrics();
  const auto w = trainer.weights();
  for (const auto& l : m->layers)
    if (l->name == layer) {
      std::vector<SeriesPoint> pts;
      l->frame_potential.copy_new(pts);
      SvgSeries s = named("FP", SvgSeries::Kind::line, "#2ca02c");
      for (const auto& p : pts) {
        s.x.push_back(double(p.step));
        s.y.push_back(p.value);
      }
      fp.series.push_back(s);
      for (const auto& info : w->infos)
        if (info.name == layer + ".weight" && !s.x.empty()) {
          // n counts the units still present, as the frame potential does.
          const std::size_t rows = std::size_t(info.shape.at(0)), cols = info.size / rows;
          std::size_t kept = 0;
          for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 0; c < cols; ++c)
              if (w->masks[info.offset + r * cols + c] != 0.0f) {
                ++kept;
                break;
              }
          const double bound = frame_potential_lower_bound(Index(kept), Index(cols));
          SvgSeries b = named("lower bound", SvgSeries::Kind::line, "#9a9a9a");
          b.dashed = true;
          b.x = {s.x.front(), std::max(s.x.back(), s.x.front() + 1)};
          b.y = {bound, bound};
          fp.series.push_back(b);
        }
    }

  // Singular values over training: a few of them, from the trainer's evaluations.
  SvgChart sv_time;
  sv_time.title = "singular values over training";
  sv_time.x_label = "step";
  sv_time.log_y = true;
  for (const auto& l : m->layers)
    if (l->name == layer && fourth_ == spectrum_over_training) {
      std::vector<SingularValues> pts;
      l->singular_values.copy_new(pts);
      const std::size_t count = pts.empty() ? 0 : pts.back().values.size();
      std::size_t shade = 0;
      for (std::size_t k : {1, 2, 5, 10, 20, 50, 100}) {
        if (k > count) break;
        SvgSeries s =
            named("#" + std::to_string(k), SvgSeries::Kind::line, kClusterColors[shade++]);
        for (const auto& p : pts)
          if (p.values.size() >= k) {
            s.x.push_back(double(p.step));
            s.y.push_back(p.values[k - 1]);
          }
        sv_time.series.push_back(s);
      }
    }

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float gap = 6, pw = (avail.x - 3 * gap) / 4, ph = std::max(120.f, avail.y - 4);
  auto plot = [&](const char* id, const SvgChart& c, const char* empty) {
    if (c.series.empty()) {
      const ImVec2 p = ImGui::GetCursorScreenPos();
      ImGui::InvisibleButton(id, ImVec2(pw, ph));
      ImDrawList* dl = ImGui::GetWindowDrawList();
      dl->AddRectFilled(p, ImVec2(p.x + pw, p.y + ph), IM_COL32(25, 27, 32, 255));
      dl->AddText(ImVec2(p.x + 10, p.y + ph / 2 - 8), IM_COL32(140, 145, 155, 255), empty);
    } else if (auto r = plot::xy_plot(id, c, ImVec2(pw, ph), export_dir + "/" + layer + "-" + id,
                                      report)) {
      log("export " + *r);
    }
    report(id);
  };
  const char* none = shown_ ? "not measured for this layer" : "press Analyse weights";
  if (rose_ && !angles_.series.empty()) {
    if (auto r = plot::rose_plot("angles", angles_, ImVec2(pw, ph),
                                 export_dir + "/" + layer + "-angles-rose", report))
      log("export " + *r);
    report("angles");
  } else {
    plot("angles", angles_, none);
  }
  ImGui::SameLine(0, gap);
  plot("projection", projection_, none);
  ImGui::SameLine(0, gap);
  plot("frame-potential", fp, "no statistics yet");
  ImGui::SameLine(0, gap);
  if (fourth_ == spectrum_over_training)
    plot("singular-values-over-training", sv_time, "measured at each evaluation");
  else if (fourth_ == weight_matrix)
    draw_matrix(trainer, layer, ImVec2(pw, ph), export_dir, report, log);
  else if (fourth_ == receptive_fields)
    draw_fields(trainer, layer, input, ImVec2(pw, ph), export_dir, report, log);
  else
    plot("singular-values", spectrum_, none);
}

void WeightsPanel::draw_matrix(const Trainer& trainer, const std::string& layer, ImVec2 size,
                               const std::string& export_dir, const Report& report,
                               const Log& log) {
  const auto w = trainer.weights();
  const ParamInfo* info = nullptr;
  for (const auto& i : w->infos)
    if (i.name == layer + ".weight") info = &i;
  ImGui::BeginGroup();
  if (!info || info->shape.empty()) {
    ImGui::TextDisabled("no weight matrix");
    ImGui::EndGroup();
    return;
  }
  const int rows = int(info->shape.at(0)), cols = int(info->size / std::size_t(rows));
  const uint64_t commands = trainer.status()->applied_commands;
  if (matrix_layer_ != layer || matrix_step_ != w->step || matrix_commands_ != commands) {
    // Units down, inputs across; a pruned weight has no value. Colours span +-3 std of the
    // kept weights (at most their largest magnitude), so the structure is not lost to a
    // few large weights.
    std::vector<float> v(std::size_t(rows) * std::size_t(cols));
    double sum2 = 0, peak = 0;
    std::size_t kept = 0;
    for (std::size_t k = 0; k < v.size(); ++k) {
      const float x = w->values[info->offset + k];
      if (w->masks[info->offset + k] == 0.0f || !std::isfinite(x)) {
        v[k] = NAN;
        continue;
      }
      v[k] = x;
      sum2 += double(x) * x;
      peak = std::max(peak, double(std::abs(x)));
      ++kept;
    }
    matrix_.upload(rows, cols, v);
    matrix_range_ = float(std::min(peak, kept ? 3 * std::sqrt(sum2 / double(kept)) : 1.0));
    if (!(matrix_range_ > 0) || !std::isfinite(matrix_range_)) matrix_range_ = 1;
    matrix_layer_ = layer;
    matrix_step_ = w->step;
    matrix_commands_ = commands;
  }
  ImGui::Text("%s: %d units x %d inputs, step %lld", layer.c_str(), rows, cols, (long long)w->step);
  const float bar_h = 14, text_h = ImGui::GetTextLineHeightWithSpacing();
  plot::HeatmapLabels labels;
  labels.title =
      layer + ".weight at step " + std::to_string(w->step) + " (pruned weights have no value)";
  labels.x_label = "input";
  labels.y_label = "unit";
  labels.value_label = "weight";
  const auto written = matrix_.draw(
      "weight-matrix", ImVec2(size.x, std::max(40.f, size.y - 2 * text_h - bar_h)), -matrix_range_,
      matrix_range_, plot::Colormap::diverging,
      [&](int r, int c, float x) {
        char text[96];
        if (std::isnan(x))
          std::snprintf(text, sizeof text, "unit %d, input %d: pruned (or not finite)", r, c);
        else
          std::snprintf(text, sizeof text, "unit %d, input %d: %.4g", r, c, double(x));
        return std::string(text);
      },
      export_dir + "/" + layer + "-weights", labels, report);
  if (written) log("export " + *written);
  plot::colormap_bar("weight-scale", ImVec2(size.x, bar_h), -matrix_range_, matrix_range_,
                     plot::Colormap::diverging);
  ImGui::EndGroup();
}

void WeightsPanel::draw_fields(const Trainer& trainer, const std::string& layer, Shape3 input,
                               ImVec2 size, const std::string& export_dir, const Report& report,
                               const Log& log) {
  constexpr std::size_t kMaxUnits = 64;
  const auto w = trainer.weights();
  const auto st = trainer.status();
  const ParamInfo* info = nullptr;
  for (const auto& i : w->infos)
    if (i.name == layer + ".weight") info = &i;
  ImGui::BeginGroup();
  const std::size_t units = info && !info->shape.empty() ? std::size_t(info->shape.at(0)) : 0;
  const auto [th, tw] = units ? field_shape(st->config.model, input, layer, info->size / units)
                              : std::pair<std::size_t, std::size_t>{};
  if (th == 0) {
    ImGui::TextWrapped(
        "Units as images: for the first layer of a model on one-channel images "
        "(a dense layer's 28x28 inputs, a convolution's kernel).");
    ImGui::EndGroup();
    return;
  }
  const float text_h = ImGui::GetTextLineHeightWithSpacing(), bar_h = 14;
  const ImVec2 area(size.x, std::max(40.f, size.y - 2 * text_h - bar_h));
  // The tiles across that make them largest in the plot's area.
  const std::size_t shown = std::min(kMaxUnits, units);
  std::size_t across = 1;
  float best = 0;
  for (std::size_t a = 1; a <= shown; ++a) {
    const std::size_t down = (shown + a - 1) / a;
    const float scale = std::min(area.x / float(a * (tw + 1)), area.y / float(down * (th + 1)));
    if (scale > best) best = scale, across = a;
  }
  const uint64_t commands = st->applied_commands;
  if (fields_layer_ != layer || fields_step_ != w->step || fields_commands_ != commands ||
      fields_across_ != across) {
    const auto values = std::span<const float>(w->values).subspan(info->offset, info->size);
    const auto masks = std::span<const float>(w->masks).subspan(info->offset, info->size);
    fields_grid_ = receptive_field_grid(values, masks, units, th, tw, kMaxUnits, across);
    fields_.upload(int(fields_grid_.rows), int(fields_grid_.cols), fields_grid_.cells);
    fields_layer_ = layer;
    fields_step_ = w->step;
    fields_commands_ = commands;
    fields_across_ = across;
  }
  const ReceptiveFieldGrid& g = fields_grid_;
  ImGui::Text("%zu of %zu units, strongest first", g.units.size(), units);
  if (g.units.empty()) {
    ImGui::TextDisabled("every unit is pruned");
    ImGui::EndGroup();
    return;
  }
  const float scale = std::min(area.x / float(g.cols), area.y / float(g.rows));
  plot::HeatmapLabels labels;
  labels.title = layer + " units as images at step " + std::to_string(w->step) + ": tiles of " +
                 std::to_string(th) + "x" + std::to_string(tw) +
                 " inputs, strongest unit first, each scaled to its largest weight";
  labels.x_label = "grid column";
  labels.y_label = "grid row";
  labels.value_label = "weight / unit's largest";
  const auto written = fields_.draw(
      "unit-images", ImVec2(scale * float(g.cols), scale * float(g.rows)), -1.f, 1.f,
      plot::Colormap::diverging,
      [&](int r, int c, float v) {
        std::size_t unit = 0, y = 0, x = 0;
        char text[128];
        if (!g.locate(std::size_t(r), std::size_t(c), unit, y, x)) return std::string();
        const std::size_t tile =
            std::size_t(std::find(g.units.begin(), g.units.end(), unit) - g.units.begin());
        if (std::isnan(v))
          std::snprintf(text, sizeof text, "unit %zu, pixel (%zu, %zu): pruned", unit, y, x);
        else
          std::snprintf(text, sizeof text, "unit %zu, pixel (%zu, %zu): %.4g", unit, y, x,
                        double(v) * double(g.scale[tile]));
        return std::string(text);
      },
      export_dir + "/" + layer + "-unit-images", labels, report);
  if (written) log("export " + *written);
  plot::colormap_bar("unit-images-scale", ImVec2(size.x, bar_h), -1.f, 1.f,
                     plot::Colormap::diverging);
  ImGui::EndGroup();
}

}  // namespace ts
