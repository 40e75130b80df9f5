#include "core/schedule/schedule.h"
#include "core/text_format.h"

#include "core/error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>

namespace ts {

namespace {

// ---- validation ------------------------------------------------------------------------

class Checker {
 public:
  explicit Checker(const std::string& path) : path_(path) {}

  void at_least(int64_t v, int64_t lo, const char* key) const {
    if (v < lo) fail(key, "must be >= " + std::to_string(lo) + ", got " + std::to_string(v));
  }
  void non_negative(double v, const char* key) const {
    if (!(std::isfinite(v) && v >= 0.0)) fail(key, "must be >= 0, got " + format_number(v));
  }
  void positive(double v, const char* key) const {
    if (!(std::isfinite(v) && v > 0.0)) fail(key, "must be > 0, got " + format_number(v));
  }
  void at_least(double v, double lo, const char* key) const {
    if (!(std::isfinite(v) && v >= lo)) {
      fail(key, "must be >= " + format_number(lo) + ", got " + format_number(v));
    }
  }
  void closed(double v, double lo, double hi, const char* key) const {
    if (!(std::isfinite(v) && v >= lo && v <= hi)) {
      fail(key, "must be in [" + format_number(lo) + ", " + format_number(hi) + "], got " +
                    format_number(v));
    }
  }
  void left_open(double v, double lo, double hi, const char* key) const {
    if (!(std::isfinite(v) && v > lo && v <= hi)) {
      fail(key, "must be in (" + format_number(lo) + ", " + format_number(hi) + "], got " +
                    format_number(v));
    }
  }
  void open(double v, double lo, double hi, const char* key) const {
    if (!(std::isfinite(v) && v > lo && v < hi)) {
      fail(key, "must be in (" + format_number(lo) + ", " + format_number(hi) + "), got " +
                    format_number(v));
    }
  }
  [[noreturn]] void fail(const char* key, const std::string& what) const {
    throw Error((path_.empty() ? std::string(key) : path_ + "." + key) + ": " + what);
  }

