#include "core/optim/adadelta.h"

#include "core/error.h"

#include <cmath>

namespace ts {

Adadelta::Adadelta(const OptimizerSettings& settings, std::size_t num_params)
    : Optimizer(settings, num_params), sq_avg_(num_params, 0.0f), delta_sq_avg_(num_params, 0.0f) {
  if (kind() != OptimizerKind::adadelta) {
    throw Error(std::string("Adadelta: optimizer.type must be adadelta, got ") + to_string(kind()));
  }
}

std::vector<std::pair<std::string, std::vector<float>*>> Adadelta::state_buffers() {
  return {{"sq_avg", &sq_avg_}, {"delta_sq_avg", &delta_sq_avg_}};
}

void Adadelta::update_slice(std::size_t offset, std::span<float> w, std::span<const float> g,
                            float lr, int64_t /*t*/, float wd) {
  const std::size_t n = w.size();
  float* wp = w.data();
  const float* gp = g.data();
  float* sp = sq_avg_.data() + offset;
  float* up = delta_sq_avg_.data() + offset;
  const auto rho = static_cast<float>(settings().rho);
  const float one_minus_rho = 1.0f - rho;
  const auto eps = static_cast<float>(settings().eps);
  for (std::size_t i = 0; i < n; ++i) {
    const float gi = gp[i] + wd * wp[i];
    const float si = rho * sp[i] + one_minus_rho * gi * gi;
    sp[i] = si;
    const float di = std::sqrt(up[i] + eps) / std::sqrt(si + eps) * gi;
    up[i] = rho * up[i] + one_minus_rho * di * di;
    wp[i] -= lr * di;
  }
}

}  // namespace ts
