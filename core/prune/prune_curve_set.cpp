#include "core/prune/prune_curve_set.h"

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace ts {

std::string CriterionCurve::name() const {
  return std::string(to_string(criterion)) + (largest_first ? "_largest_first" : "_smallest_first");
}

std::string CriterionCurve::label() const {
  std::string c = to_string(criterion);
  std::replace(c.begin(), c.end(), '_', ' ');
  return c + (largest_first ? ", largest first" : ", smallest first");
}

PruneCurveSet prune_curve_set(const Network<float>& net, const std::string& layer,
                              const DataSplits& data, LossKind loss, int random_seeds,
                              const std::atomic<bool>* cancel,
                              const std::function<void(double)>& progress) {
  PruneCurveSet set;
  set.layer = layer;
  const PruneCurve curve(net, layer, data.test);  // throws first on a layer it cannot take
  set.units = curve.units();
  const UnitSaliency saliency = unit_saliency(net, layer, data.train, loss, 10000);
  std::vector<std::vector<Index>> orders;
  for (UnitCriterion crit : {UnitCriterion::magnitude, UnitCriterion::frame_potential,
                             UnitCriterion::fisher, UnitCriterion::taylor})
    for (bool largest : {false, true}) {
      orders.push_back(unit_removal_order(net, layer, crit, largest, 1, saliency.scores(crit)));
      set.curves.push_back(CriterionCurve{crit, largest, orders.back(), {}});
    }
  for (int seed = 1; seed <= random_seeds; ++seed)
    orders.push_back(unit_removal_order(net, layer, UnitCriterion::random, false, uint64_t(seed)));

  // Progress: the points done over all curves.
  std::vector<std::vector<double>> acc(orders.size());
  std::vector<double> done(orders.size(), 0.0);
  std::mutex progress_mutex;
  tbb::parallel_for(std::size_t(0), orders.size(), [&](std::size_t i) {
    acc[i] = curve.accuracies(orders[i], cancel, [&](double f) {
      if (!progress) return;
      std::lock_guard lock(progress_mutex);
      done[i] = f;
      double total = 0;
      for (double d : done) total += d;
      progress(total / double(done.size()));
    });
  });

  std::size_t points = std::size_t(set.units) + 1;
  for (const auto& a : acc) points = std::min(points, a.size());
  set.complete = points == std::size_t(set.units) + 1;
  for (auto& a : acc) a.resize(points);
  for (std::size_t i = 0; i < set.curves.size(); ++i) set.curves[i].accuracy = std::move(acc[i]);
  set.random.assign(acc.begin() + std::ptrdiff_t(set.curves.size()), acc.end());
  if (set.random.empty()) return set;  // no random orders: no mean either
  set.random_mean.assign(points, 0.0);
  set.random_std.assign(points, 0.0);
  const double n = double(set.random.size());
  for (std::size_t k = 0; k < points; ++k) {
    double s = 0, s2 = 0;
    for (const auto& r : set.random) s += r[k];
    const double mean = s / n;
    for (const auto& r : set.random) s2 += (r[k] - mean) * (r[k] - mean);
    set.random_mean[k] = mean;
    set.random_std[k] = n > 1 ? std::sqrt(s2 / (n - 1)) : 0.0;
  }
  return set;
}

std::size_t units_removable(const std::vector<double>& accuracy, double drop) {
  std::size_t k = 0;
  while (k + 1 < accuracy.size() && accuracy[k + 1] >= accuracy[0] - drop) ++k;
  return k;
}

}  // namespace ts
