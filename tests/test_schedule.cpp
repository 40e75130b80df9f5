// Tests of core/schedule: every shape at several steps against its closed form computed here,
// the warm-up, cycle ends, planned rates, and the JSON form.
#include "core/error.h"
#include "core/schedule/schedule.h"
#include "core/schedule/schedule_json.h"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

namespace {

using ts::Schedule;

constexpr double kPi = std::numbers::pi;
// The schedule and the closed forms below are both double arithmetic with a handful of
// operations; they agree to a few ulps.
constexpr double kTol = 1e-12;

Schedule make(double base_lr, ts::ScheduleShape shape) {
  Schedule s;
  s.base_lr = base_lr;
  s.shape = shape;
  return s;
}

double rate(const Schedule& s, int64_t step) { return ts::learning_rate(s, step); }

// Steps from 0 to `last` where is_cycle_end is true.
std::vector<int64_t> cycle_ends(const Schedule& s, int64_t last) {
  std::vector<int64_t> out;
  for (int64_t t = 0; t <= last; ++t) {
    if (ts::is_cycle_end(s, t)) out.push_back(t);
  }
  return out;
}

// One example of every shape, with non-default values everywhere.
std::vector<Schedule> one_of_each() {
  std::vector<Schedule> out;
  out.push_back(make(0.05, ts::ConstantLr{}));
  out.push_back(make(0.1, ts::StepLr{3, 0.5}));
  out.push_back(make(0.1, ts::LinearLr{10, 0.1}));
  out.push_back(make(0.1, ts::InverseTimeLr{0.5}));
  out.push_back(make(0.1, ts::ExponentialLr{0.9}));
  out.push_back(make(0.1, ts::NaturalExpLr{0.1}));
  out.push_back(make(0.1, ts::CosineLr{100, 0.01}));
  out.push_back(make(0.1, ts::CyclicalLr{ts::CyclicalLr::Mode::exp_range, 0.5, 4, 0.99}));
  out.push_back(make(1.0, ts::SgdrLr{3, 2.0, 0.05}));
  out.push_back(make(0.1, ts::OneCycleLr{100, 1.0, 0.25, 10.0, 100.0, true, 0.8, 0.9}));
  out.back().base_lr = Schedule{}.base_lr;  // not serialized for onecycle
  out.push_back(make(0.1, ts::MultiStepLr{{30, 60, 90}, 0.5}));
  out.push_back(make(1.0, ts::SgdrLr{3, 2.0, 0.05, 0.5}));
  out.push_back(
      make(0.1, ts::CyclicalLr{ts::CyclicalLr::Mode::triangular2, 0.5, 4, 1.0, true, 0.7, 0.95}));
  for (std::size_t i = 0; i < out.size(); i += 2) {
    out[i].warmup_steps = 5;
    out[i].warmup_start_factor = 0.2;
  }
  return out;
}

}  // namespace

TEST_CASE("constant, step, linear, inverse time, exponential and natural exponential") {
  const Schedule constant = make(0.05, ts::ConstantLr{});
  for (int64_t t : {0, 1, 1000}) CHECK(rate(constant, t) == 0.05);

  const Schedule step = make(0.1, ts::StepLr{3, 0.5});
  for (int64_t t = 0; t < 20; ++t) {
    CAPTURE(t);
    CHECK(rate(step, t) == doctest::Approx(0.1 * std::pow(0.5, t / 3)).epsilon(kTol));
  }
  CHECK(rate(step, 2) == doctest::Approx(0.1).epsilon(kTol));
  CHECK(rate(step, 3) == doctest::Approx(0.05).epsilon(kTol));
  CHECK(rate(step, 7) == doctest::Approx(0.025).epsilon(kTol));

  const Schedule linear = make(0.1, ts::LinearLr{10, 0.1});
  CHECK(rate(linear, 0) == doctest::Approx(0.1).epsilon(kTol));
  CHECK(rate(linear, 5) == doctest::Approx(0.1 * (1 - 0.9 * 0.5)).epsilon(kTol));
  CHECK(rate(linear, 10) == doctest::Approx(0.01).epsilon(kTol));
  CHECK(rate(linear, 25) == doctest::Approx(0.01).epsilon(kTol));

  const Schedule inverse = make(0.1, ts::InverseTimeLr{0.5});
  CHECK(rate(inverse, 0) == doctest::Approx(0.1).epsilon(kTol));
  CHECK(rate(inverse, 4) == doctest::Approx(0.1 / 3).epsilon(kTol));
  CHECK(rate(inverse, 100) == doctest::Approx(0.1 / 51).epsilon(kTol));

  const Schedule exponential = make(0.1, ts::ExponentialLr{0.9});
  CHECK(rate(exponential, 0) == doctest::Approx(0.1).epsilon(kTol));
  CHECK(rate(exponential, 3) == doctest::Approx(0.0729).epsilon(kTol));
  CHECK(rate(exponential, 50) == doctest::Approx(0.1 * std::pow(0.9, 50)).epsilon(kTol));
  // Growing, as in a range test.
  CHECK(rate(make(1e-5, ts::ExponentialLr{2.0}), 10) == doctest::Approx(1.024e-2).epsilon(kTol));

  const Schedule natural = make(0.1, ts::NaturalExpLr{0.1});
  CHECK(rate(natural, 0) == doctest::Approx(0.1).epsilon(kTol));
  CHECK(rate(natural, 10) == doctest::Approx(0.1 / std::numbers::e).epsilon(kTol));
  CHECK(rate(natural, 35) == doctest::Approx(0.1 * std::exp(-3.5)).epsilon(kTol));
}

