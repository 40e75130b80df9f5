#include "core/analysis/layer_geometry.h"

#include "core/analysis/weight_matrices.h"
#include "core/error.h"

#include <algorithm>

namespace ts {

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<LayerGeometry> layer_geometry(const Network<float>& net, std::span<const float> initial,
                                          int clusters, uint64_t seed,
                                          const std::atomic<bool>* cancel,
                                          const std::function<void(double)>& progress) {
  const auto values = net.params().values();
  if (initial.size() != values.size())
    throw Error("weight geometry: the initial weights have " + std::to_string(initial.size()) +
                " values, the model " + std::to_string(values.size()));
  const auto matrices = weight_matrices(net);
  std::vector<LayerGeometry> out;
  for (std::size_t i = 0; i < matrices.size(); ++i) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    const WeightMatrix& m = matrices[i];
    const std::size_t n = std::size_t(m.rows * m.cols);
    const UnitVectors now = normalize_units(values.subspan(m.offset, n), m.rows, m.cols);
    const UnitVectors at_init = normalize_units(initial.subspan(m.offset, n), m.rows, m.cols);
    if (now.units.size() >= 2 && at_init.units.size() >= 2) {
      LayerGeometry g;
      g.layer = m.layer;
      g.rows = m.rows;
      g.dimension = m.cols;
      g.units = now.units;
      g.units_init = at_init.units;
      g.clusters = spherical_kmeans(now.vectors, clusters, seed);
      g.clusters_init = spherical_kmeans(at_init.vectors, clusters, seed);
      g.projection = project_2d(now.vectors);
      g.projection_init = project_onto(at_init.vectors, g.projection);
      g.frame_potential = frame_potential(now.vectors);
      g.frame_potential_init = frame_potential(at_init.vectors);
      g.lower_bound = frame_potential_lower_bound(Index(now.units.size()), m.cols);
      g.median_angle_deg = median(g.clusters.angle_deg);
      g.median_angle_init_deg = median(g.clusters_init.angle_deg);
      out.push_back(std::move(g));
    }
    if (progress) progress(double(i + 1) / double(matrices.size()));
  }
  return out;
}

}  // namespace ts
