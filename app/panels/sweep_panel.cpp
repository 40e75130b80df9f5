#include "app/panels/sweep_panel.h"

#include "app/panels/hint_text.h"
#include "app/plot/plot_frame.h"
#include "core/chart/svg_chart.h"
#include "core/text_format.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts {

namespace {

// A swept value as the charts and tables show it: a drawn rate to four figures (0.01478).
std::string value_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return v.dump();
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    return buf;
  }
  return v.dump();
}

// Squared distance from p to the segment a-b.
float segment_distance2(ImVec2 p, ImVec2 a, ImVec2 b) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float len2 = dx * dx + dy * dy;
  float t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0.0f;
  t = std::clamp(t, 0.0f, 1.0f);
  const float x = a.x + t * dx - p.x, y = a.y + t * dy - p.y;
  return x * x + y * y;
}

// A metric's value as the tables show it: accuracies in percent, a loss to four places.
std::string metric_text(double v, bool accuracy) {
  if (!std::isfinite(v)) return "-";
  return accuracy ? format_fixed(100 * v, 2) + "%" : format_fixed(v, 4);
}

constexpr float kPad = 44;  // room for the tick labels left of and under a plot

}  // namespace

const std::vector<std::string>& SweepPanel::metric_names() {
  static const std::vector<std::string> names{"best validation accuracy",
                                              "final validation accuracy", "test accuracy",
                                              "training loss (mean of the last 100 steps)"};
  return names;
}

double SweepPanel::metric_of(const Run& r) const {
  if (!r.metrics) return NAN;
  const TrainerMetrics& m = *r.metrics;
  auto last = [](const ScalarSeries& s) {
    const SeriesPoint* p = s.last();
    return p ? double(p->value) : NAN;
  };
  switch (metric_) {
    case 0: {
      const SeriesPoint* p = m.validation_accuracy.highest();
      return p ? double(p->value) : NAN;
    }
    case 1:
      return last(m.validation_accuracy);
    case 2:
      return last(m.test_accuracy);
    default: {
      const std::size_t n = m.loss.size();
      if (n == 0) return NAN;
      double sum = 0;
      std::size_t k = 0;
      for (std::size_t i = n > 100 ? n - 100 : 0; i < n; ++i)
        if (std::isfinite(m.loss[i].value)) sum += m.loss[i].value, ++k;
      return k ? sum / double(k) : NAN;
    }
  }
}

double SweepPanel::Axis::position(const nlohmann::json& v) const {
  if (numeric) {
    if (!v.is_number()) return NAN;
    const double x = v.get<double>();
    if (hi == lo) return 0.5;
    return log ? (std::log10(x) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
               : (x - lo) / (hi - lo);
  }
  const auto it = std::find(categories.begin(), categories.end(), value_text(v));
  if (it == categories.end()) return NAN;
  return categories.size() == 1 ? 0.5
                                : double(it - categories.begin()) / double(categories.size() - 1);
}

std::string SweepPanel::Axis::text(const nlohmann::json& v) const { return value_text(v); }

std::vector<SweepPanel::Axis> SweepPanel::axes_of(const std::vector<Run>& runs) {
  std::vector<std::string> keys;
  for (const Run& r : runs)
    if (r.values.is_object())
      for (auto it = r.values.begin(); it != r.values.end(); ++it)
        if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) keys.push_back(it.key());
  std::vector<Axis> axes;
  for (const std::string& k : keys) {
    Axis a;
    a.key = k;
    bool first = true;
    for (const Run& r : runs) {
      if (!r.values.is_object() || !r.values.contains(k)) continue;
      const nlohmann::json& v = r.values[k];
      if (!v.is_number()) a.numeric = false;
      const std::string t = value_text(v);
      if (std::find(a.categories.begin(), a.categories.end(), t) == a.categories.end())
        a.categories.push_back(t);
      if (v.is_number()) {
        const double x = v.get<double>();
        a.lo = first ? x : std::min(a.lo, x);
        a.hi = first ? x : std::max(a.hi, x);
        first = false;
      }
    }
    // A log axis where the values are positive and span more than a decade.
    a.log = a.numeric && a.lo > 0 && a.hi / a.lo > 10;
    if (!a.numeric) std::sort(a.categories.begin(), a.categories.end());
    axes.push_back(std::move(a));
  }
  return axes;
}