TEST_CASE("cosine annealing, held at min_lr after the end") {
  const Schedule s = make(0.1, ts::CosineLr{100, 0.01});
  CHECK(rate(s, 0) == doctest::Approx(0.1).epsilon(kTol));
  CHECK(rate(s, 50) == doctest::Approx(0.055).epsilon(kTol));
  CHECK(rate(s, 25) == doctest::Approx(0.01 + 0.09 * (1 + std::sqrt(0.5)) / 2).epsilon(kTol));
  CHECK(rate(s, 75) == doctest::Approx(0.01 + 0.09 * (1 - std::sqrt(0.5)) / 2).epsilon(kTol));
  CHECK(rate(s, 100) == doctest::Approx(0.01).epsilon(kTol));
  CHECK(rate(s, 150) == doctest::Approx(0.01).epsilon(kTol));
  CHECK(cycle_ends(s, 200).empty());
}

TEST_CASE("cyclical rates: triangular, triangular2 and exp_range") {
  using Mode = ts::CyclicalLr::Mode;
  const double base = 0.1;
  const double top = 0.5;
  // Written out as a triangle wave: position p in an 8-step cycle, up for 4 steps, down for 4.
  const auto triangle = [](int64_t t) {
    const int64_t p = t % 8;
    return p <= 4 ? p / 4.0 : (8 - p) / 4.0;
  };
  const Schedule tri = make(base, ts::CyclicalLr{Mode::triangular, top, 4, 1.0});
  const Schedule tri2 = make(base, ts::CyclicalLr{Mode::triangular2, top, 4, 1.0});
  const Schedule exp = make(base, ts::CyclicalLr{Mode::exp_range, top, 4, 0.95});
  for (int64_t t = 0; t < 40; ++t) {
    CAPTURE(t);
    const double cycle = static_cast<double>(t / 8);  // 0-based
    CHECK(rate(tri, t) == doctest::Approx(base + (top - base) * triangle(t)).epsilon(kTol));
    CHECK(rate(tri2, t) ==
          doctest::Approx(base + (top - base) * triangle(t) / std::pow(2.0, cycle)).epsilon(kTol));
    CHECK(rate(exp, t) ==
          doctest::Approx(base + (top - base) * triangle(t) * std::pow(0.95, t)).epsilon(kTol));
  }
  CHECK(rate(tri, 2) == doctest::Approx(0.3).epsilon(kTol));
  CHECK(rate(tri, 4) == doctest::Approx(0.5).epsilon(kTol));
  CHECK(rate(tri, 8) == doctest::Approx(0.1).epsilon(kTol));
  CHECK(rate(tri2, 12) == doctest::Approx(0.3).epsilon(kTol));  // second cycle: half height
  CHECK(rate(tri2, 20) == doctest::Approx(0.2).epsilon(kTol));  // third: a quarter

  CHECK(cycle_ends(tri, 40) == std::vector<int64_t>{7, 15, 23, 31, 39});
  CHECK(cycle_ends(exp, 16) == std::vector<int64_t>{7, 15});
}

