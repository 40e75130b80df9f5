// Learning-rate schedules as pure functions of the step.
//
// A Schedule is a plain value (base rate, shape, optional linear warm-up); `learning_rate`
// maps a step to a rate with no hidden state, so the trainer, the plot of planned rates and a
// resumed run all agree. Dispatch is by the variant's type, never by name. Every function here
// is pure and callable from any thread; a Schedule is owned by whoever holds the value.
//
// Invariants: a valid Schedule (see `validate`) gives a non-negative rate at every step >= 0,
// finite except for an ExponentialLr with beta > 1 run until it overflows. Every function that
// takes a Schedule validates it first and throws ts::Error.
//
// Notation: a0 = Schedule::base_lr, t = the shape's own clock (the step minus the warm-up,
// see Schedule), floor(), cos() and exp() as usual. Where PyTorch has the schedule, the formula
// is PyTorch's closed form with last_epoch = t.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace ts {

// a0.
struct ConstantLr {
  bool operator==(const ConstantLr&) const = default;
};

// a0 * gamma^floor(t / step_size)                               (torch StepLR)
struct StepLr {
  int64_t step_size = 0;  // >= 1, required
  double gamma = 0.1;     // > 0

  bool operator==(const StepLr&) const = default;
};

// Piecewise constant at milestones (torch MultiStepLR): a0 * gamma^k, k the number of
// milestones <= t. VGG's and ResNet's 0.1 -> 0.01 -> 0.001: a0 0.1, gamma 0.1, two milestones.
struct MultiStepLr {
  std::vector<int64_t> milestones;  // strictly increasing, each >= 1; required
  double gamma = 0.1;               // > 0

  bool operator==(const MultiStepLr&) const = default;
};

// a0 * (1 + (end_factor - 1) * min(t, total_steps) / total_steps)
// (torch LinearLR with start_factor 1): a0 at t = 0, a0 * end_factor from total_steps on.
struct LinearLr {
  int64_t total_steps = 0;  // >= 1, required
  double end_factor = 0.0;  // >= 0

  bool operator==(const LinearLr&) const = default;
};

// a0 / (1 + beta * t)
struct InverseTimeLr {
  double beta = 0.0;  // >= 0, required

  bool operator==(const InverseTimeLr&) const = default;
};

// a0 * beta^t                                                   (torch ExponentialLR)
// beta > 1 makes the rate grow, as in a learning-rate range test.
struct ExponentialLr {
  double beta = 0.0;  // > 0, required

  bool operator==(const ExponentialLr&) const = default;
};

// a0 * exp(-beta * t)
struct NaturalExpLr {
  double beta = 0.0;  // >= 0, required

  bool operator==(const NaturalExpLr&) const = default;
};

// min_lr + (a0 - min_lr) * (1 + cos(pi * t / total_steps)) / 2 for t <= total_steps, and
// min_lr after (torch CosineAnnealingLR, whose closed form would rise again past the end).
struct CosineLr {
  int64_t total_steps = 0;  // >= 1, required
  double min_lr = 0.0;      // >= 0

  bool operator==(const CosineLr&) const = default;
};

// Cyclical learning rate (Smith 2017; torch CyclicLR with step_size_up = step_size_down =
// half_cycle). The rate climbs linearly from a0 to max_lr over half_cycle steps, falls back
// over the next half_cycle, and repeats; a cycle is 2 * half_cycle steps, numbered from 1:
//   c = floor(1 + t / (2 * half_cycle)),   x = |t / half_cycle - 2 c + 1|
//   rate = a0 + (max_lr - a0) * max(0, 1 - x) * scale
//   scale: triangular 1;  triangular2 1 / 2^(c - 1);  exp_range gamma^t
// With cycle_momentum, the momentum (or Adam's beta1) moves inversely to the rate, as torch
// CyclicLR's cycle_momentum does: max_momentum where the rate is a0, base_momentum at its peak,
//   momentum = max_momentum - (max_momentum - base_momentum) * max(0, 1 - x) * scale
struct CyclicalLr {
  enum class Mode { triangular, triangular2, exp_range };
  Mode mode = Mode::triangular;
  double max_lr = 0.0;     // >= 0, required
  int64_t half_cycle = 0;  // >= 1, required
  double gamma = 1.0;      // > 0; read by exp_range only
  bool cycle_momentum = false;
  double base_momentum = 0.8;  // 0 <= base_momentum <= max_momentum < 1 (torch's defaults)
  double max_momentum = 0.9;

  bool operator==(const CyclicalLr&) const = default;
};

// SGDR, stochastic gradient descent with warm restarts (Loshchilov & Hutter 2017; torch
// CosineAnnealingWarmRestarts, which takes an integer period_mult). Period i lasts
// T_i = first_period * period_mult^i steps and starts at S_i = sum_{k<i} T_k, which is
// first_period * i for period_mult == 1 and first_period * (period_mult^i - 1) /
// (period_mult - 1) otherwise. At step t in period i (S_i <= t < S_(i+1)):
//   rate = min_lr + (a0 - min_lr) * (1 + cos(pi * (t - S_i) / T_i)) / 2
// A non-integer period_mult gives fractional period boundaries; a period then ends at the last
// whole step before its boundary. With peak_decay d < 1 each restart starts lower: period i
// peaks at a_i = max(min_lr, a0 * d^i) (Loshchilov & Hutter's variant; TensorFlow's
// CosineDecayRestarts m_mul) and anneals from a_i to min_lr.
struct SgdrLr {
  int64_t first_period = 0;  // >= 1, required
  double period_mult = 1.0;  // >= 1
  double min_lr = 0.0;       // >= 0
  double peak_decay = 1.0;   // in (0, 1]

