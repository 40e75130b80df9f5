#include "app/panels/curves_panel.h"

#include "core/chart/overlay_chart.h"
#include "core/chart/sharpness_chart.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace ts {

namespace {
// The mirrors, in CurvesPanel::mirrors_ order.
enum : std::size_t {
  kLoss,
  kValLoss,
  kTestLoss,
  kAcc,
  kValAcc,
  kTestAcc,
  kLr,
  kSparsity,
  kGrad,
  kSeconds,
  kSharpness
};
// Past this many runs overlaid, each is one legend entry and its raw steps are not drawn.
constexpr std::size_t kListedRuns = 3;
}  // namespace

void CurvesPanel::update(int id, const TrainerMetrics& metrics) {
  RunMirrors& r = mirrors(id);
  if (metrics.generation != r.generation) {
    r.generation = metrics.generation;
    for (auto& m : r.mirrors) m.curve.clear();
  }
  for (auto& m : r.mirrors) m.curve.update(metrics.*(m.series));
  if (bench_) bench_curve_.update(*bench_);
}

void CurvesPanel::forget(int id) { runs_.erase(id); }

CurvesPanel::View CurvesPanel::view() const {
  return {which_ == accuracy        ? "accuracy"
          : which_ == learning_rate ? "lr"
          : which_ == gradient_norm ? "grad"
                                    : "loss",
          log_loss_, smoothing_};
}

void CurvesPanel::set_view(const View& v) {
  which_ = v.curve == "accuracy" ? accuracy
           : v.curve == "lr"     ? learning_rate
           : v.curve == "grad"   ? gradient_norm
                                 : loss;
  log_loss_ = v.log_scale;
  smoothing_ = std::clamp(v.smoothing, 0.f, 0.99f);
}

float CurvesPanel::last_loss(int id) const {
  const auto it = runs_.find(id);
  if (it == runs_.end()) return NAN;
  const auto& p = it->second.mirrors[kLoss].curve.points();
  return p.empty() ? NAN : p.back().value;
}

void CurvesPanel::add_benchmark_series(std::size_t points) {
  // A loss-like curve: a decay, noise, and a rare spike every 50,000 steps.
  bench_ = std::make_unique<ScalarSeries>();
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (std::size_t i = 0; i < points; ++i) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    const double noise = double(state >> 11) / double(1ull << 53);
    const double t = double(i) / double(std::max<std::size_t>(points, 1));
    double v = 2.0 * std::exp(-6 * t) + 0.05 + 0.1 * noise;
    if (i % 50000 == 49999) v *= 8;
    bench_->push(int64_t(i) + 1, float(v));
  }
}

plot::LiveCurve& CurvesPanel::used_learning_rates(int id) { return mirrors(id).mirrors[kLr].curve; }
plot::LiveCurve& CurvesPanel::sparsity(int id) { return mirrors(id).mirrors[kSparsity].curve; }

CurvesPanel::XMap CurvesPanel::x_map(const Shown& run) const {
  const TrainerStatus& st = *run.status;
  switch (x_axis_) {
    case by_epoch:
      return {0, st.steps_per_epoch > 0 ? 1.0 / double(st.steps_per_epoch) : 1.0};
    case by_samples:
      return {0, double(std::max<int64_t>(1, st.config.training.batch_size))};
    case since_fork:
      return {double(run.fork_step), 1};
    case by_time:
      return {0, 1, &runs_.at(run.id).mirrors[kSeconds].curve.points()};
    default:
      return {};
  }
}

double CurvesPanel::XMap::to_x(double step) const {
  if (!time) return (step - offset) * scale;
  // The seconds at the first step at or after `step` (steps before the first timed one: 0).
  const auto it =
      std::lower_bound(time->begin(), time->end(), step,
                       [](const SeriesPoint& p, double s) { return double(p.step) < s; });
  if (it == time->end()) return time->empty() ? 0.0 : double(time->back().value);
  return double(it->value);
}

double CurvesPanel::XMap::to_step(double x) const {
  if (!time) return x / scale + offset;
  // The first step whose time reaches x (the seconds never decrease along the steps).
  const auto it =
      std::lower_bound(time->begin(), time->end(), x,
                       [](const SeriesPoint& p, double v) { return double(p.value) < v; });
  if (it == time->end()) return time->empty() ? x : double(time->back().step) + 1;
  return double(it->step);
}