TEST_CASE("SGDR: cosine periods with warm restarts") {
  // Periods written out by accumulation: starts and lengths.
  const auto reference = [](double t0, double mult, double a0, double min_lr, int64_t t) {
    double start = 0.0;
    double length = t0;
    while (start + length <= static_cast<double>(t)) {
      start += length;
      length *= mult;
    }
    return min_lr +
           (a0 - min_lr) * (1 + std::cos(kPi * (static_cast<double>(t) - start) / length)) / 2;
  };

  SUBCASE("period_mult 2: periods 3, 6, 12, 24") {
    const Schedule s = make(1.0, ts::SgdrLr{3, 2.0, 0.05});
    for (int64_t t = 0; t < 60; ++t) {
      CAPTURE(t);
      CHECK(rate(s, t) == doctest::Approx(reference(3, 2, 1.0, 0.05, t)).epsilon(kTol));
    }
    CHECK(rate(s, 0) == doctest::Approx(1.0).epsilon(kTol));
    CHECK(rate(s, 3) == doctest::Approx(1.0).epsilon(kTol));    // restart
    CHECK(rate(s, 6) == doctest::Approx(0.525).epsilon(kTol));  // halfway through period 2
    CHECK(rate(s, 9) == doctest::Approx(1.0).epsilon(kTol));
    CHECK(rate(s, 21) == doctest::Approx(1.0).epsilon(kTol));
    CHECK(cycle_ends(s, 50) == std::vector<int64_t>{2, 8, 20, 44});
  }
  SUBCASE("period_mult 1: a fixed period") {
    const Schedule s = make(0.2, ts::SgdrLr{5, 1.0, 0.0});
    for (int64_t t = 0; t < 30; ++t) {
      CAPTURE(t);
      CHECK(rate(s, t) ==
            doctest::Approx(0.1 * (1 + std::cos(kPi * static_cast<double>(t % 5) / 5)))
                .epsilon(kTol));
    }
    CHECK(cycle_ends(s, 20) == std::vector<int64_t>{4, 9, 14, 19});
  }
  SUBCASE("period_mult 3: boundaries at 10, 40, 130 are exact") {
    const Schedule s = make(0.1, ts::SgdrLr{10, 3.0, 0.0});
    for (int64_t t : {9, 10, 39, 40, 129, 130, 131}) {
      CAPTURE(t);
      CHECK(rate(s, t) == doctest::Approx(reference(10, 3, 0.1, 0.0, t)).epsilon(kTol));
    }
    CHECK(rate(s, 130) == doctest::Approx(0.1).epsilon(kTol));
    CHECK(cycle_ends(s, 140) == std::vector<int64_t>{9, 39, 129});
  }
  SUBCASE("period_mult 1.5: fractional boundaries 2, 5, 9.5, 16.25") {
    const Schedule s = make(0.1, ts::SgdrLr{2, 1.5, 0.0});
    for (int64_t t = 0; t < 30; ++t) {
      CAPTURE(t);
      CHECK(rate(s, t) == doctest::Approx(reference(2, 1.5, 0.1, 0.0, t)).epsilon(kTol));
    }
    // Step 10 is 0.5 into the period that starts at 9.5 and lasts 6.75.
    CHECK(rate(s, 10) == doctest::Approx(0.05 * (1 + std::cos(kPi * 0.5 / 6.75))).epsilon(kTol));
    CHECK(cycle_ends(s, 20) == std::vector<int64_t>{1, 4, 9, 16});
  }
}