 private:
  const std::string& path_;
};

void check_momentum(bool on, double base, double max, const Checker& c) {
  if (!on) return;
  c.closed(max, 0.0, 0.999999, "max_momentum");
  if (!(std::isfinite(base) && base >= 0.0 && base <= max))
    c.fail("base_momentum",
           "must be in [0, max_momentum " + format_number(max) + "], got " + format_number(base));
}

void check_shape(const ConstantLr&, const Checker&) {}
void check_shape(const MultiStepLr& s, const Checker& c) {
  if (s.milestones.empty()) c.fail("milestones", "must list at least one step");
  for (std::size_t i = 0; i < s.milestones.size(); ++i) {
    if (s.milestones[i] < 1)
      c.fail("milestones", "must be steps >= 1, got " + std::to_string(s.milestones[i]));
    if (i > 0 && s.milestones[i] <= s.milestones[i - 1])
      c.fail("milestones", "must increase, got " + std::to_string(s.milestones[i]) + " after " +
                               std::to_string(s.milestones[i - 1]));
  }
  c.positive(s.gamma, "gamma");
}
void check_shape(const StepLr& s, const Checker& c) {
  c.at_least(s.step_size, 1, "step_size");
  c.positive(s.gamma, "gamma");
}
void check_shape(const LinearLr& s, const Checker& c) {
  c.at_least(s.total_steps, 1, "total_steps");
  c.non_negative(s.end_factor, "end_factor");
}
void check_shape(const InverseTimeLr& s, const Checker& c) { c.non_negative(s.beta, "beta"); }
void check_shape(const ExponentialLr& s, const Checker& c) { c.positive(s.beta, "beta"); }
void check_shape(const NaturalExpLr& s, const Checker& c) { c.non_negative(s.beta, "beta"); }
void check_shape(const CosineLr& s, const Checker& c) {
  c.at_least(s.total_steps, 1, "total_steps");
  c.non_negative(s.min_lr, "min_lr");
}
void check_shape(const CyclicalLr& s, const Checker& c) {
  if (s.mode != CyclicalLr::Mode::triangular && s.mode != CyclicalLr::Mode::triangular2 &&
      s.mode != CyclicalLr::Mode::exp_range) {
    c.fail("mode", "unknown mode " + std::to_string(static_cast<int>(s.mode)));
  }
  c.non_negative(s.max_lr, "max_lr");
  c.at_least(s.half_cycle, 1, "half_cycle");
  c.positive(s.gamma, "gamma");
  check_momentum(s.cycle_momentum, s.base_momentum, s.max_momentum, c);
}
void check_shape(const SgdrLr& s, const Checker& c) {
  c.at_least(s.first_period, 1, "first_period");
  c.at_least(s.period_mult, 1.0, "period_mult");
  c.non_negative(s.min_lr, "min_lr");
  c.left_open(s.peak_decay, 0.0, 1.0, "peak_decay");
}
void check_shape(const OneCycleLr& s, const Checker& c) {
  c.at_least(s.total_steps, 1, "total_steps");
  c.positive(s.max_lr, "max_lr");
  c.open(s.pct_start, 0.0, 1.0, "pct_start");
  c.positive(s.div_factor, "div_factor");
  c.positive(s.final_div_factor, "final_div_factor");
  check_momentum(s.cycle_momentum, s.base_momentum, s.max_momentum, c);
}

// ---- rates -------------------------------------------------------------------------------

constexpr double kPi = std::numbers::pi;

// b + (a - b) * (1 + cos(pi * p)) / 2: a at p = 0, b at p = 1.
double cos_anneal(double a, double b, double p) {
  return b + (a - b) * 0.5 * (1.0 + std::cos(kPi * p));
}

// The SGDR period that contains step t: its index, first step (possibly fractional) and length.
struct SgdrPeriod {
  int64_t index = 0;
  double start = 0.0;
  double length = 0.0;
};

SgdrPeriod sgdr_period(const SgdrLr& s, int64_t t) {
  const auto t0 = static_cast<double>(s.first_period);
  if (s.period_mult == 1.0) {
    const int64_t i = t / s.first_period;
    return {i, static_cast<double>(i * s.first_period), t0};
  }
  const double m = s.period_mult;
  // S_i = t0 (m^i - 1) / (m - 1); pow keeps integer boundaries exact for integer m.
  const auto start = [&](int64_t i) {
    return t0 * (std::pow(m, static_cast<double>(i)) - 1.0) / (m - 1.0);
  };
  const auto x = static_cast<double>(t);
  auto i = static_cast<int64_t>(std::floor(std::log1p(x * (m - 1.0) / t0) / std::log(m)));
  i = std::max<int64_t>(i, 0);
  // The logarithm can land one period off at a boundary; settle on S_i <= t < S_(i+1).
  while (start(i + 1) <= x) ++i;
  while (i > 0 && start(i) > x) --i;
  return {i, start(i), t0 * std::pow(m, static_cast<double>(i))};
}

double shape_rate(const ConstantLr&, double a0, int64_t) { return a0; }

double shape_rate(const MultiStepLr& s, double a0, int64_t t) {
  const auto passed =
      std::upper_bound(s.milestones.begin(), s.milestones.end(), t) - s.milestones.begin();
  return a0 * std::pow(s.gamma, static_cast<double>(passed));
}

double shape_rate(const StepLr& s, double a0, int64_t t) {
  return a0 * std::pow(s.gamma, static_cast<double>(t / s.step_size));
}

double shape_rate(const LinearLr& s, double a0, int64_t t) {
  const double progress =
      static_cast<double>(std::min(t, s.total_steps)) / static_cast<double>(s.total_steps);
  return a0 * (1.0 + (s.end_factor - 1.0) * progress);
}

double shape_rate(const InverseTimeLr& s, double a0, int64_t t) {
  return a0 / (1.0 + s.beta * static_cast<double>(t));
}

double shape_rate(const ExponentialLr& s, double a0, int64_t t) {
  return a0 * std::pow(s.beta, static_cast<double>(t));
}

double shape_rate(const NaturalExpLr& s, double a0, int64_t t) {
  return a0 * std::exp(-s.beta * static_cast<double>(t));
}

double shape_rate(const CosineLr& s, double a0, int64_t t) {
  if (t >= s.total_steps) return s.min_lr;
  return cos_anneal(a0, s.min_lr, static_cast<double>(t) / static_cast<double>(s.total_steps));
}

// How far up its triangle a cyclical schedule is at t: max(0, 1 - x) * scale, in [0, 1].
double cyclical_height(const CyclicalLr& s, int64_t t) {
  const auto x_t = static_cast<double>(t);
  const auto h = static_cast<double>(s.half_cycle);
  const double cycle = std::floor(1.0 + x_t / (2.0 * h));
  const double x = std::abs(x_t / h - 2.0 * cycle + 1.0);
  double scale = 1.0;
  switch (s.mode) {
    case CyclicalLr::Mode::triangular:
      scale = 1.0;
      break;
    case CyclicalLr::Mode::triangular2:
      scale = std::pow(0.5, cycle - 1.0);
      break;
    case CyclicalLr::Mode::exp_range:
      scale = std::pow(s.gamma, x_t);
      break;
  }
  return std::max(0.0, 1.0 - x) * scale;
}

double shape_rate(const CyclicalLr& s, double a0, int64_t t) {
  return a0 + (s.max_lr - a0) * cyclical_height(s, t);
}

double shape_rate(const SgdrLr& s, double a0, int64_t t) {
  const SgdrPeriod p = sgdr_period(s, t);
  const double peak =
      s.peak_decay == 1.0
          ? a0
          : std::max(s.min_lr, a0 * std::pow(s.peak_decay, static_cast<double>(p.index)));
  return cos_anneal(peak, s.min_lr, (static_cast<double>(t) - p.start) / p.length);
}

// Where a one-cycle schedule is at t: in its first phase (rising) or not, and the fraction of
// that phase done.
struct OneCyclePhase {
  bool rising = true;
  double progress = 0.0;
};

OneCyclePhase onecycle_phase(const OneCycleLr& s, int64_t t) {
  const double e1 = s.pct_start * static_cast<double>(s.total_steps) - 1.0;
  const double e2 = static_cast<double>(s.total_steps) - 1.0;
  const auto x = static_cast<double>(t);
  // Fraction of a phase [start, end] done at x; a phase of length <= 0 is done.
  const auto progress = [x](double start, double end) {
    return end - start > 0.0 ? std::min(1.0, (x - start) / (end - start)) : 1.0;
  };
  if (x <= e1) return {true, progress(0.0, e1)};
  return {false, progress(e1, e2)};
}

double shape_rate(const OneCycleLr& s, double /*a0*/, int64_t t) {
  const double initial = s.max_lr / s.div_factor;
  const double final_lr = initial / s.final_div_factor;
  const OneCyclePhase p = onecycle_phase(s, t);
  return p.rising ? cos_anneal(initial, s.max_lr, p.progress)
                  : cos_anneal(s.max_lr, final_lr, p.progress);
}

// The cycled momentum of a shape at its own clock t, if it cycles one.
template <class S>
std::optional<double> shape_momentum(const S&, int64_t) {
  return std::nullopt;
}
std::optional<double> shape_momentum(const CyclicalLr& s, int64_t t) {
  if (!s.cycle_momentum) return std::nullopt;
  return s.max_momentum - (s.max_momentum - s.base_momentum) * cyclical_height(s, t);
}
std::optional<double> shape_momentum(const OneCycleLr& s, int64_t t) {
  if (!s.cycle_momentum) return std::nullopt;
  const OneCyclePhase p = onecycle_phase(s, t);
  return p.rising ? cos_anneal(s.max_momentum, s.base_momentum, p.progress)
                  : cos_anneal(s.base_momentum, s.max_momentum, p.progress);
}

std::optional<double> momentum_unchecked(const Schedule& s, int64_t step) {
  const int64_t t = std::max<int64_t>(0, step - s.warmup_steps);
  return std::visit([&](const auto& shape) { return shape_momentum(shape, t); }, s.shape);
}

// The rate of an already validated schedule.
double rate_unchecked(const Schedule& s, int64_t step) {
  const auto shape_at = [&](int64_t t) {
    return std::visit([&](const auto& shape) { return shape_rate(shape, s.base_lr, t); }, s.shape);
  };
  if (step < s.warmup_steps) {
    const auto w = static_cast<double>(s.warmup_steps);
    const auto x = static_cast<double>(step);
    if (!s.warmup_start_factor) return shape_at(0) * (x + 1.0) / w;
    const double f = *s.warmup_start_factor;
    return shape_at(0) * (f + (1.0 - f) * x / w);
  }
  return shape_at(step - s.warmup_steps);
}

bool cycle_end(const ConstantLr&, int64_t) { return false; }
bool cycle_end(const MultiStepLr&, int64_t) { return false; }
bool cycle_end(const StepLr&, int64_t) { return false; }
bool cycle_end(const LinearLr&, int64_t) { return false; }
bool cycle_end(const InverseTimeLr&, int64_t) { return false; }
bool cycle_end(const ExponentialLr&, int64_t) { return false; }
bool cycle_end(const NaturalExpLr&, int64_t) { return false; }
bool cycle_end(const CosineLr&, int64_t) { return false; }
bool cycle_end(const OneCycleLr&, int64_t) { return false; }
bool cycle_end(const CyclicalLr& s, int64_t t) {
  // (t + 1) % (2 * half_cycle) == 0, without forming 2 * half_cycle.
  const int64_t next = t + 1;
  return next % s.half_cycle == 0 && (next / s.half_cycle) % 2 == 0;
}
bool cycle_end(const SgdrLr& s, int64_t t) {
  return sgdr_period(s, t + 1).index != sgdr_period(s, t).index;
}

const char* shape_name(const ConstantLr&) { return "constant"; }
const char* shape_name(const MultiStepLr&) { return "multistep"; }
const char* shape_name(const StepLr&) { return "step"; }
const char* shape_name(const LinearLr&) { return "linear"; }
const char* shape_name(const InverseTimeLr&) { return "inverse_time"; }
const char* shape_name(const ExponentialLr&) { return "exponential"; }
const char* shape_name(const NaturalExpLr&) { return "natural_exp"; }
const char* shape_name(const CosineLr&) { return "cosine"; }
const char* shape_name(const CyclicalLr&) { return "cyclical"; }
const char* shape_name(const SgdrLr&) { return "sgdr"; }
const char* shape_name(const OneCycleLr&) { return "onecycle"; }

void check_step(int64_t step, const char* what) {
  if (step < 0) throw Error(std::string(what) + ": step must be >= 0, got " + std::to_string(step));
}

}  // namespace

void validate(const Schedule& s, const std::string& path) {
  const Checker c(path);
  c.non_negative(s.base_lr, "lr");
  c.at_least(s.warmup_steps, 0, "warmup_steps");
  if (s.warmup_start_factor) c.left_open(*s.warmup_start_factor, 0.0, 1.0, "warmup_start_factor");
  std::visit([&](const auto& shape) { check_shape(shape, c); }, s.shape);
}

double learning_rate(const Schedule& s, int64_t step) {
  validate(s, "schedule");
  check_step(step, "learning_rate");
  return rate_unchecked(s, step);
}

void planned_rates(const Schedule& s, int64_t from_step, std::span<double> out) {
  validate(s, "schedule");
  check_step(from_step, "planned_rates");
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = rate_unchecked(s, from_step + static_cast<int64_t>(i));
  }
}

