// One line for an analysis job in a panel: its progress bar, with the time left (progress_text in
// core/text_format.h), and a Cancel button while it runs; when it has finished, on which step's
// weights and how long it took, or why it failed. UI thread only.
#pragma once

#include "core/train/analysis_jobs.h"

#include <cstdint>
#include <functional>
#include <string>

namespace ts {

// `report` names the Cancel button's position for scripted tests; `step` is the run's step
// now, to say whether training went on while the job worked.
void draw_job_status(AnalysisJob* job, int64_t step,
                     const std::function<void(const char*)>& report);

}  // namespace ts