TEST_CASE("piecewise constant at milestones (MultiStepLR): 0.1 -> 0.01 -> 0.001") {
  const Schedule s = make(0.1, ts::MultiStepLr{{3, 7}, 0.1});
  for (int64_t t = 0; t < 12; ++t) {
    CAPTURE(t);
    const double expected = t < 3 ? 0.1 : t < 7 ? 0.01 : 0.001;
    CHECK(rate(s, t) == doctest::Approx(expected).epsilon(kTol));
  }
  // One milestone, another gamma; the clock starts after a warm-up like every shape's.
  Schedule w = make(0.2, ts::MultiStepLr{{5}, 0.5});
  w.warmup_steps = 2;
  CHECK(rate(w, 0) == doctest::Approx(0.1).epsilon(kTol));
  CHECK(rate(w, 6) == doctest::Approx(0.2).epsilon(kTol));  // its own t = 4
  CHECK(rate(w, 7) == doctest::Approx(0.1).epsilon(kTol));  // t = 5: the milestone
  CHECK(cycle_ends(s, 20).empty());
  const auto bad = [](std::vector<int64_t> m) {
    return ts::validate(make(0.1, ts::MultiStepLr{std::move(m), 0.1}), "schedule");
  };
  CHECK_THROWS_WITH_AS(bad({}), "schedule.milestones: must list at least one step", ts::Error);
  CHECK_THROWS_WITH_AS(bad({5, 5}), "schedule.milestones: must increase, got 5 after 5", ts::Error);
  CHECK_THROWS_WITH_AS(bad({0, 5}), "schedule.milestones: must be steps >= 1, got 0", ts::Error);
}

TEST_CASE("SGDR with the peak decayed at each restart") {
  // Periods 4, 8, 16 (mult 2); period i anneals from max(min_lr, a0 d^i) to min_lr.
  const double a0 = 1.0, d = 0.5, lo = 0.05;
  const Schedule s = make(a0, ts::SgdrLr{4, 2.0, lo, d});
  const auto reference = [&](int64_t t) {
    double start = 0, length = 4, peak = a0;
    while (start + length <= double(t)) {
      start += length;
      length *= 2;
      peak *= d;
    }
    peak = std::max(peak, lo);
    return lo + (peak - lo) * (1 + std::cos(kPi * (double(t) - start) / length)) / 2;
  };
  for (int64_t t = 0; t < 60; ++t) {
    CAPTURE(t);
    CHECK(rate(s, t) == doctest::Approx(reference(t)).epsilon(kTol));
  }
  CHECK(rate(s, 0) == doctest::Approx(1.0).epsilon(kTol));
  CHECK(rate(s, 4) == doctest::Approx(0.5).epsilon(kTol));    // first restart at half the peak
  CHECK(rate(s, 12) == doctest::Approx(0.25).epsilon(kTol));  // second at a quarter
  CHECK(cycle_ends(s, 30) == std::vector<int64_t>{3, 11, 27});
  CHECK_THROWS_WITH_AS(ts::validate(make(1.0, ts::SgdrLr{4, 2.0, 0.0, 0.0}), "schedule"),
                       "schedule.peak_decay: must be in (0, 1], got 0", ts::Error);
}

TEST_CASE("momentum cycled inversely to the rate: cyclical and one-cycle") {
  using Mode = ts::CyclicalLr::Mode;
  // Cyclical (torch CyclicLR): momentum = max_m - (max_m - base_m) * triangle * scale.
  const auto triangle = [](int64_t t) {
    const int64_t p = t % 8;
    return p <= 4 ? p / 4.0 : (8 - p) / 4.0;
  };
  const Schedule tri2 = make(0.1, ts::CyclicalLr{Mode::triangular2, 0.5, 4, 1.0, true, 0.8, 0.9});
  for (int64_t t = 0; t < 40; ++t) {
    CAPTURE(t);
    const double scale = std::pow(0.5, double(t / 8));
    const auto m = ts::scheduled_momentum(tri2, t);
    REQUIRE(m.has_value());
    CHECK(*m == doctest::Approx(0.9 - 0.1 * triangle(t) * scale).epsilon(kTol));
  }
  CHECK(*ts::scheduled_momentum(tri2, 4) ==
        doctest::Approx(0.8).epsilon(kTol));  // at the rate's peak
  CHECK(*ts::scheduled_momentum(tri2, 8) == doctest::Approx(0.9).epsilon(kTol));  // at its floor

  // One-cycle (torch OneCycleLR): max_m -> base_m over the first phase, back over the second.
  // total 100, pct 0.3: e1 = 29, e2 = 99.
  const Schedule one = make(0.1, ts::OneCycleLr{100, 1.0, 0.3, 25.0, 1e4, true, 0.85, 0.95});
  for (int64_t t = 0; t < 110; ++t) {
    CAPTURE(t);
    const double expected =
        t <= 29 ? 0.85 + 0.1 * (1 + std::cos(kPi * double(t) / 29.0)) / 2
                : 0.95 - 0.1 * (1 + std::cos(kPi * std::min(1.0, (double(t) - 29.0) / 70.0))) / 2;
    CHECK(*ts::scheduled_momentum(one, t) == doctest::Approx(expected).epsilon(kTol));
  }
  // A warm-up holds the shape's first momentum.
  Schedule warm = one;
  warm.warmup_steps = 5;
  CHECK(*ts::scheduled_momentum(warm, 2) == doctest::Approx(0.95).epsilon(kTol));
  CHECK(*ts::scheduled_momentum(warm, 5 + 29) == doctest::Approx(0.85).epsilon(kTol));
  // Off by default, and never for the other shapes.
  CHECK_FALSE(ts::scheduled_momentum(make(0.1, ts::OneCycleLr{100, 1.0}), 3).has_value());
  CHECK_FALSE(ts::cycles_momentum(make(0.1, ts::CosineLr{100, 0.0})));
  CHECK(ts::cycles_momentum(one));
  std::vector<double> planned(3);
  ts::planned_momentum(one, 29, planned);
  CHECK(planned[0] == doctest::Approx(0.85).epsilon(kTol));
  ts::planned_momentum(make(0.1, ts::ConstantLr{}), 0, planned);
  CHECK(std::isnan(planned[1]));
  CHECK_THROWS_WITH_AS(
      ts::validate(make(0.1, ts::OneCycleLr{100, 1.0, 0.3, 25.0, 1e4, true, 0.96, 0.95}),
                   "schedule"),
      doctest::Contains("schedule.base_momentum: must be in [0, max_momentum"), ts::Error);
}

