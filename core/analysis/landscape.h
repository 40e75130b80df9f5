// The loss landscape around a run's weights (Li et al. 2018): a 2-D slice of the test loss and
// accuracy (core/analysis/loss_slice.h) along two filter-normalized random directions, or
// along the top two principal directions of the run's path (its initialization, kept states
// and the weights now), with the path projected onto that plane and the slice wide enough to
// hold it. What the command line's `analyze --what landscape` and the window's Landscape tab
// compute alike. Pure; the slice runs in the caller's oneTBB arena.
#pragma once

#include "core/analysis/loss_slice.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ts {

// The widest span of random directions, in units of the weights' norms. LeNet's test loss is
// already 1e7 at the corners of a span of 100; far beyond, the slice's float sums lose the
// centre itself (a span of 1e10 gave LeNet a centre loss of 1.5 against 0.14).
inline constexpr double kMaxLandscapeSpan = 100.0;

struct LandscapeSettings {
  int grid = 41;          // points a side
  double span = 1.0;      // [-span, span]^2 for random directions (the path sets its own)
  Index samples = 10000;  // the first test images
  bool trajectory = false;
  uint64_t seed = 1;  // of the random directions
};

// A kept state of the run: its step and its weights.
struct PathPoint {
  int64_t step = 0;
  std::vector<float> values;
};

struct Landscape {
  int64_t step = 0;  // of the weights at the centre
  SliceGrid grid;
  std::string directions;            // "random" (filter-normalized) or "trajectory" (principal)
  double explained[2] = {NAN, NAN};  // the principal directions' shares of the path
  std::vector<int64_t> path_steps;   // trajectory: each kept state's step, ascending, then now
  std::vector<std::pair<double, double>> path;  // ... and its (a, b) on the plane

  // The grid points of the lowest and the highest loss, of those with one (a point's loss is
  // NaN where the weights there overflow, or where the slice was cancelled); the centre when
  // none has.
  std::size_t lowest() const;
  std::size_t highest() const;
  std::size_t not_a_number() const;  // how many points have no loss
  std::size_t centre() const;        // the grid point at (0, 0) (the nearest on an even grid)
};

// `w` the weights at `step`; `path` (trajectory only) the run's kept states before `step` in
// ascending steps, the initialization first. Throws ts::Error when the trajectory has fewer
// than two states besides `w`, on sizes that do not match the network, or on random
// directions' span outside (0, kMaxLandscapeSpan].
// `cancel` and `progress` as loss_slice's; `preview`, off the row path, the landscape so far
// after each coarse level, with its stride and how many points are computed (SlicePreview).
Landscape compute_landscape(
    const Network<float>& net, LossKind loss, std::span<const float> w, int64_t step,
    const Dataset& test, const LandscapeSettings& s, const std::vector<PathPoint>& path = {},
    const std::atomic<bool>* cancel = nullptr, const std::function<void(double)>& progress = {},
    const std::function<void(const Landscape&, int, std::size_t)>& preview = {});

}  // namespace ts
