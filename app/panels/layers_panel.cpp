#include "app/panels/layers_panel.h"

#include "app/plot/bar_plot.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace ts {

namespace {
float last(const ScalarSeries& s) {
  const SeriesPoint* p = s.last();
  return p ? p->value : NAN;
}
// A statistic that has no value yet (the gradient before the first step) as "--".
std::string or_dashes(float v, const char* format = "%.3g") {
  if (!std::isfinite(v)) return "--";
  char b[32];
  std::snprintf(b, sizeof b, format, double(v));
  return b;
}
// "  dead 76.6%" after the text before it, orange from half the layer: most of its units are
// lost to training (ReLUs that never fire, tanh or sigmoid pinned at a bound).
void share_text(const char* what, float share) {
  ImGui::SameLine(0, 0);
  if (share >= 0.5f)
    ImGui::TextColored(ImVec4(1.f, 0.66f, 0.2f, 1.f), "  %s %.1f%%", what, 100 * share);
  else
    ImGui::Text("  %s %.1f%%", what, 100 * share);
}
// What a layer's statistics mean, on hovering them.
constexpr const char* kGlossary =
    "Measured on a fixed probe batch of validation images every monitor.stats_interval steps:\n"
    "  std: the spread of the layer's outputs, after its activation\n"
    "  dead (ReLU): the share of units never positive on the batch\n"
    "    (a convolution's unit is a filter: dead when positive at no position)\n"
    "  saturated (tanh, sigmoid): the share of outputs within 0.01 of a bound\n"
    "  (either in orange from half the layer)\n"
    "  |W - W0|: how far the weights have moved from the initialization\n"
    "  frame potential: the sum of squared cosines between the units' weight vectors, least "
    "when they spread evenly\n"
    "  grad: the norm of the layer's gradient at the last step\n"
    "  update/weight: that step's change of the weights over their norm";
}  // namespace

void LayersPanel::reset() {
  over_time_.clear();
  metrics_ = nullptr;
  compact_ = -1;  // each experiment starts in the view that fits its depth
}