TEST_CASE("one-cycle: cosine up to max_lr over pct_start, then down to initial/final_div") {
  // PyTorch's defaults apart from total_steps: initial 1/25 = 0.04, final 0.04/1e4 = 4e-6.
  const Schedule s = make(123.0, ts::OneCycleLr{100, 1.0, 0.3, 25.0, 1e4});
  const double initial = 0.04;
  const double final_lr = 4e-6;
  // Phase ends at steps 29 (0.3 * 100 - 1) and 99.
  CHECK(rate(s, 0) == doctest::Approx(initial).epsilon(kTol));
  CHECK(rate(s, 29) == doctest::Approx(1.0).epsilon(kTol));
  CHECK(rate(s, 64) == doctest::Approx((1.0 + final_lr) / 2).epsilon(kTol));  // halfway down
  CHECK(rate(s, 99) == doctest::Approx(final_lr).epsilon(kTol));
  CHECK(rate(s, 150) == doctest::Approx(final_lr).epsilon(kTol));
  for (int64_t t = 0; t <= 29; ++t) {
    CAPTURE(t);
    const double p = static_cast<double>(t) / 29.0;
    CHECK(rate(s, t) ==
          doctest::Approx(1.0 + (initial - 1.0) * (1 + std::cos(kPi * p)) / 2).epsilon(kTol));
  }
  for (int64_t t = 30; t < 100; ++t) {
    CAPTURE(t);
    const double p = static_cast<double>(t - 29) / 70.0;
    CHECK(rate(s, t) ==
          doctest::Approx(final_lr + (1.0 - final_lr) * (1 + std::cos(kPi * p)) / 2).epsilon(kTol));
  }
  // base_lr is ignored.
  Schedule other = s;
  other.base_lr = 0.001;
  CHECK(rate(other, 10) == rate(s, 10));
  // A fractional first phase end: 0.25 * 10 - 1 = 1.5.
  const Schedule frac = make(0.1, ts::OneCycleLr{10, 2.0, 0.25, 4.0, 10.0});
  CHECK(rate(frac, 1) ==
        doctest::Approx(2.0 + (0.5 - 2.0) * (1 + std::cos(kPi / 1.5)) / 2).epsilon(kTol));
  CHECK(rate(frac, 2) ==
        doctest::Approx(0.05 + (2.0 - 0.05) * (1 + std::cos(kPi * 0.5 / 7.5)) / 2).epsilon(kTol));
  // A first phase that ends before step 0 starts at max_lr (where PyTorch divides by zero).
  const Schedule degenerate = make(0.1, ts::OneCycleLr{2, 1.0, 0.5, 25.0, 1e4});
  CHECK(rate(degenerate, 0) == doctest::Approx(1.0).epsilon(kTol));
  CHECK(rate(degenerate, 1) == doctest::Approx(4e-6).epsilon(kTol));
}

