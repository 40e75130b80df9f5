// The fields of a learning-rate schedule, as one form: the shape (any of core/schedule's),
// the base rate, the shape's own parameters and the warm-up. Choosing a new shape fills its
// parameters so that it spans `plan_steps` steps, which makes the preview telling at once.
// Shared by the live Schedule tab and the experiment editor. UI thread only.
#pragma once

#include "core/schedule/schedule.h"

#include <cstdint>
#include <functional>
#include <string>

namespace ts {

// Draws the form and edits `schedule` in place; `prefix` names the reported widgets
// (prefix + "-shape", prefix + "-lr").
void edit_schedule(Schedule& schedule, int64_t plan_steps, const std::string& prefix,
                   const std::function<void(const char*)>& report);

// The parameters a shape starts with when chosen: spanning `plan_steps` from `base_lr`.
// `shape` indexes ScheduleShape's alternatives.
ScheduleShape default_shape(int shape, int64_t plan_steps, double base_lr);

}  // namespace ts