std::optional<double> scheduled_momentum(const Schedule& s, int64_t step) {
  validate(s, "schedule");
  check_step(step, "scheduled_momentum");
  return momentum_unchecked(s, step);
}

bool cycles_momentum(const Schedule& s) { return momentum_unchecked(s, 0).has_value(); }

void planned_momentum(const Schedule& s, int64_t from_step, std::span<double> out) {
  validate(s, "schedule");
  check_step(from_step, "planned_momentum");
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = momentum_unchecked(s, from_step + static_cast<int64_t>(i)).value_or(std::nan(""));
}

bool is_cycle_end(const Schedule& s, int64_t step) {
  validate(s, "schedule");
  check_step(step, "is_cycle_end");
  if (step < s.warmup_steps) return false;
  const int64_t t = step - s.warmup_steps;
  return std::visit([&](const auto& shape) { return cycle_end(shape, t); }, s.shape);
}

const char* schedule_name(const ScheduleShape& shape) {
  return std::visit([](const auto& s) { return shape_name(s); }, shape);
}

const char* schedule_name(const Schedule& s) { return schedule_name(s.shape); }

const char* to_string(CyclicalLr::Mode mode) {
  switch (mode) {
    case CyclicalLr::Mode::triangular:
      return "triangular";
    case CyclicalLr::Mode::triangular2:
      return "triangular2";
    case CyclicalLr::Mode::exp_range:
      return "exp_range";
  }
  return "unknown";
}

}  // namespace ts