SvgChart CurvesPanel::build_chart(const Shown& run, int columns, bool overlaid) {
  static constexpr const char* kXLabels[] = {"step", "epoch", "samples seen",
                                             "steps since the fork", "seconds training"};
  const TrainerMetrics& metrics = *run.metrics;
  const TrainerStatus& st = *run.status;
  std::vector<Mirror>& m = mirrors(run.id).mirrors;
  SvgChart chart;
  chart.x_label = kXLabels[x_axis_];
  const XMap xm = x_map(run);
  const auto to_x = [&](double step) { return xm.to_x(step); };
  for (SvgMarker mk : *run.markers) {
    mk.x = to_x(mk.x);
    chart.markers.push_back(std::move(mk));
  }
  plot::PlotView& view = views_[which_];
  const float smoothing = which_ == learning_rate ? 0.f : smoothing_;
  auto add = [&](plot::LiveCurve& curve, const ScalarSeries& series, const std::string& name,
                 const char* color, bool per_step) {
    SvgSeries raw, smooth;
    curve.decimate(series, xm.to_step(view.x0), xm.to_step(view.x1), view.fit, columns,
                   per_step ? smoothing : 0.f, raw, smooth);
    for (auto* s : {&raw, &smooth})
      for (double& x : s->x) x = to_x(x);
    raw.name = name;
    raw.color = color;
    if (per_step && smoothing > 0) {
      // Overlaid, the raw steps are faint and unlisted: the moving averages are what compare.
      raw.name = overlaid ? "" : name + " (raw)";
      raw.opacity = overlaid ? 0.18 : 0.3;
      smooth.name =
          overlaid ? name : name + " (EMA " + std::to_string(smoothing).substr(0, 4) + ")";
      smooth.color = color;
      chart.series.push_back(std::move(raw));
      chart.series.push_back(std::move(smooth));
    } else {
      chart.series.push_back(std::move(raw));
    }
  };
  if (which_ == learning_rate) {
    chart.title = "Learning rate";
    chart.y_label = "learning rate";
    add(m[kLr].curve, metrics.lr, "used", "#1f77b4", false);
    if (metrics.sharpness.size() > 0) {
      // Against 2 / lr (core/chart/sharpness_chart.h): the series `add` draws, moved out.
      add(m[kSharpness].curve, metrics.sharpness, "sharpness", "", false);
      SvgSeries sharpness = std::move(chart.series.back());
      chart.series.pop_back();
      add_sharpness_against_rate(chart, chart.series.size() - 1, std::move(sharpness));
    }
    if (overlaid || x_axis_ != by_step) return chart;
    SvgSeries plan = planned_.series(st.config.schedule, st.step - st.schedule_start, st.step,
                                     st.planned, std::min(columns, 4096), true);
    plan.name = "planned";
    plan.color = "#ff7f0e";
    plan.dashed = true;
    chart.series.push_back(std::move(plan));
    return chart;
  }
  if (which_ == gradient_norm) {
    chart.title = "Gradient norm";
    chart.y_label = "gradient norm (before clipping)";
    chart.log_y = true;
    add(m[kGrad].curve, metrics.grad_norm, "gradient norm", "#9467bd", true);
    return chart;
  }
  const bool is_loss = which_ == loss;
  chart.title = is_loss ? "Loss" : "Accuracy";
  chart.y_label = is_loss ? "loss" : "accuracy";
  chart.log_y = is_loss && log_loss_;
  if (is_loss && bench_ && !overlaid)
    add(bench_curve_, *bench_, "benchmark series (" + std::to_string(bench_->size()) + " points)",
        "#8c564b", true);
  add(m[is_loss ? kLoss : kAcc].curve, is_loss ? metrics.loss : metrics.accuracy, "train",
      "#1f77b4", true);
  add(m[is_loss ? kValLoss : kValAcc].curve,
      is_loss ? metrics.validation_loss : metrics.validation_accuracy, "validation", "#d62728",
      false);
  add(m[is_loss ? kTestLoss : kTestAcc].curve, is_loss ? metrics.test_loss : metrics.test_accuracy,
      "test", "#2ca02c", false);
  return chart;
}

