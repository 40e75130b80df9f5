#include "app/panels/landscape_panel.h"

#include "app/panels/analysis_files.h"
#include "app/panels/hint_text.h"
#include "app/panels/job_status.h"
#include "core/analysis/loss_slice.h"
#include "core/chart/analysis_tables.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts {

void LandscapePanel::reset() {
  if (job_) job_->cancel();
  job_.reset();
  preview_.reset();
  previewed_.reset();
  shown_.reset();
  shown_step_ = -1;
  uploaded_.reset();
  route_.reset();
}

void LandscapePanel::start(Trainer& trainer, AnalysisJobs& jobs) {
  LandscapeSettings s;
  s.grid = grid_;
  s.span = double(span_);
  s.samples = samples_;
  s.trajectory = trajectory_;
  CaptureOf what;
  if (trajectory_) what.kind = CaptureOf::Kind::path;
  preview_ = std::make_shared<Preview>();
  previewed_.reset();
  auto box = preview_;
  job_ = jobs.start<Result>("loss landscape", trainer.capture(what), [s, box](AnalysisContext& c) {
    Result r;
    r.settings = s;
    const auto values = c.run.network().params().values();
    const auto preview = [&](const Landscape& l, int stride, std::size_t computed) {
      auto p = std::make_shared<Result>();
      p->settings = s;
      p->landscape = l;
      p->figure = plot::landscape_figure(l);
      std::lock_guard lock(box->mutex);
      box->result = std::move(p);
      box->computed = computed;
      box->stride = stride;
    };
    r.landscape =
        compute_landscape(c.run.network(), c.run.config().loss, values, c.input.state.step,
                          c.input.data->test, s, c.input.path, c.cancel, c.progress, preview);
    r.figure = plot::landscape_figure(r.landscape);
    r.summary = landscape_summary(r.landscape);
    return r;
  });
}

void LandscapePanel::draw_settings(const Report& report) {
  ImGui::SetNextItemWidth(210);
  const char* kinds[] = {"filter-normalized random directions", "the path's principal plane"};
  int kind = trajectory_ ? 1 : 0;
  if (ImGui::Combo("##directions", &kind, kinds, 2)) trajectory_ = kind == 1;
  report("landscape-directions");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Random: two Gaussian directions, each unit's slice scaled to that unit's norm (Li et "
        "al. 2018).\nThe path: the top two principal directions of the run's initialization and "
        "kept states (every monitor.keyframe_interval steps, and snapshots), with the path drawn "
        "across the plane.");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(70);
  ImGui::InputInt("points a side", &grid_, 0, 0);
  grid_ = std::clamp(grid_, 3, 201);
  report("landscape-grid");
  ImGui::SameLine();
  if (!trajectory_) {
    ImGui::SetNextItemWidth(60);
    ImGui::InputFloat("span", &span_, 0, 0, "%.2f");
    span_ = std::clamp(span_, 0.01f, float(kMaxLandscapeSpan));
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("The grid covers [-span, span]^2, in units of each unit's own norm");
    report("landscape-span");
    ImGui::SameLine();
  }
  ImGui::SetNextItemWidth(70);
  ImGui::InputInt("test images", &samples_, 0, 0);
  samples_ = std::clamp(samples_, 1, 1000000);
  report("landscape-samples");
}

void LandscapePanel::draw(Trainer& trainer, const DataSplits& data, AnalysisJobs& jobs,
                          const std::string& export_dir, const Report& report, const Log& log) {
  if (job_ && job_->state() == JobState::done && job_->result() && job_->result() != shown_) {
    shown_ = job_->result();
    shown_step_ = job_->step();
    log("analysis landscape done on step " + std::to_string(shown_step_) + ": " + shown_->summary);
    const Landscape& l = shown_->landscape;
    const std::string saved = save_analysis_into(
        trainer.run_dir(), shown_step_,
        [&](const std::filesystem::path& dir) { plot::write_landscape_files(dir, l); });
    if (!saved.empty()) log(saved);
  }
  draw_settings(report);
  ImGui::SameLine();
  const bool busy = job_ && !job_->finished();
  if (ImGui::Button("Run##landscape") && !busy) start(trainer, jobs);
  report("run-landscape");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("On a copy of the weights of the current step, beside training");
  // Before a slow slice starts, what it will cost; once it has run, again only for other
  // settings (the map keeps the room).
  if (!busy &&
      (!shown_ || shown_->settings.grid != grid_ || shown_->settings.samples != samples_)) {
    if (!route_)
      route_ = slice_route(Network<float>(model_for(trainer.status()->config, data.train)));
    const std::string cost = landscape_cost_note(
        *route_, grid_, std::min<Index>(samples_, data.test.size()), data.train.size());
    if (!cost.empty()) hint_text(cost.c_str());
  }
  draw_job_status(job_.get(), trainer.step(), report);
  // While a slow slice runs, its newest preview in place of the last result.
  if (busy && preview_) {
    std::size_t computed = 0;
    int stride = 1;
    {
      std::lock_guard lock(preview_->mutex);
      if (preview_->result) previewed_ = preview_->result;
      computed = preview_->computed;
      stride = preview_->stride;
    }
    if (previewed_) {
      char note[200];
      std::snprintf(note, sizeof note,
                    "Preview: %zu of the %zu points so far, coarse to fine; each square "
                    "holds the nearest computed point's value.",
                    computed,
                    std::size_t(previewed_->figure.n) * std::size_t(previewed_->figure.n));
      draw_map(previewed_, job_->step(), note, export_dir, report, log, stride);
      return;
    }
  }
  if (!shown_) {
    hint_text(
        "Press Run: the test loss on a plane through the current weights appears here, with "
        "its contour lines (and the optimizer's path, on the path's plane).");
    return;
  }
  draw_map(shown_, shown_step_, "step " + std::to_string(shown_step_) + ": " + shown_->summary,
           export_dir, report, log);
}

