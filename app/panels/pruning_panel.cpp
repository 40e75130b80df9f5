#include "app/panels/pruning_panel.h"

#include "app/panels/analysis_files.h"
#include "app/panels/job_status.h"
#include "app/panels/layer_combo.h"
#include "app/plot/xy_plot.h"
#include "core/chart/analysis_charts.h"

#include <imgui.h>

#include <algorithm>

namespace ts {

void PruningPanel::reset() {
  if (job_) job_->cancel();
  job_.reset();
  shown_.reset();
  shown_step_ = -1;
}

void PruningPanel::build_chart() { chart_ = prune_curves_chart(*shown_); }

void PruningPanel::draw(Trainer& trainer, AnalysisJobs& jobs, const std::string& export_dir,
                        const Send& send, const Report& report, const Log& log) {
  // Dense layers that feed another layer with weights: the ones a curve can take.
  std::vector<std::string> names;
  const auto& layers = trainer.layers();
  for (std::size_t i = 0; i + 1 < layers.size(); ++i)
    if (layers[i].weight >= 0) names.push_back(layers[i].name);
  if (names.empty()) {
    ImGui::TextUnformatted("The model has no hidden layer to prune.");
    return;
  }
  const std::string layer = layer_combo("layer##pruning", names, layer_);
  report("pruning-layer");
  ImGui::SameLine();
  if (job_ && job_->state() == JobState::done && job_->result() != shown_) {
    shown_ = job_->result();
    shown_step_ = job_->step();
    units_ = 0;
    build_chart();
    log("analysis pruning curves of " + shown_->layer + " done on step " +
        std::to_string(shown_step_));
    // Into the run directory too, as `analyze` names it.
    const std::string saved =
        save_analysis(trainer.run_dir(), shown_step_,
                      {{"prune-curves-" + shown_->layer, {chart_}, prune_curves_table(*shown_)}});
    if (!saved.empty()) log(saved);
  }
  if (ImGui::Button("Compute pruning curves") && !(job_ && !job_->finished())) {
    const LossKind loss = trainer.status()->config.loss;
    job_ = jobs.start<PruneCurveSet>("pruning curves of " + layer, trainer.capture(),
                                     [layer, loss](AnalysisContext& c) {
                                       return prune_curve_set(c.run.network(), layer, *c.input.data,
                                                              loss, 5, c.cancel, c.progress);
                                     });
  }
  report("compute-curves");
  draw_job_status(job_.get(), trainer.step(), report);
  if (!shown_) {
    // Wrapped: on one line it ran past the panel's right edge at 1280x800.
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped(
        "Each curve removes the units of the layer one by one, in the order a criterion gives, and "
        "measures the test accuracy after each removal. Training goes on meanwhile.");
    ImGui::PopStyleColor();
    return;
  }

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float side_w = 330.f;
  if (auto r = plot::xy_plot("curves", chart_, ImVec2(avail.x - side_w - 8, avail.y - 4),
                             export_dir + "/prune-curves-" + shown_->layer, report))
    log("export " + *r);
  report("curves");
  ImGui::SameLine(0, 8);
  ImGui::BeginChild("prune-side", ImVec2(side_w, avail.y - 4), false, ImGuiWindowFlags_NoScrollbar);
  ImGui::Text("Units removable within 1 point of %.2f%%", 100 * shown_->curves[0].accuracy[0]);
  // One row per criterion: its smallest-first and largest-first orders side by side.
  if (ImGui::BeginTable("removable", 3,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("criterion");
    ImGui::TableSetupColumn("smallest first");
    ImGui::TableSetupColumn("largest first");
    ImGui::TableHeadersRow();
    for (std::size_t i = 0; i < shown_->curves.size(); ++i) {
      const CriterionCurve& c = shown_->curves[i];
      if (c.largest_first && i > 0 && shown_->curves[i - 1].criterion == c.criterion) continue;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      std::string name = to_string(c.criterion);
      std::replace(name.begin(), name.end(), '_', ' ');
      ImGui::TextUnformatted(name.c_str());
      for (bool largest : {false, true}) {
        ImGui::TableNextColumn();
        for (const CriterionCurve& o : shown_->curves)
          if (o.criterion == c.criterion && o.largest_first == largest)
            ImGui::Text("%zu of %lld", units_removable(o.accuracy, 0.01), (long long)shown_->units);
      }
    }
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted("random (mean)");
    ImGui::TableNextColumn();
    ImGui::Text("%zu of %lld", units_removable(shown_->random_mean, 0.01),
                (long long)shown_->units);
    ImGui::EndTable();
  }
  ImGui::Separator();
  ImGui::Text("Prune the live model (order of step %lld):", (long long)shown_step_);
  criterion_ = std::clamp(criterion_, 0, int(shown_->curves.size()) - 1);
  const CriterionCurve& chosen = shown_->curves[std::size_t(criterion_)];
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo("##criterion", chosen.label().c_str())) {
    for (int i = 0; i < int(shown_->curves.size()); ++i)
      if (ImGui::Selectable(shown_->curves[std::size_t(i)].label().c_str(), i == criterion_))
        criterion_ = i;
    ImGui::EndCombo();
  }
  report("prune-criterion");
  ImGui::SetNextItemWidth(-1);
  ImGui::SliderInt("##units", &units_, 0, int(chosen.order.size()), "%d units",
                   ImGuiSliderFlags_AlwaysClamp);
  units_ = std::clamp(units_, 0, int(chosen.order.size()));
  report("prune-units");
  const std::size_t k = std::min<std::size_t>(std::size_t(units_), chosen.accuracy.size() - 1);
  if (ImGui::Button("Prune these units") && units_ > 0) {
    cmd::Prune c;
    c.request.criterion = PruneCriterion::unit_l2;
    c.request.layers = {shown_->layer};
    for (int i = 0; i < units_; ++i) c.request.units.push_back(long(chosen.order[std::size_t(i)]));
    send(c, "prune " + std::to_string(units_) + " units of " + shown_->layer + " by " +
                chosen.label());
  }
  report("prune-units-apply");
  ImGui::SameLine();
  ImGui::TextDisabled("curve: %.2f%%", 100 * chosen.accuracy[k]);
  ImGui::EndChild();
}

}  // namespace ts