SvgChart CurvesPanel::build_charts(const std::vector<Shown>& runs, int columns) {
  if (runs.size() == 1) return build_chart(runs.front(), columns, false);
  std::vector<RunChart> charts;
  for (const Shown& r : runs) {
    SvgChart c = build_chart(r, columns, true);
    if (runs.size() > kListedRuns) {
      // Many runs: the raw steps would bury the lines, and the legend lists one line a run
      // (its training curve); the others stay drawn, unlisted, styled by their rank as the
      // overlay styles listed lines (validation and test; 2 / lr and the sharpness).
      std::erase_if(c.series, [](const SvgSeries& s) { return s.opacity < 1.0; });
      int kept = 0;
      for (SvgSeries& s : c.series) {
        if (s.name.empty()) continue;
        if (kept > 0) {
          s.name.clear();
          style_overlay_line(s, kept);
        }
        ++kept;
      }
    }
    if (r.faded)  // another run is highlighted: this one stays, faint
      for (SvgSeries& s : c.series) s.opacity *= 0.25;
    charts.push_back({r.label, std::move(c), r.color});
  }
  return overlay_charts(charts);
}

void CurvesPanel::draw(const std::vector<Shown>& runs, const std::string& export_dir,
                       const Report& report, const Log& log) {
  if (runs.empty()) {
    ImGui::TextDisabled("No run is shown: tick one in the Runs panel.");
    return;
  }
  ImGui::RadioButton("loss", &which_, loss);
  report("curve-loss");
  ImGui::SameLine();
  ImGui::RadioButton("accuracy", &which_, accuracy);
  report("curve-accuracy");
  ImGui::SameLine();
  ImGui::RadioButton("learning rate", &which_, learning_rate);
  report("curve-lr");
  ImGui::SameLine();
  ImGui::RadioButton("grad norm", &which_, gradient_norm);
  report("curve-grad");
  if (which_ == loss) {
    ImGui::SameLine(0, 20);
    ImGui::Checkbox("log scale", &log_loss_);
    report("curve-log");
  }
  if (which_ != learning_rate) {
    ImGui::SameLine(0, 20);
    ImGui::SetNextItemWidth(100);
    ImGui::SliderFloat("smoothing", &smoothing_, 0.f, 0.99f, "%.2f", ImGuiSliderFlags_AlwaysClamp);
    report("curve-smoothing");
  }
  ImGui::SameLine(0, 20);
  ImGui::SetNextItemWidth(136);
  static constexpr const char* kAxes[] = {"x: step", "x: epoch", "x: samples seen",
                                          "x: since the fork", "x: time"};
  if (ImGui::BeginCombo("##x-axis", kAxes[x_axis_])) {
    for (int i = 0; i < 5; ++i) {
      if (ImGui::Selectable(kAxes[i], i == x_axis_) && i != x_axis_) {
        x_axis_ = i;
        for (auto& v : views_) v = plot::PlotView();  // the old range means nothing now
      }
      report(("x-axis-" + std::to_string(i)).c_str());
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "The x-axis: steps, epochs, samples seen (at each run's current batch size), steps\n"
        "since each run's fork (a run that is no fork counts from its start), or the seconds\n"
        "each run spent training (pauses left out).");
  report("curve-x-axis");
  ImGui::SameLine(0, 20);
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "drag: pan\nwheel: zoom about the pointer\nright-drag: zoom to a box\ndouble-click: fit to "
        "the "
        "data and follow it\nright-click: export PNG, SVG or CSV of what is shown\nlegend: click "
        "an "
        "entry to hide or show it\nvertical lines: changes to the run (hover for what)");
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const SvgChart chart = build_charts(runs, std::max(1, int(avail.x) - 70));
  static constexpr const char* kStems[] = {"loss", "accuracy", "learning-rate", "gradient-norm"};
  // The CSV holds every step in the visible range, not the drawn buckets.
  auto full_data = [&] {
    SvgChart all = build_charts(runs, 1 << 30);
    for (auto& s : all.series) s.lo.clear(), s.hi.clear();
    return all;
  };
  if (auto r = plot::xy_plot("curves", chart, ImVec2(avail.x, avail.y - 2),
                             export_dir + "/" + kStems[which_], report, &views_[which_], full_data))
    log("export " + *r);
  report("curves-plot");
}

}  // namespace ts