bool SweepPanel::passes(const Run& r, const std::vector<Axis>& axes) const {
  for (const Axis& a : axes) {
    if (!r.values.is_object() || !r.values.contains(a.key)) continue;
    const nlohmann::json& v = r.values[a.key];
    if (a.numeric) {
      const auto it = ranges_.find(a.key);
      if (it != ranges_.end() && v.is_number() &&
          (v.get<double>() < it->second.first || v.get<double>() > it->second.second))
        return false;
    } else {
      const auto it = hidden_.find(a.key);
      if (it != hidden_.end() && it->second.count(value_text(v))) return false;
    }
  }
  return true;
}

void SweepPanel::draw(const std::string& title, const std::vector<Run>& runs, int highlighted,
                      const Actions& act, const Report& report) {
  const std::vector<Axis> axes = axes_of(runs);
  if (axes.empty()) {
    hint_text(
        "Open a sweep's directory (trainscope DIR, or Open in the Runs panel) to compare its "
        "runs by their swept values.");
    return;
  }
  if (x_key_.empty() ||
      std::none_of(axes.begin(), axes.end(), [&](const Axis& a) { return a.key == x_key_; })) {
    // A numeric key first: a rate against the metric says more than an optimizer's name.
    const auto numeric =
        std::find_if(axes.begin(), axes.end(), [](const Axis& a) { return a.numeric; });
    x_key_ = numeric != axes.end() ? numeric->key : axes.front().key;
  }
  std::size_t done = 0, shown = 0;
  for (const Run& r : runs) {
    done += r.state == "done";
    shown += r.visible;
  }
  ImGui::Text("%s: %zu runs, %zu done, %zu shown", title.c_str(), runs.size(), done, shown);
  if (highlighted) {
    // What to do with the highlighted run, in view above the charts.
    ImGui::SameLine(0, 20);
    if (ImGui::SmallButton("Clear highlight")) act.highlight(0);
    ImGui::SameLine();
    if (ImGui::SmallButton("Edit config...")) act.edit(highlighted);
    report("sweep-edit");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "Open the highlighted run's config in the experiment editor, to train it again here");
    ImGui::SameLine();
    if (ImGui::SmallButton("Continue here")) act.continue_here(highlighted);
    report("sweep-continue");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "A live run from the highlighted run's newest checkpoint, its curves starting with its "
          "history: train it on, fork it, prune it");
  } else {
    ImGui::SameLine(0, 20);
    ImGui::TextDisabled("click a run to highlight it everywhere");
  }
  ImGui::TextUnformatted("metric");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(240);
  if (ImGui::BeginCombo("##metric", metric_names()[std::size_t(metric_)].c_str())) {
    for (std::size_t i = 0; i < metric_names().size(); ++i)
      if (ImGui::Selectable(metric_names()[i].c_str(), int(i) == metric_)) metric_ = int(i);
    ImGui::EndCombo();
  }
  report("sweep-metric");
  ImGui::SameLine(0, 20);
  ImGui::TextUnformatted("against");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(170);
  if (ImGui::BeginCombo("##against", x_key_.c_str())) {
    for (const Axis& a : axes)
      if (ImGui::Selectable(a.key.c_str(), a.key == x_key_)) x_key_ = a.key;
    ImGui::EndCombo();
  }
  report("sweep-x");
  // Each run's metric once a frame (after the metric's menu): the charts, the ranking's comparisons
  // and the table read it.
  shown_.resize(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) shown_[i] = metric_of(runs[i]);
  shown_base_ = runs.data();
  const float w = ImGui::GetContentRegionAvail().x;
  const float h = std::max(150.0f, ImGui::GetContentRegionAvail().y * 0.55f);
  draw_scatter(runs, axes, highlighted, act, report, w * 0.4f, h);
  ImGui::SameLine(0, 12);
  draw_parallel(runs, axes, highlighted, act, report, w * 0.6f - 12, h);
  if (ImGui::BeginTable("sweep-lower", 2, ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("filters", ImGuiTableColumnFlags_WidthStretch, 0.35f);
    ImGui::TableSetupColumn("runs", ImGuiTableColumnFlags_WidthStretch, 0.65f);
    ImGui::TableNextColumn();
    draw_filters(runs, axes, act, report);
    ImGui::TableNextColumn();
    draw_table(runs, axes, highlighted, act, report);
    ImGui::EndTable();
  }
}

