#include "core/analysis/landscape.h"

#include "core/error.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>

namespace ts {

namespace {

// The point whose loss `better` prefers to every other point's that is not NaN, the first of
// equals; `fallback` when every loss is NaN.
template <class Better>
std::size_t extreme(const std::vector<double>& loss, std::size_t fallback, Better better) {
  std::size_t at = loss.size();
  for (std::size_t i = 0; i < loss.size(); ++i)
    if (!std::isnan(loss[i]) && (at == loss.size() || better(loss[i], loss[at]))) at = i;
  return at == loss.size() ? fallback : at;
}

}  // namespace

std::size_t Landscape::lowest() const {
  return extreme(grid.loss, centre(), [](double a, double b) { return a < b; });
}

std::size_t Landscape::highest() const {
  return extreme(grid.loss, centre(), [](double a, double b) { return a > b; });
}

std::size_t Landscape::not_a_number() const {
  return std::size_t(
      std::count_if(grid.loss.begin(), grid.loss.end(), [](double v) { return std::isnan(v); }));
}

std::size_t Landscape::centre() const {
  const std::size_t n = std::size_t(grid.n);
  return (n / 2) * n + n / 2;
}

Landscape compute_landscape(
    const Network<float>& net, LossKind loss, std::span<const float> w, int64_t step,
    const Dataset& test, const LandscapeSettings& s, const std::vector<PathPoint>& path,
    const std::atomic<bool>* cancel, const std::function<void(double)>& progress,
    const std::function<void(const Landscape&, int, std::size_t)>& preview) {
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
    if (!(s.span > 0 && s.span <= kMaxLandscapeSpan))
      throw Error("landscape span: must be in (0, " + format_number(kMaxLandscapeSpan) + "], got " +
                  format_number(s.span));
    d1 = filter_normalized_direction(net, w, s.seed);
    d2 = filter_normalized_direction(net, w, s.seed + 1);
    out.directions = "random";
  }
  SlicePreview on_level;
  if (preview)
    on_level = [&](const SliceGrid& filled, int stride, std::size_t computed) {
      Landscape l = out;  // the directions and the path, with the grid so far
      l.grid = filled;
      preview(l, stride, computed);
    };
  out.grid = loss_slice(net, loss, w, d1, d2, test, std::min<Index>(test.size(), s.samples), s.grid,
                        span, SlicePath::automatic, cancel, progress, on_level);
  return out;
}

}  // namespace ts