void LayersPanel::draw(const TrainerMetrics& m, const std::string& export_dir, const Report& report,
                       const Log& log) {
  if (m.layers.empty()) {
    ImGui::TextUnformatted("The model has no dense or convolutional layer.");
    return;
  }
  std::vector<std::string> names;
  std::vector<float> stds, grads;
  for (const auto& l : m.layers) {
    names.push_back(l->name);
    stds.push_back(last(l->act_std));
    grads.push_back(last(l->grad_norm));
  }
  const float w = ImGui::GetContentRegionAvail().x;
  const float half = (w - 8) / 2;
  ImGui::BeginGroup();
  ImGui::TextUnformatted("activation std per layer");
  plot::category_bars("std", names, stds, ImVec2(half, 90), IM_COL32(90, 170, 255, 255), true);
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::TextUnformatted("gradient norm per layer");
  plot::category_bars("grad", names, grads, ImVec2(half, 90), IM_COL32(240, 150, 60, 255), true);
  ImGui::EndGroup();

  if (m.generation != generation_ || &m != metrics_ || over_time_.size() != m.layers.size()) {
    generation_ = m.generation;
    metrics_ = &m;
    over_time_.clear();
    for (std::size_t i = 0; i < m.layers.size(); ++i)
      over_time_.push_back(std::make_unique<OverTime>());
  }

  // Compact: a row per layer (its histogram and main numbers), so a deep network's layers
  // are seen together; the full view adds every statistic and the histograms over training.
  if (compact_ < 0) compact_ = m.layers.size() > 3 ? 1 : 0;
  bool compact = compact_ == 1;
  if (ImGui::Checkbox("compact: a row per layer", &compact)) compact_ = compact ? 1 : 0;
  report("layers-compact");
  ImGui::BeginChild("layers", ImVec2(0, 0), false);
  if (compact) {
    for (const auto& l : m.layers) {
      const std::size_t n = l->histograms.size();
      char id[64];
      std::snprintf(id, sizeof id, "hist-%s", l->name.c_str());
      if (n > 0) {
        const Histogram& h = l->histograms[n - 1];
        plot::histogram_plot(id, h.counts, h.lo, h.hi, ImVec2(std::min(170.f, w * 0.35f), 44),
                             IM_COL32(120, 200, 140, 255));
      } else {
        ImGui::Dummy(ImVec2(std::min(170.f, w * 0.35f), 44));
      }
      ImGui::SameLine();
      ImGui::BeginGroup();
      const float dead = last(l->dead), sat = last(l->saturated);
      ImGui::Text("%s (%s)  std %.3g", l->name.c_str(), to_string(l->activation), last(l->act_std));
      if (std::isfinite(dead))
        share_text("dead", dead);
      else if (std::isfinite(sat))
        share_text("saturated", sat);
      ImGui::TextDisabled(
          "|W - W0| %.3g  grad %s%s", last(l->distance_init), or_dashes(last(l->grad_norm)).c_str(),
          n > 0 ? ("  step " + std::to_string(l->histograms[n - 1].step)).c_str() : "");
      ImGui::EndGroup();
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kGlossary);
    }
    ImGui::EndChild();
    return;
  }
  for (std::size_t li = 0; li < m.layers.size(); ++li) {
    const auto& l = m.layers[li];
    const std::size_t n = l->histograms.size();
    ImGui::Separator();
    ImGui::Text("%s (%s)", l->name.c_str(), to_string(l->activation));
    ImGui::BeginGroup();
    if (n > 0) {
      const Histogram& h = l->histograms[n - 1];
      char id[64];
      std::snprintf(id, sizeof id, "hist-%s", l->name.c_str());
      plot::histogram_plot(id, h.counts, h.lo, h.hi, ImVec2(std::min(220.f, w * 0.4f), 84),
                           IM_COL32(120, 200, 140, 255));
    } else {
      ImGui::Dummy(ImVec2(std::min(220.f, w * 0.4f), 84));
    }
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    const float dead = last(l->dead), sat = last(l->saturated);
    if (n == 0 && !std::isfinite(last(l->weight_norm))) {
      ImGui::TextDisabled("no statistics yet");
    } else {
      ImGui::Text("mean %.3g  std %.3g", last(l->act_mean), last(l->act_std));
      if (std::isfinite(dead))
        share_text("dead", dead);
      else if (std::isfinite(sat))
        share_text("saturated", sat);
      ImGui::Text("|W| %.3g   |W - W0| %.3g", last(l->weight_norm), last(l->distance_init));
      ImGui::Text("frame potential %.4g", last(l->frame_potential));
      ImGui::Text("grad %s   update/weight %s", or_dashes(last(l->grad_norm)).c_str(),
                  or_dashes(last(l->update_ratio), "%.2e").c_str());
    }
    if (n > 0)
      ImGui::TextDisabled("probe batch at step %lld", (long long)l->histograms[n - 1].step);
    ImGui::EndGroup();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kGlossary);

    // The histograms over training, rebuilt when a probe arrives.
    OverTime& ot = *over_time_[li];
    if (n != ot.probes && n > 0) {
      std::vector<Histogram> all(n);
      for (std::size_t i = 0; i < n; ++i) all[i] = l->histograms[i];
      ot.grid = histogram_grid(all, 48, 400);
      // Each column against its own peak on a log scale (three decades), so the thin tails
      // show beside the bulk (a ReLU layer's zeros would otherwise leave every other bin dark).
      const HistogramGrid& g = ot.grid;
      std::vector<float> shown(g.share.size());
      for (std::size_t c = 0; c < g.cols; ++c) {
        float peak = 0;
        for (std::size_t r = 0; r < g.rows; ++r) peak = std::max(peak, g.share[r * g.cols + c]);
        for (std::size_t r = 0; r < g.rows; ++r)
          shown[r * g.cols + c] =
              peak > 0 ? std::log10(1.f + 1000.f * g.share[r * g.cols + c] / peak) / 3.f : 0.f;
      }
      ot.map.upload(int(ot.grid.rows), int(ot.grid.cols), shown);
      ot.probes = n;
    }
    char id[64];
    std::snprintf(id, sizeof id, "over-time-%s", l->name.c_str());
    const HistogramGrid& g = ot.grid;
    const float bin = (g.hi - g.lo) / float(std::max<std::size_t>(g.rows, 1));
    plot::HeatmapLabels labels;
    labels.title = l->name + ": activations over training";
    labels.x_label = "step";
    labels.y_label = "activation";
    labels.value_label = "shade: log10(1 + 1000 share / the step's peak) / 3";
    labels.x_of = [&g](int c) { return double(g.steps[std::size_t(c)]); };
    labels.y_of = [&g, bin](int r) { return double(g.hi - bin * (float(r) + 0.5f)); };
    const auto written = ot.map.draw(
        id, ImVec2(w - 14, 64), 0.f, 1.f, plot::Colormap::viridis,
        [&](int r, int c, float) {
          const float hi = g.hi - bin * float(r);
          char text[160];
          std::snprintf(text, sizeof text,
                        "step %lld\nvalues in [%.3g, %.3g): %.2f%% of the probe batch",
                        (long long)g.steps[std::size_t(c)], double(hi - bin), double(hi),
                        100.0 * double(g.share[std::size_t(r) * g.cols + std::size_t(c)]));
          return std::string(text);
        },
        export_dir + "/" + l->name + "-over-training", labels, report);
    if (written) log("export " + *written);
    if (!g.steps.empty())
      ImGui::TextDisabled("over training: steps %lld-%lld, values %.3g to %.3g",
                          (long long)g.steps.front(), (long long)g.steps.back(), double(g.lo),
                          double(g.hi));
  }
  ImGui::EndChild();
}

}  // namespace ts
