#include "core/analysis/landscape.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>

namespace ts {

std::size_t Landscape::lowest() const {
  return std::size_t(std::min_element(grid.loss.begin(), grid.loss.end()) - grid.loss.begin());
}

std::size_t Landscape::centre() const {
  const std::size_t n = std::size_t(grid.n);
  return (n / 2) * n + n / 2;
}

Landscape compute_landscape(const Network<float>& net, LossKind loss, std::span<const float> w,
                            int64_t step, const Dataset& test, const LandscapeSettings& s,
                            const std::vector<PathPoint>& path, const std::atomic<bool>* cancel,
                            const std::function<void(double)>& progress) {
  Landscape out;
  out.step = step;
  std::vector<float> d1, d2;
  double span = s.span;
  if (s.trajectory) {
    std::vector<std::vector<float>> states;
    for (const PathPoint& p : path)
      if (p.step < step) {
        states.push_back(p.values);
        out.path_steps.push_back(p.step);
      }
    states.emplace_back(w.begin(), w.end());
    out.path_steps.push_back(step);
    if (states.size() < 3)
      throw Error("the path's principal directions need at least two kept states before step " +
                  std::to_string(step) + " (the initialization and one more), not " +
                  std::to_string(states.size() - 1));
    TrajectoryPlane plane = trajectory_plane(states);
    d1 = std::move(plane.d1);
    d2 = std::move(plane.d2);
    out.path = std::move(plane.path);
    out.explained[0] = plane.explained[0];
    out.explained[1] = plane.explained[1];
    double reach = 0;
    for (const auto& [a, b] : out.path) reach = std::max({reach, std::abs(a), std::abs(b)});
    span = reach > 0 ? 1.2 * reach : s.span;
    out.directions = "trajectory";
  } else {
    d1 = filter_normalized_direction(net, w, s.seed);
    d2 = filter_normalized_direction(net, w, s.seed + 1);
    out.directions = "random";
  }
  out.grid = loss_slice(net, loss, w, d1, d2, test, std::min<Index>(test.size(), s.samples), s.grid,
                        span, SlicePath::automatic, cancel, progress);
  return out;
}

}  // namespace ts