  bool operator==(const SgdrLr&) const = default;
};

// One-cycle policy (Smith & Topin 2017; torch OneCycleLR with anneal_strategy "cos" and
// three_phase off). Schedule::base_lr is ignored: the rate starts at initial = max_lr /
// div_factor, rises to max_lr and falls to final = initial / final_div_factor:
//   e1 = pct_start * total_steps - 1,   e2 = total_steps - 1,
//   cos_anneal(a, b, p) = b + (a - b) * (1 + cos(pi * p)) / 2
//   t <= e1:  cos_anneal(initial, max_lr, t / e1)
//   t >  e1:  cos_anneal(max_lr, final, min(1, (t - e1) / (e2 - e1)))
// A phase of length <= 0 counts as finished (p = 1) where PyTorch would divide by zero; after
// the last step the rate stays at final, where PyTorch raises. With cycle_momentum the
// momentum (or Adam's beta1) moves inversely (torch OneCycleLR's cycle_momentum):
//   t <= e1:  cos_anneal(max_momentum, base_momentum, t / e1)
//   t >  e1:  cos_anneal(base_momentum, max_momentum, min(1, (t - e1) / (e2 - e1)))
struct OneCycleLr {
  int64_t total_steps = 0;        // >= 1, required
  double max_lr = 0.0;            // > 0, required
  double pct_start = 0.3;         // in (0, 1)
  double div_factor = 25.0;       // > 0
  double final_div_factor = 1e4;  // > 0
  bool cycle_momentum = false;
  double base_momentum = 0.85;  // 0 <= base_momentum <= max_momentum < 1 (torch's defaults)
  double max_momentum = 0.95;

  bool operator==(const OneCycleLr&) const = default;
};

using ScheduleShape =
    std::variant<ConstantLr, StepLr, LinearLr, InverseTimeLr, ExponentialLr, NaturalExpLr, CosineLr,
                 CyclicalLr, SgdrLr, OneCycleLr, MultiStepLr>;

// A shape behind an optional linear warm-up of W = warmup_steps steps. Step index `step`
// (0 for the first training step) is training step t = step + 1, and shape(t') is the
// shape's rate at its own clock t'.
//  - As the lectures define it (no start factor): a_t = t / W * shape(0) for t = 1..W, so
//    the first step trains at shape(0) / W and step W reaches shape(0):
//      step <  W:  shape(0) * (step + 1) / W
//  - With a start factor f in (0, 1], as torch LinearLR(start_factor = f, total_iters = W)
//    chained in front of the shape with SequentialLR (PyTorch refuses f = 0 too):
//      step <  W:  shape(0) * (f + (1 - f) * step / W)
//  - After the warm-up in both cases:  step >= W:  shape(step - W)
// W = 0 means no warm-up.
struct Schedule {
  double base_lr = 0.1;                       // a0, >= 0; JSON key "lr"
  ScheduleShape shape;                        // ConstantLr unless set
  int64_t warmup_steps = 0;                   // >= 0
  std::optional<double> warmup_start_factor;  // in (0, 1]; absent: the lectures' ramp

  bool operator==(const Schedule&) const = default;
};

// Throws ts::Error when a field is out of range, naming it as `path` + "." + its JSON key
// ("schedule.step_size: must be >= 1, got 0").
void validate(const Schedule& schedule, const std::string& path);

// The rate for `step` (step 0 is the first training step). Throws ts::Error on an invalid
// schedule or a negative step.
double learning_rate(const Schedule& schedule, int64_t step);

// out[i] = learning_rate(schedule, from_step + i), validating once. Throws ts::Error on an
// invalid schedule or a negative from_step.
void planned_rates(const Schedule& schedule, int64_t from_step, std::span<double> out);

// The momentum (momentum, nesterov, rmsprop) or beta1 (adam, adamw) of `step` when the shape
// cycles it (cyclical or onecycle with cycle_momentum), else nothing. During a warm-up it is
// the shape's momentum at its own t = 0. Throws ts::Error like learning_rate.
std::optional<double> scheduled_momentum(const Schedule& schedule, int64_t step);
// True when the shape cycles the momentum.
bool cycles_momentum(const Schedule& schedule);
// out[i] = scheduled_momentum(schedule, from_step + i); NaN where there is none.
void planned_momentum(const Schedule& schedule, int64_t from_step, std::span<double> out);

// True at the last step of a cycle of a cyclical or SGDR schedule: where snapshot ensembles
// take a snapshot. Cyclical: (t + 1) is a multiple of 2 * half_cycle. SGDR: t + 1 reaches the
// start of the next period. Always false during the warm-up and for the other shapes.
bool is_cycle_end(const Schedule& schedule, int64_t step);

// The shape's name, as in the JSON "type": "constant", "step", "linear", "inverse_time",
// "exponential", "natural_exp", "cosine", "cyclical", "sgdr", "onecycle", "multistep".
const char* schedule_name(const Schedule& schedule);
const char* schedule_name(const ScheduleShape& shape);

// "triangular", "triangular2", "exp_range".
const char* to_string(CyclicalLr::Mode mode);

}  // namespace ts
