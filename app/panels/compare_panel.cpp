#include "app/panels/compare_panel.h"

#include "app/plot/bar_plot.h"
#include "app/plot/plot_frame.h"
#include "app/plot/xy_plot.h"
#include "core/chart/overlay_chart.h"
#include "core/text_format.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace ts {

namespace {

ImU32 color_of(const std::string& hex) { return plot::parse_color(hex, 255); }

std::string percent(double v) {
  return std::isfinite(v) ? format_fixed(100 * v, 2) + "%" : std::string("--");
}

struct Stat {
  const char* label;
  const char* stem;  // of its exports
  ScalarSeries LayerSeries::*series;
  bool log;
};
constexpr Stat kStats[] = {
    {"activation std", "activation-std", &LayerSeries::act_std, true},
    {"activation mean", "activation-mean", &LayerSeries::act_mean, false},
    {"dead fraction", "dead", &LayerSeries::dead, false},
    {"saturated fraction", "saturated", &LayerSeries::saturated, false},
    {"weight norm", "weight-norm", &LayerSeries::weight_norm, false},
    {"distance from init", "distance-init", &LayerSeries::distance_init, false},
    {"frame potential", "frame-potential", &LayerSeries::frame_potential, true},
    {"gradient norm", "gradient-norm", &LayerSeries::grad_norm, true},
    {"update / weight", "update-ratio", &LayerSeries::update_ratio, true}};

const LayerSeries* layer_of(const ComparePanel::Run& r, const std::string& name) {
  for (const auto& s : r.metrics->layers)
    if (s->name == name) return s.get();
  return nullptr;
}

double last_value(const ScalarSeries& s) {
  const auto p = s.last();
  return p ? double(p->value) : NAN;
}

}  // namespace

void ComparePanel::draw_layer_table(const std::vector<Run>& runs) {
  // Each layer's latest activation std and dead fraction, a column per shown run (matched by
  // layer name): where an initialization collapses or a layer dies, side by side.
  std::vector<const Run*> shown;
  for (const Run& r : runs)
    if (r.visible && shown.size() < 6) shown.push_back(&r);
  if (shown.empty() || shown.front()->metrics->layers.empty()) return;
  std::vector<std::string> names;
  for (const Run* r : shown)
    for (const auto& l : r->metrics->layers)
      if (std::find(names.begin(), names.end(), l->name) == names.end()) names.push_back(l->name);
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_ScrollY;
  const float row_h = ImGui::GetTextLineHeightWithSpacing() + 2;
  const float h =
      std::min(ImGui::GetContentRegionAvail().y * 0.4f, row_h * float(names.size() + 1) + 6);
  if (!ImGui::BeginTable("compare-layers", int(shown.size()) + 1, flags, ImVec2(-1, h))) return;
  ImGui::TableSetupScrollFreeze(1, 1);
  ImGui::TableSetupColumn("activation std");
  for (const Run* r : shown) ImGui::TableSetupColumn(r->label.c_str());
  ImGui::TableHeadersRow();
  for (const std::string& name : names) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(name.c_str());
    for (const Run* r : shown) {
      ImGui::TableNextColumn();
      const LayerSeries* l = layer_of(*r, name);
      const double sd = l ? last_value(l->act_std) : NAN, dead = l ? last_value(l->dead) : NAN;
      if (!std::isfinite(sd)) {
        ImGui::TextDisabled("--");
        continue;
      }
      ImGui::PushStyleColor(ImGuiCol_Text, color_of(r->color));
      if (std::isfinite(dead))
        ImGui::Text("%.3g (%s dead)", sd, percent(dead).c_str());
      else
        ImGui::Text("%.3g", sd);
      ImGui::PopStyleColor();
    }
  }
  ImGui::EndTable();
}

