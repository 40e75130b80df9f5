#include "app/panels/curves_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace ts {

namespace {
// The mirrors, in CurvesPanel::mirrors_ order.
enum : std::size_t { kLoss, kValLoss, kTestLoss, kAcc, kValAcc, kTestAcc, kLr, kSparsity };
}  // namespace

void CurvesPanel::reset() {
  for (auto& m : mirrors_) m.curve.clear();
  generation_ = 0;
  planned_ = plot::PlannedCurve();
  for (auto& v : views_) v = plot::PlotView();
}

void CurvesPanel::update(const TrainerMetrics& metrics) {
  if (metrics.generation != generation_) {
    generation_ = metrics.generation;
    for (auto& m : mirrors_) m.curve.clear();
  }
  for (auto& m : mirrors_) m.curve.update(metrics.*(m.series));
  if (bench_) bench_curve_.update(*bench_);
}

CurvesPanel::View CurvesPanel::view() const {
  return {which_ == accuracy        ? "accuracy"
          : which_ == learning_rate ? "lr"
                                    : "loss",
          log_loss_, smoothing_};
}

void CurvesPanel::set_view(const View& v) {
  which_ = v.curve == "accuracy" ? accuracy : v.curve == "lr" ? learning_rate : loss;
  log_loss_ = v.log_scale;
  smoothing_ = std::clamp(v.smoothing, 0.f, 0.99f);
}

float CurvesPanel::last_loss() const {
  const auto& p = mirrors_[kLoss].curve.points();
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

plot::LiveCurve& CurvesPanel::used_learning_rates() { return mirrors_[kLr].curve; }
plot::LiveCurve& CurvesPanel::sparsity() { return mirrors_[kSparsity].curve; }

SvgChart CurvesPanel::build_chart(const TrainerMetrics& metrics, const TrainerStatus& st,
                                  const std::vector<SvgMarker>& markers, int columns) {
  SvgChart chart;
  chart.x_label = "step";
  chart.markers = markers;
  plot::PlotView& view = views_[which_];
  const float smoothing = which_ == learning_rate ? 0.f : smoothing_;
  auto add = [&](plot::LiveCurve& curve, const ScalarSeries& series, const std::string& name,
                 const char* color, bool per_step) {
    SvgSeries raw, smooth;
    curve.decimate(series, view.x0, view.x1, view.fit, columns, per_step ? smoothing : 0.f, raw,
                   smooth);
    raw.name = name;
    raw.color = color;
    if (per_step && smoothing > 0) {
      raw.name += " (raw)";
      raw.opacity = 0.3;
      smooth.name = name + " (EMA " + std::to_string(smoothing).substr(0, 4) + ")";
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
    add(mirrors_[kLr].curve, metrics.lr, "used", "#1f77b4", false);
    SvgSeries plan = planned_.series(st.config.schedule, st.step - st.schedule_start, st.step,
                                     st.planned, std::min(columns, 4096), true);
    plan.name = "planned";
    plan.color = "#ff7f0e";
    plan.dashed = true;
    chart.series.push_back(std::move(plan));
    return chart;
  }
  const bool is_loss = which_ == loss;
  chart.title = is_loss ? "Loss" : "Accuracy";
  chart.y_label = is_loss ? "loss" : "accuracy";
  chart.log_y = is_loss && log_loss_;
  if (is_loss && bench_)
    add(bench_curve_, *bench_, "benchmark series (" + std::to_string(bench_->size()) + " points)",
        "#8c564b", true);
  add(mirrors_[is_loss ? kLoss : kAcc].curve, is_loss ? metrics.loss : metrics.accuracy, "train",
      "#1f77b4", true);
  add(mirrors_[is_loss ? kValLoss : kValAcc].curve,
      is_loss ? metrics.validation_loss : metrics.validation_accuracy, "validation", "#d62728",
      false);
  add(mirrors_[is_loss ? kTestLoss : kTestAcc].curve,
      is_loss ? metrics.test_loss : metrics.test_accuracy, "test", "#2ca02c", false);
  return chart;
}

void CurvesPanel::draw(const TrainerMetrics& metrics, const TrainerStatus& status,
                       const std::vector<SvgMarker>& markers, const std::string& export_dir,
                       const Report& report, const Log& log) {
  ImGui::RadioButton("loss", &which_, loss);
  report("curve-loss");
  ImGui::SameLine();
  ImGui::RadioButton("accuracy", &which_, accuracy);
  report("curve-accuracy");
  ImGui::SameLine();
  ImGui::RadioButton("learning rate", &which_, learning_rate);
  report("curve-lr");
  if (which_ == loss) {
    ImGui::SameLine(0, 20);
    ImGui::Checkbox("log scale", &log_loss_);
    report("curve-log");
  }
  if (which_ != learning_rate) {
    ImGui::SameLine(0, 20);
    ImGui::SetNextItemWidth(140);
    ImGui::SliderFloat("smoothing", &smoothing_, 0.f, 0.99f, "%.2f", ImGuiSliderFlags_AlwaysClamp);
    report("curve-smoothing");
  }
  ImGui::SameLine(0, 20);
  ImGui::TextDisabled("(how to zoom)");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "drag: pan\nwheel: zoom about the pointer\nright-drag: zoom to a box\ndouble-click: fit to "
        "the "
        "data and follow it\nright-click: export PNG, SVG or CSV of what is shown\nlegend: click "
        "an "
        "entry to hide or show it\nvertical lines: changes to the run (hover for what)");
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const SvgChart chart = build_chart(metrics, status, markers, std::max(1, int(avail.x) - 70));
  static constexpr const char* kStems[] = {"loss", "accuracy", "learning-rate"};
  // The CSV holds every step in the visible range, not the drawn buckets.
  auto full_data = [&] {
    SvgChart all = build_chart(metrics, status, markers, 1 << 30);
    for (auto& s : all.series) s.lo.clear(), s.hi.clear();
    return all;
  };
  if (auto r = plot::xy_plot("curves", chart, ImVec2(avail.x, avail.y - 2),
                             export_dir + "/" + kStems[which_], report, &views_[which_], full_data))
    log("export " + *r);
  report("curves-plot");
}

}  // namespace ts
