#include "app/panels/layers_panel.h"

#include "app/plot/bar_plot.h"

#include <imgui.h>

#include <cmath>
#include <string>
#include <vector>

namespace ts {

namespace {
float last(const ScalarSeries& s) {
  const SeriesPoint* p = s.last();
  return p ? p->value : NAN;
}
}  // namespace

void LayersPanel::draw(const TrainerMetrics& m) {
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

  ImGui::BeginChild("layers", ImVec2(0, 0), false);
  for (const auto& l : m.layers) {
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
    if (std::isfinite(dead))
      ImGui::Text("mean %.3g  std %.3g  dead %.1f%%", last(l->act_mean), last(l->act_std), 100 * dead);
    else if (std::isfinite(sat))
      ImGui::Text("mean %.3g  std %.3g  saturated %.1f%%", last(l->act_mean), last(l->act_std), 100 * sat);
    else
      ImGui::Text("mean %.3g  std %.3g", last(l->act_mean), last(l->act_std));
    ImGui::Text("|W| %.3g   |W - W0| %.3g", last(l->weight_norm), last(l->distance_init));
    ImGui::Text("frame potential %.4g", last(l->frame_potential));
    ImGui::Text("grad %.3g   update/weight %.2e", last(l->grad_norm), last(l->update_ratio));
    if (n > 0) ImGui::TextDisabled("probe batch at step %lld", (long long)l->histograms[n - 1].step);
    ImGui::EndGroup();
  }
  ImGui::EndChild();
}

}  // namespace ts