void LandscapePanel::draw_map(const std::shared_ptr<const Result>& shown, int64_t step,
                              const std::string& note, const std::string& export_dir,
                              const Report& report, const Log& log, int stride) {
  ImGui::TextWrapped("%s", note.c_str());
  if (ImGui::RadioButton("log10 test loss", !show_accuracy_)) show_accuracy_ = false;
  report("landscape-show-loss");
  ImGui::SameLine();
  if (ImGui::RadioButton("test accuracy", show_accuracy_)) show_accuracy_ = true;
  report("landscape-show-accuracy");
  const Result& res = *shown;
  const plot::LandscapeFigure& f = res.figure;
  if (uploaded_ != shown || uploaded_accuracy_ != show_accuracy_) {
    heatmap_.upload(f.n, f.n, show_accuracy_ ? f.accuracy : f.log_loss);
    uploaded_ = shown;
    uploaded_accuracy_ = show_accuracy_;
  }
  const plot::HeatmapGrid grid = show_accuracy_ ? f.accuracy_grid() : f.loss_grid();
  const plot::HeatmapLabels& labels = show_accuracy_ ? f.accuracy_labels : f.loss_labels;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float side = std::max(120.f, std::min(avail.x - 330, avail.y - 24));
  const SliceGrid& g = res.landscape.grid;
  const int n = f.n;
  auto tooltip = [&](int r, int c, float) {
    const int row = n - 1 - r;
    const std::size_t i = std::size_t(row) * std::size_t(n) + std::size_t(c);
    char buf[240];
    const int nr = lattice_nearest(n, stride, row), nc = lattice_nearest(n, stride, c);
    if (stride > 1 && (nr != row || nc != c))
      std::snprintf(buf, sizeof buf,
                    "a %.3g, b %.3g: not computed yet\nnearest computed, a %.3g, b %.3g: "
                    "test loss %.4g, accuracy %.2f%%",
                    g.coordinate(c), g.coordinate(row), g.coordinate(nc), g.coordinate(nr),
                    g.loss[i], 100 * g.accuracy[i]);
    else
      std::snprintf(buf, sizeof buf, "a %.3g, b %.3g\ntest loss %.4g, accuracy %.2f%%",
                    g.coordinate(c), g.coordinate(row), g.loss[i], 100 * g.accuracy[i]);
    return std::string(buf);
  };
  if (auto w =
          heatmap_.draw("landscape-plot", ImVec2(side, side), grid.lo, grid.hi, grid.map, tooltip,
                        export_dir + (show_accuracy_ ? "/landscape-accuracy" : "/landscape") +
                            (stride > 1 ? "-preview" : ""),
                        labels, report, grid.lines))
    log("export " + *w);
  // Beside it, how to read it.
  ImGui::SameLine(0, 12);
  ImGui::BeginGroup();
  const Landscape& l = res.landscape;
  const bool path = !l.path.empty();
  ImGui::Text("%s: %.3g to %.3g, left to right", labels.x_label.c_str(), -g.span, g.span);
  ImGui::Text("%s: %.3g to %.3g, bottom to top", labels.y_label.c_str(), -g.span, g.span);
  ImGui::Text("centre: the weights of step %lld", (long long)step);
  if (!show_accuracy_)
    ImGui::Text("white lines: %d contours of log10 loss", plot::kLandscapeContours);
  if (path) {
    ImGui::TextColored(ImVec4(1.f, 0.25f, 0.25f, 1.f), "red: the path, from the initialization");
    ImGui::Text("(large dot) through %zu kept states", l.path.size() - 2);
    ImGui::Text("explained: %.1f%% and %.1f%%", 100 * l.explained[0], 100 * l.explained[1]);
  }
  ImGui::Spacing();
  ImGui::TextDisabled("Right-click the map to export it.");
  ImGui::EndGroup();
  plot::colormap_bar("landscape-bar", ImVec2(side, 14), grid.lo, grid.hi, grid.map);
}

}  // namespace ts