TEST_CASE("warm-up as the lectures define it: a_t = t / T' * a0 for t = 1..T'") {
  // Step index 0 is training step t = 1. A 10-step warm-up to 0.1 trains step 1 at 0.01 and
  // step 10 at 0.1, the peak; the shape then starts on its own clock at step 11.
  Schedule s = make(0.1, ts::CosineLr{100, 0.0});
  s.warmup_steps = 10;
  for (int64_t t = 1; t <= 10; ++t) {
    CAPTURE(t);
    CHECK(rate(s, t - 1) == doctest::Approx(double(t) / 10.0 * 0.1).epsilon(kTol));
  }
  CHECK(rate(s, 0) == doctest::Approx(0.01).epsilon(kTol));
  CHECK(rate(s, 9) == doctest::Approx(0.1).epsilon(kTol));
  CHECK(rate(s, 10) == doctest::Approx(0.1).epsilon(kTol));  // cosine at its own t = 0
  CHECK(rate(s, 60) == doctest::Approx(0.05).epsilon(kTol));
  // No step of the warm-up runs at rate 0.
  for (int64_t t = 0; t < 10; ++t) CHECK(rate(s, t) > 0.0);
  // The ramp ends at the shape's first rate: onecycle's max_lr / div_factor.
  Schedule one = make(0.1, ts::OneCycleLr{100, 1.0, 0.3, 25.0, 1e4});
  one.warmup_steps = 4;
  CHECK(rate(one, 0) == doctest::Approx(0.01).epsilon(kTol));
  CHECK(rate(one, 3) == doctest::Approx(0.04).epsilon(kTol));
  CHECK(rate(one, 4 + 29) == doctest::Approx(1.0).epsilon(kTol));
}

TEST_CASE("a warm-up start factor works as PyTorch's LinearLR, which refuses 0") {
  Schedule s = make(0.1, ts::CosineLr{100, 0.0});
  s.warmup_steps = 10;
  s.warmup_start_factor = 0.1;
  CHECK(rate(s, 0) == doctest::Approx(0.01).epsilon(kTol));
  CHECK(rate(s, 5) == doctest::Approx(0.1 * (0.1 + 0.9 * 0.5)).epsilon(kTol));
  CHECK(rate(s, 9) == doctest::Approx(0.1 * (0.1 + 0.9 * 0.9)).epsilon(kTol));
  CHECK(rate(s, 10) == doctest::Approx(0.1).epsilon(kTol));
  CHECK(rate(s, 60) == doctest::Approx(0.05).epsilon(kTol));  // cosine at its own t = 50
  CHECK(rate(s, 110) == doctest::Approx(0.0).epsilon(kTol));
  // A start factor of 1 is no ramp at all.
  s.warmup_start_factor = 1.0;
  for (int64_t t = 0; t < 10; ++t) CHECK(rate(s, t) == doctest::Approx(0.1).epsilon(kTol));
  s.warmup_start_factor = 0.0;
  CHECK_THROWS_WITH_AS(rate(s, 0), "schedule.warmup_start_factor: must be in (0, 1], got 0",
                       ts::Error);

  // Cycle ends move with the shape's clock; none during the warm-up.
  Schedule cyc = make(0.1, ts::CyclicalLr{ts::CyclicalLr::Mode::triangular, 0.5, 4, 1.0});
  cyc.warmup_steps = 5;
  CHECK(cycle_ends(cyc, 30) == std::vector<int64_t>{12, 20, 28});
  Schedule sgdr = make(0.1, ts::SgdrLr{3, 2.0, 0.0});
  sgdr.warmup_steps = 2;
  CHECK(cycle_ends(sgdr, 25) == std::vector<int64_t>{4, 10, 22});
}

TEST_CASE("planned_rates equals learning_rate pointwise") {
  for (const Schedule& s : one_of_each()) {
    CAPTURE(std::string(ts::schedule_name(s)));
    std::vector<double> planned(150);
    ts::planned_rates(s, 7, planned);
    for (std::size_t i = 0; i < planned.size(); ++i) {
      CHECK(planned[i] == ts::learning_rate(s, 7 + static_cast<int64_t>(i)));
    }
    ts::planned_rates(s, 0, std::span<double>(planned.data(), 3));
    CHECK(planned[0] == ts::learning_rate(s, 0));
    CHECK(planned[2] == ts::learning_rate(s, 2));
  }
}

