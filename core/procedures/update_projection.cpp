#include "core/procedures/update_projection.h"

#include "core/analysis/weight_matrices.h"

#include <algorithm>

namespace ts {

std::vector<Index> update_projection_ranks(Index largest) {
  std::vector<Index> ks{0, 1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500};
  ks.erase(std::remove_if(ks.begin(), ks.end(), [&](Index k) { return k > largest; }), ks.end());
  if (ks.empty() || ks.back() != largest) ks.push_back(largest);
  return ks;
}

UpdateProjection update_projection(Run& run, const std::atomic<bool>* cancel,
                                   const std::function<void(double)>& progress) {
  const Network<float>& net = run.network();
  Index largest = 0;
  for (const auto& m : weight_matrices(net)) largest = std::max(largest, std::min(m.rows, m.cols));
  const auto ks = update_projection_ranks(largest);
  UpdateProjection out;
  out.trained_accuracy = run.evaluate(run.data().test).accuracy;
  for (std::size_t i = 0; i < ks.size(); ++i) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    const auto w = project_updates(net, run.initial_values(), ks[i]);
    const BatchStats b = run.evaluate_weights(w, run.data().test);
    out.points.push_back({ks[i], b.accuracy, b.loss});
    if (progress) progress(double(i + 1) / double(ks.size()));
  }
  return out;
}

}  // namespace ts