void SweepPanel::draw_scatter(const std::vector<Run>& runs, const std::vector<Axis>& axes,
                              int highlighted, const Actions& act, const Report& report, float w,
                              float h) {
  const Axis& ax =
      *std::find_if(axes.begin(), axes.end(), [&](const Axis& a) { return a.key == x_key_; });
  // The metric's range over the shown runs.
  double lo = INFINITY, hi = -INFINITY;
  for (const Run& r : runs)
    if (const double v = shown(r); r.visible && std::isfinite(v))
      lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 0.01, hi += 0.01;
  const double pad = 0.06 * (hi - lo);
  lo -= pad;
  hi += pad;
  plot::PlotFrame f = plot::begin_plot_frame("sweep-scatter", ImVec2(w, h));
  const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  report("sweep-scatter");
  const ImVec2 a(f.p0.x + kPad + 8, f.p0.y + 24), b(f.p1.x - 14, f.p1.y - kPad + 8);
  // The values' range inside a margin, so no point sits on the frame.
  auto px = [&](double t) { return a.x + float(0.05 + 0.9 * t) * (b.x - a.x); };
  auto py = [&](double v) { return b.y - float((v - lo) / (hi - lo)) * (b.y - a.y); };
  f.dl->AddText(ImVec2(f.p0.x + 8, f.p0.y + 4), plot::kPlotText,
                (metric_names()[std::size_t(metric_)] + " against " + ax.key).c_str());
  for (double t : nice_ticks(lo, hi, 5)) {
    f.dl->AddLine(ImVec2(a.x, py(t)), ImVec2(b.x, py(t)), plot::kPlotGrid);
    const std::string label = tick_label(t);
    f.dl->AddText(ImVec2(f.p0.x + 4, py(t) - 7), plot::kPlotText, label.c_str());
  }
  if (ax.numeric) {
    const std::vector<double> ticks =
        ax.log ? log_ticks(ax.lo, ax.hi) : nice_ticks(ax.lo, ax.hi, 5);
    for (double t : ticks) {
      nlohmann::json v = t;
      const double p = ax.position(v);
      if (!(p >= -1e-9 && p <= 1 + 1e-9)) continue;
      f.dl->AddLine(ImVec2(px(p), a.y), ImVec2(px(p), b.y), plot::kPlotGrid);
      const std::string label = tick_label(t);
      f.dl->AddText(ImVec2(px(p) - 10, b.y + 4), plot::kPlotText, label.c_str());
    }
  } else {
    for (const std::string& c : ax.categories) {
      const double p = ax.position(nlohmann::json(c));
      f.dl->AddText(ImVec2(px(p) - 10, b.y + 4), plot::kPlotText, c.c_str());
    }
  }
  if (ax.log) f.dl->AddText(ImVec2(b.x - 30, b.y + 20), plot::kPlotText, "(log)");
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  int nearest = 0;
  float nearest_d2 = 10.0f * 10.0f;
  for (const Run& r : runs) {
    if (!r.visible || !r.values.contains(ax.key)) continue;
    const double v = shown(r), p = ax.position(r.values[ax.key]);
    if (!std::isfinite(v) || !std::isfinite(p)) continue;
    const ImVec2 c(px(p), py(v));
    const bool lit = r.id == highlighted;
    const int alpha = highlighted && !lit ? 110 : 255;
    f.dl->AddCircleFilled(c, lit ? 6.5f : 4.5f, plot::parse_color(r.color, alpha));
    if (lit) f.dl->AddCircle(c, 9.0f, IM_COL32(240, 240, 240, 255), 0, 1.5f);
    const float dx = c.x - mouse.x, dy = c.y - mouse.y;
    if (dx * dx + dy * dy < nearest_d2) nearest_d2 = dx * dx + dy * dy, nearest = r.id;
  }
  if (f.hovered && nearest)
    for (const Run& r : runs)
      if (r.id == nearest)
        ImGui::SetTooltip("%s (%s)\n%s = %s\n%s: %s", r.label.c_str(), r.state.c_str(),
                          ax.key.c_str(), ax.text(r.values[ax.key]).c_str(),
                          metric_names()[std::size_t(metric_)].c_str(),
                          metric_text(shown(r), metric_ != 3).c_str());
  if (clicked) act.highlight(nearest);
  plot::end_plot_frame();
}