TEST_CASE("schedule names and invalid schedules") {
  std::vector<std::string> names;
  for (const Schedule& s : one_of_each()) names.emplace_back(ts::schedule_name(s));
  CHECK(names == std::vector<std::string>{"constant", "step", "linear", "inverse_time",
                                          "exponential", "natural_exp", "cosine", "cyclical",
                                          "sgdr", "onecycle", "multistep", "sgdr", "cyclical"});
  CHECK(std::string(ts::to_string(ts::CyclicalLr::Mode::triangular2)) == "triangular2");

  const Schedule bad_step = make(0.1, ts::StepLr{0, 0.5});
  CHECK_THROWS_WITH_AS(rate(bad_step, 3), "schedule.step_size: must be >= 1, got 0", ts::Error);
  CHECK_THROWS_AS(ts::is_cycle_end(bad_step, 3), ts::Error);
  std::vector<double> out(4);
  CHECK_THROWS_AS(ts::planned_rates(bad_step, 0, out), ts::Error);
  const Schedule good = make(0.1, ts::ConstantLr{});
  CHECK_THROWS_WITH_AS(rate(good, -1), doctest::Contains("step must be >= 0"), ts::Error);
  CHECK_THROWS_AS(ts::planned_rates(good, -3, out), ts::Error);
  CHECK_THROWS_WITH_AS(ts::validate(make(-0.1, ts::ConstantLr{}), "cfg.schedule"),
                       "cfg.schedule.lr: must be >= 0, got -0.1", ts::Error);
}

TEST_CASE("schedules round-trip through JSON") {
  for (const Schedule& s : one_of_each()) {
    CAPTURE(std::string(ts::schedule_name(s)));
    const nlohmann::json j = ts::to_json(s);
    CHECK(j.at("type") == ts::schedule_name(s));
    CHECK(ts::schedule_from_json(j, "schedule") == s);
  }
  // The documented example.
  const Schedule s = ts::schedule_from_json(
      nlohmann::json::parse(
          R"({"type": "cosine", "lr": 0.1, "total_steps": 10000, "min_lr": 0, "warmup_steps": 500})"),
      "schedule");
  CHECK(s.base_lr == 0.1);
  CHECK(s.warmup_steps == 500);
  CHECK(!s.warmup_start_factor.has_value());
  REQUIRE(std::holds_alternative<ts::CosineLr>(s.shape));
  CHECK(std::get<ts::CosineLr>(s.shape) == ts::CosineLr{10000, 0.0});
  // Defaults and integers written as floats.
  const Schedule c = ts::schedule_from_json(
      nlohmann::json::parse(
          R"({"type": "cyclical", "lr": 0.01, "max_lr": 0.1, "half_cycle": 2e3})"),
      "schedule");
  REQUIRE(std::holds_alternative<ts::CyclicalLr>(c.shape));
  CHECK(std::get<ts::CyclicalLr>(c.shape) ==
        ts::CyclicalLr{ts::CyclicalLr::Mode::triangular, 0.1, 2000, 1.0});
  const Schedule o = ts::schedule_from_json(
      nlohmann::json::parse(R"({"type": "onecycle", "total_steps": 500, "max_lr": 0.3})"),
      "schedule");
  CHECK(std::get<ts::OneCycleLr>(o.shape) == ts::OneCycleLr{500, 0.3, 0.3, 25.0, 1e4});
  const Schedule m = ts::schedule_from_json(
      nlohmann::json::parse(R"({"type": "multistep", "lr": 0.1, "milestones": [4000, 6e3]})"),
      "schedule");
  CHECK(std::get<ts::MultiStepLr>(m.shape) == ts::MultiStepLr{{4000, 6000}, 0.1});
  CHECK_THROWS_WITH_AS(
      ts::schedule_from_json(nlohmann::json::parse(R"({"type": "multistep", "lr": 0.1})"),
                             "schedule"),
      doctest::Contains("schedule.milestones: missing"), ts::Error);
  CHECK_THROWS_WITH_AS(
      ts::schedule_from_json(
          nlohmann::json::parse(R"({"type": "multistep", "lr": 0.1, "milestones": [1.5]})"),
          "schedule"),
      doctest::Contains("schedule.milestones[0]: must be an integer, got 1.5"), ts::Error);
  CHECK_THROWS_WITH_AS(
      ts::schedule_from_json(
          nlohmann::json::parse(
              R"({"type": "onecycle", "total_steps": 9, "max_lr": 1, "cycle_momentum": 1})"),
          "schedule"),
      doctest::Contains("schedule.cycle_momentum: must be true or false"), ts::Error);
}