void ComparePanel::draw(const std::vector<Run>& runs, const std::string& export_dir,
                        const Report& report, const std::function<void(const std::string&)>& log) {
  if (runs.empty()) {
    ImGui::TextDisabled("No run to compare.");
    return;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
  const float row_h = ImGui::GetTextLineHeightWithSpacing() + 2;
  const float table_h =
      std::min(ImGui::GetContentRegionAvail().y * 0.35f, row_h * float(runs.size() + 1) + 6);
  if (ImGui::BeginTable("compare", 9, flags, ImVec2(-1, table_h))) {
    ImGui::TableSetupScrollFreeze(1, 1);
    for (const char* c :
         {"run", "state", "steps", "train loss", "best val", "final val", "test", "time"})
      ImGui::TableSetupColumn(c);
    ImGui::TableSetupColumn("differs", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    for (const Run& r : runs) {
      const TrainerMetrics& m = *r.metrics;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushStyleColor(ImGuiCol_Text, color_of(r.color));
      ImGui::TextUnformatted(r.label.c_str());
      ImGui::PopStyleColor();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.state.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%lld", (long long)r.step);
      ImGui::TableNextColumn();
      const double loss = last_value(m.loss);
      ImGui::TextUnformatted(std::isfinite(loss) ? format_fixed(loss, 4).c_str() : "--");
      ImGui::TableNextColumn();
      const SeriesPoint* top = m.validation_accuracy.highest();
      const double best = top ? double(top->value) : NAN;
      const int64_t best_step = top ? top->step : 0;
      ImGui::TextUnformatted(
          (percent(best) + (std::isfinite(best) ? " @" + std::to_string(best_step) : "")).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(percent(last_value(m.validation_accuracy)).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(percent(last_value(m.test_accuracy)).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.seconds > 0 ? (format_fixed(r.seconds, 1) + " s").c_str() : "--");
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.differs.c_str());
    }
    ImGui::EndTable();
  }
  report("compare-table");

  if (lower_ == 0) draw_layer_table(runs);  // over training, the chart has the room

  std::vector<const Run*> shown;
  for (const Run& r : runs)
    if (r.visible) shown.push_back(&r);
  const auto& layers =
      shown.empty() ? runs.front().metrics->layers : shown.front()->metrics->layers;
  if (layers.empty()) return;
  if (layer_.empty() ||
      std::none_of(layers.begin(), layers.end(), [&](const auto& l) { return l->name == layer_; }))
    layer_ = layers.front()->name;
  ImGui::Spacing();
  ImGui::RadioButton("activations", &lower_, 0);
  report("compare-activations");
  ImGui::SameLine();
  ImGui::RadioButton("over training:", &lower_, 1);
  report("compare-over-training");
  ImGui::SameLine();
  ImGui::BeginDisabled(lower_ != 1);
  ImGui::SetNextItemWidth(170);
  ImGui::Combo(
      "##compare-stat", &stat_,
      [](void*, int i, const char** out) {
        *out = kStats[std::size_t(i)].label;
        return true;
      },
      nullptr, int(std::size(kStats)));
  ImGui::EndDisabled();
  report("compare-stat");
  ImGui::SameLine();
  ImGui::TextUnformatted("of");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  if (ImGui::BeginCombo("##compare-layer", layer_.c_str())) {
    for (const auto& l : layers)
      if (ImGui::Selectable(l->name.c_str(), l->name == layer_)) layer_ = l->name;
    ImGui::EndCombo();
  }
  report("compare-layer");
  if (shown.empty()) return;
  if (lower_ == 1)
    draw_statistic(shown, export_dir, report, log);
  else
    draw_histograms(
        std::vector<const Run*>(shown.begin(),
                                shown.begin() + long(std::min<std::size_t>(4, shown.size()))),
        report);
}

void ComparePanel::draw_histograms(const std::vector<const Run*>& shown, const Report& report) {
  // One layer's latest histogram, side by side, for the first four runs shown.
  const float gap = 10;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float w = (avail.x - gap * float(shown.size() - 1)) / float(shown.size());
  const float h = std::max(40.f, avail.y - ImGui::GetTextLineHeightWithSpacing() - 4);
  for (std::size_t i = 0; i < shown.size(); ++i) {
    if (i > 0) ImGui::SameLine(0, gap);
    ImGui::BeginGroup();
    const Run& r = *shown[i];
    const LayerSeries* l = layer_of(r, layer_);
    const std::size_t n = l ? l->histograms.size() : 0;
    ImGui::PushStyleColor(ImGuiCol_Text, color_of(r.color));
    if (n > 0) {
      const Histogram& hist = l->histograms[n - 1];
      ImGui::Text("%s, step %lld", r.label.c_str(), (long long)hist.step);
      ImGui::PopStyleColor();
      plot::histogram_plot(("##compare-hist-" + std::to_string(i)).c_str(), hist.counts, hist.lo,
                           hist.hi, ImVec2(w, h), color_of(r.color));
    } else {
      ImGui::Text("%s", r.label.c_str());
      ImGui::PopStyleColor();
      ImGui::TextDisabled(l ? "no probe yet" : "no layer of that name");
    }
    ImGui::EndGroup();
  }
  report("compare-histograms");
}

void ComparePanel::draw_statistic(const std::vector<const Run*>& shown,
                                  const std::string& export_dir, const Report& report,
                                  const std::function<void(const std::string&)>& log) {
  const Stat& stat = kStats[std::size_t(std::clamp(stat_, 0, int(std::size(kStats)) - 1))];
  SvgChart chart;
  chart.title = layer_ + ": " + stat.label;
  chart.x_label = "step";
  chart.y_label = stat.label;
  chart.log_y = stat.log;
  std::vector<RunChart> charts;
  for (const Run* r : shown) {
    const LayerSeries* l = layer_of(*r, layer_);
    if (!l) continue;
    SvgChart one = chart;
    SvgSeries s;
    s.name = stat.label;
    // At most ~2000 points: a per-step series is cut in buckets, each drawn at its middle.
    const ScalarSeries& series = l->*(stat.series);
    const std::size_t n = series.size();
    if (n <= 2000) {
      for (std::size_t i = 0; i < n; ++i)
        s.x.push_back(double(series[i].step)), s.y.push_back(series[i].value);
    } else {
      std::vector<SeriesBucket> b;
      series.view(0, n, 2000, b);
      for (const auto& k : b)
        if (k.min <= k.max)
          s.x.push_back(0.5 * double(k.first_step + k.last_step)),
              s.y.push_back(0.5 * (double(k.min) + double(k.max)));
    }
    one.series.push_back(std::move(s));
    charts.push_back({r->label, std::move(one), r->color});
  }
  if (charts.empty()) {
    ImGui::TextDisabled("No shown run has a layer named %s.", layer_.c_str());
    return;
  }
  const SvgChart drawn = overlay_charts(charts);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (auto r = plot::xy_plot("compare-stat-plot", drawn, ImVec2(avail.x, avail.y - 2),
                             export_dir + "/" + layer_ + "-" + stat.stem, report))
    log("export " + *r);
  report("compare-stat-plot");
}

}  // namespace ts