void SweepPanel::draw_parallel(const std::vector<Run>& runs, const std::vector<Axis>& axes,
                               int highlighted, const Actions& act, const Report& report, float w,
                               float h) {
  // One vertical axis a swept key, then the metric's.
  double lo = INFINITY, hi = -INFINITY;
  for (const Run& r : runs)
    if (const double v = shown(r); std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 0.01, hi += 0.01;
  plot::PlotFrame f = plot::begin_plot_frame("sweep-parallel", ImVec2(w, h));
  const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  report("sweep-parallel");
  const std::size_t n = axes.size() + 1;
  const float top = f.p0.y + 40, bottom = f.p1.y - 26;
  auto axis_x = [&](std::size_t i) {
    return f.p0.x + 50 + (f.p1.x - f.p0.x - 100) * (n == 1 ? 0.5f : float(i) / float(n - 1));
  };
  auto y_of = [&](double t) { return bottom - float(t) * (bottom - top); };
  for (std::size_t i = 0; i < n; ++i) {
    const float x = axis_x(i);
    f.dl->AddLine(ImVec2(x, top), ImVec2(x, bottom), plot::kPlotBorder, 1.5f);
    const std::string name = i < axes.size() ? axes[i].key : "metric";
    const ImVec2 size = ImGui::CalcTextSize(name.c_str());
    f.dl->AddText(ImVec2(x - size.x / 2, f.p0.y + 6), plot::kPlotText, name.c_str());
    std::string top_label, bottom_label;
    if (i < axes.size() && axes[i].numeric) {
      top_label = tick_label(axes[i].hi) + (axes[i].log ? " (log)" : "");
      bottom_label = tick_label(axes[i].lo);
    } else if (i < axes.size()) {
      for (const std::string& c : axes[i].categories) {
        const float y = y_of(axes[i].position(nlohmann::json(c)));
        f.dl->AddText(ImVec2(x + 4, y - 7), plot::kPlotText, c.c_str());
      }
    } else {
      top_label = metric_text(hi, metric_ != 3);
      bottom_label = metric_text(lo, metric_ != 3);
    }
    if (!top_label.empty())
      f.dl->AddText(ImVec2(x + 4, top - 16), plot::kPlotText, top_label.c_str());
    if (!bottom_label.empty())
      f.dl->AddText(ImVec2(x + 4, bottom + 2), plot::kPlotText, bottom_label.c_str());
  }
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  int nearest = 0;
  float nearest_d2 = 6.0f * 6.0f;
  std::vector<ImVec2> pts(n);
  auto line_of = [&](const Run& r) {
    for (std::size_t i = 0; i < axes.size(); ++i) {
      const double p =
          r.values.contains(axes[i].key) ? axes[i].position(r.values[axes[i].key]) : NAN;
      pts[i] = ImVec2(axis_x(i), std::isfinite(p) ? y_of(p) : bottom);
    }
    const double v = shown(r);
    pts[n - 1] = ImVec2(axis_x(n - 1), std::isfinite(v) ? y_of((v - lo) / (hi - lo)) : bottom);
    return std::isfinite(v);
  };
  const Run* lit = nullptr;
  for (const Run& r : runs) {
    if (!r.visible) continue;
    if (r.id == highlighted) {
      lit = &r;
      continue;
    }
    const bool has_metric = line_of(r);
    const int alpha = highlighted ? 70 : (has_metric ? 200 : 90);
    f.dl->AddPolyline(pts.data(), int(n), plot::parse_color(r.color, alpha), 0, 1.5f);
    for (std::size_t i = 0; i + 1 < n; ++i)
      if (const float d2 = segment_distance2(mouse, pts[i], pts[i + 1]); d2 < nearest_d2)
        nearest_d2 = d2, nearest = r.id;
  }
  if (lit) {  // on top, wider
    line_of(*lit);
    f.dl->AddPolyline(pts.data(), int(n), IM_COL32(240, 240, 240, 255), 0, 5.0f);
    f.dl->AddPolyline(pts.data(), int(n), plot::parse_color(lit->color, 255), 0, 3.0f);
    for (std::size_t i = 0; i + 1 < n; ++i)
      if (const float d2 = segment_distance2(mouse, pts[i], pts[i + 1]); d2 < nearest_d2)
        nearest_d2 = d2, nearest = lit->id;
  }
  if (f.hovered && nearest)
    for (const Run& r : runs)
      if (r.id == nearest) {
        std::string tip = r.label + " (" + r.state + ")";
        for (const Axis& a : axes)
          if (r.values.contains(a.key)) tip += "\n" + a.key + " = " + a.text(r.values[a.key]);
        tip += "\n" + metric_names()[std::size_t(metric_)] + ": " +
               metric_text(shown(r), metric_ != 3);
        ImGui::SetTooltip("%s", tip.c_str());
      }
  if (clicked) act.highlight(nearest);
  plot::end_plot_frame();
}

void SweepPanel::draw_filters(const std::vector<Run>& runs, const std::vector<Axis>& axes,
                              const Actions& act, const Report& report) {
  ImGui::TextDisabled("Show the runs with");
  bool changed = false;
  for (const Axis& a : axes) {
    ImGui::PushID(a.key.c_str());
    if (a.numeric) {
      auto it = ranges_.find(a.key);
      std::pair<double, double> r = it != ranges_.end() ? it->second : std::make_pair(a.lo, a.hi);
      ImGui::SetNextItemWidth(90);
      changed |=
          ImGui::InputDouble("##lo", &r.first, 0, 0, "%.4g", ImGuiInputTextFlags_EnterReturnsTrue);
      report(("sweep-filter-lo-" + a.key).c_str());
      ImGui::SameLine();
      ImGui::TextUnformatted("<=");
      ImGui::SameLine();
      ImGui::TextUnformatted(a.key.c_str());
      ImGui::SameLine();
      ImGui::TextUnformatted("<=");
      ImGui::SameLine();
      ImGui::SetNextItemWidth(90);
      changed |=
          ImGui::InputDouble("##hi", &r.second, 0, 0, "%.4g", ImGuiInputTextFlags_EnterReturnsTrue);
      report(("sweep-filter-hi-" + a.key).c_str());
      if (r != std::make_pair(a.lo, a.hi) || it != ranges_.end()) ranges_[a.key] = r;
    } else {
      ImGui::TextUnformatted(a.key.c_str());
      for (const std::string& c : a.categories) {
        ImGui::SameLine();
        bool on = !hidden_[a.key].count(c);
        if (ImGui::Checkbox(c.c_str(), &on)) {
          changed = true;
          if (on)
            hidden_[a.key].erase(c);
          else
            hidden_[a.key].insert(c);
        }
      }
    }
    ImGui::PopID();
  }
  if (ImGui::SmallButton("Show all")) {
    ranges_.clear();
    hidden_.clear();
    changed = true;
  }
  report("sweep-show-all");
  if (changed)
    for (const Run& r : runs) {
      const bool pass = passes(r, axes);
      if (pass != r.visible) act.show(r.id, pass);
    }
}

void SweepPanel::draw_table(const std::vector<Run>& runs, const std::vector<Axis>& axes,
                            int highlighted, const Actions& act, const Report& report) {
  std::vector<const Run*> order;
  for (const Run& r : runs) order.push_back(&r);
  const bool lower_better = metric_ == 3;
  std::stable_sort(order.begin(), order.end(), [&](const Run* x, const Run* y) {
    const double a = shown(*x), b = shown(*y);
    if (std::isnan(a) != std::isnan(b)) return std::isnan(b);
    return lower_better ? a < b : a > b;
  });
  const int columns = 3 + int(axes.size());
  if (!ImGui::BeginTable(
          "sweep-runs", columns,
          ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit,
          ImVec2(0, std::max(90.0f, ImGui::GetContentRegionAvail().y - 4))))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("run");
  ImGui::TableSetupColumn("state");
  ImGui::TableSetupColumn("metric");
  for (const Axis& a : axes) ImGui::TableSetupColumn(a.key.c_str());
  ImGui::TableHeadersRow();
  for (const Run* r : order) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushID(r->id);
    ImGui::PushStyleColor(ImGuiCol_Text, plot::parse_color(r->color, r->visible ? 255 : 110));
    if (ImGui::Selectable(r->label.c_str(), r->id == highlighted,
                          ImGuiSelectableFlags_SpanAllColumns))
      act.highlight(r->id == highlighted ? 0 : r->id);
    report(("sweep-row-" + r->label).c_str());
    ImGui::PopStyleColor();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(r->state.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(metric_text(shown(*r), metric_ != 3).c_str());
    for (const Axis& a : axes) {
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r->values.contains(a.key) ? a.text(r->values[a.key]).c_str() : "");
    }
    ImGui::PopID();
  }
  ImGui::EndTable();
}

}  // namespace ts