TEST_CASE("bad schedule JSON names the key path") {
  const auto parse = [](const char* text) {
    return ts::schedule_from_json(nlohmann::json::parse(text), "schedule");
  };
  CHECK_THROWS_WITH_AS(parse(R"({"type": "step", "lr": 0.1, "step_size": 0})"),
                       "schedule.step_size: must be >= 1, got 0", ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "step", "lr": 0.1, "step_size": 5, "gamma": 0})"),
                       "schedule.gamma: must be > 0, got 0", ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "cyclical", "lr": 0.1, "max_lr": 1, "half_cycle": 5,
                                 "mode": "exp_range", "gamma": -0.5})"),
                       doctest::Contains("schedule.gamma"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "constant", "lr": -0.1})"),
                       doctest::Contains("schedule.lr: must be >= 0"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "cosine", "lr": 0.1, "total_steps": 100, "min_lr": -1})"),
                       doctest::Contains("schedule.min_lr"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "onecycle", "total_steps": 100, "max_lr": 1,
                                 "pct_start": 1.0})"),
                       "schedule.pct_start: must be in (0, 1), got 1", ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "onecycle", "total_steps": 100, "max_lr": 1,
                                 "pct_start": 0})"),
                       doctest::Contains("schedule.pct_start"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "onecycle", "lr": 0.1, "total_steps": 100, "max_lr": 1})"),
                       doctest::Contains("schedule.lr: unknown key for type onecycle"), ts::Error);
  CHECK_THROWS_WITH_AS(
      parse(R"({"type": "sgdr", "lr": 0.1, "first_period": 10, "period_mult": 0.5})"),
      doctest::Contains("schedule.period_mult: must be >= 1"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "cosine", "lr": 0.1, "total_steps": 100, "warmup": 5})"),
                       doctest::Contains("schedule.warmup: unknown key for type cosine"),
                       ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "cosine", "lr": 0.1})"),
                       "schedule.total_steps: missing, required by the \"cosine\" schedule",
                       ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "cosine", "lr": 0.1, "total_steps": 10.5})"),
                       "schedule.total_steps: must be an integer, got 10.5", ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "cosine", "lr": "fast", "total_steps": 10})"),
                       doctest::Contains("schedule.lr: must be a number"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "cosine", "total_steps": 10})"),
                       "schedule.lr: missing, required by the \"cosine\" schedule", ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "cosinus", "lr": 0.1})"),
                       doctest::Contains("schedule.type: unknown schedule \"cosinus\""), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"lr": 0.1})"), "schedule.type: missing", ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "cyclical", "lr": 0.1, "max_lr": 1, "half_cycle": 5,
                                 "mode": "sawtooth"})"),
                       doctest::Contains("schedule.mode: unknown mode"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "linear", "lr": 0.1, "total_steps": 10,
                                 "warmup_start_factor": 1.5})"),
                       "schedule.warmup_start_factor: must be in (0, 1], got 1.5", ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "constant", "lr": 0.1, "warmup_steps": -1})"),
                       doctest::Contains("schedule.warmup_steps: must be >= 0"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "exponential", "lr": 0.1, "beta": 0})"),
                       doctest::Contains("schedule.beta: must be > 0"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"type": "step", "lr": 0.1, "step_size": 1e30})"),
                       doctest::Contains("schedule.step_size: must be an integer"), ts::Error);
  CHECK_THROWS_WITH_AS(parse(R"("cosine")"), doctest::Contains("schedule: must be an object"),
                       ts::Error);
  CHECK_THROWS_WITH_AS(
      ts::schedule_from_json(
          nlohmann::json::parse(R"({"type": "step", "lr": 0.1, "step_size": 0})"), "run.schedule"),
      doctest::Contains("run.schedule.step_size"), ts::Error);
}
