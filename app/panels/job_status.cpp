#include "app/panels/job_status.h"
#include "core/text_format.h"

#include <imgui.h>

#include <algorithm>

#include <cstdio>
#include <string>

namespace ts {

void draw_job_status(AnalysisJob* job, int64_t step,
                     const std::function<void(const char*)>& report) {
  if (!job) return;
  switch (job->state()) {
    case JobState::waiting:
      ImGui::TextDisabled("%s: waiting for the analysis before it", job->name().c_str());
      break;
    case JobState::running: {
      char overlay[160];
      if (job->step() < 0)
        std::snprintf(overlay, sizeof overlay, "%s: copying the weights", job->name().c_str());
      else
        std::snprintf(overlay, sizeof overlay, "%s on step %lld: %s", job->name().c_str(),
                      (long long)job->step(),
                      progress_text(job->seconds(), job->progress()).c_str());
      // As wide as the panel allows beside Cancel, so the label is not cut.
      const float cancel_w =
          ImGui::CalcTextSize("Cancel").x + 2 * ImGui::GetStyle().FramePadding.x + 12;
      const float bar_w = std::max(ImGui::CalcTextSize(overlay).x + 16,
                                   ImGui::GetContentRegionAvail().x - cancel_w);
      ImGui::ProgressBar(float(job->progress()), ImVec2(bar_w, 0), overlay);
      ImGui::SameLine();
      if (ImGui::SmallButton("Cancel")) job->cancel();
      report("cancel");
      break;
    }
    case JobState::done:
      ImGui::TextDisabled("%s: weights of step %lld, %.2f s%s", job->name().c_str(),
                          (long long)job->step(), job->seconds(),
                          step != job->step() ? " (training went on meanwhile)" : "");
      break;
    case JobState::cancelled:
      ImGui::TextDisabled("%s: cancelled after %.1f s", job->name().c_str(), job->seconds());
      break;
    case JobState::failed:
      ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 120, 100, 255));
      ImGui::TextWrapped("%s failed: %s", job->name().c_str(), job->error().c_str());
      ImGui::PopStyleColor();
      break;
  }
}

}  // namespace ts
