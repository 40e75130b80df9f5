// Schedule to and from JSON. One flat object: the shape's "type", the base rate "lr", the
// optional warm-up, and the shape's own fields under the names of its struct members
// (core/schedule/schedule.h):
//
//   {"type": "cosine", "lr": 0.1, "total_steps": 10000, "min_lr": 0, "warmup_steps": 500}
//
//   type          fields (* required)
//   constant      -
//   step          step_size*, gamma
//   linear        total_steps*, end_factor
//   inverse_time  beta*
//   exponential   beta*
//   natural_exp   beta*
//   cosine        total_steps*, min_lr
//   cyclical      max_lr*, half_cycle*, mode ("triangular", "triangular2", "exp_range"), gamma,
//                 cycle_momentum, base_momentum, max_momentum
//   sgdr          first_period*, period_mult, min_lr, peak_decay
//   onecycle      total_steps*, max_lr*, pct_start, div_factor, final_div_factor,
//                 cycle_momentum, base_momentum, max_momentum
//   multistep     milestones* (a list of steps), gamma
//
// Every type takes "warmup_steps" (default 0) and "warmup_start_factor" (absent by default:
// the lectures' ramp t / W; see Schedule in core/schedule/schedule.h). "lr" is required,
// except for onecycle, which derives its rates from max_lr and rejects "lr". A missing
// optional field takes its struct default. Integers may be written as 1e4. Pure functions,
// callable from any thread.
#pragma once

#include "core/schedule/schedule.h"

#include <nlohmann/json.hpp>

#include <string>

namespace ts {

// Throws ts::Error naming the full key path (`path` + "." + key, e.g. "schedule.step_size") on
// a missing or unknown type, a missing required field, a key the type does not use, a value of
// the wrong JSON type, or a value out of range (see `validate` in core/schedule/schedule.h).
Schedule schedule_from_json(const nlohmann::json& j, const std::string& path);

// The form above with every field of the shape; schedule_from_json reads it back equal (for
// onecycle, except base_lr, which is not written and comes back as its default).
nlohmann::json to_json(const Schedule& schedule);

}  // namespace ts
