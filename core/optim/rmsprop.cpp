#include "core/optim/rmsprop.h"

#include "core/error.h"

#include <cmath>

namespace ts {

RmsProp::RmsProp(const OptimizerSettings& settings, std::size_t num_params)
    : Optimizer(settings, num_params), sq_avg_(num_params, 0.0f), momentum_(num_params, 0.0f) {
  if (kind() != OptimizerKind::rmsprop) {
    throw Error(std::string("RmsProp: optimizer.type must be rmsprop, got ") + to_string(kind()));
  }
}

std::vector<std::pair<std::string, std::vector<float>*>> RmsProp::state_buffers() {
  return {{"sq_avg", &sq_avg_}, {"momentum", &momentum_}};
}

void RmsProp::update_slice(std::size_t offset, std::span<float> w, std::span<const float> g,
                           float lr, int64_t /*t*/, float wd) {
  const std::size_t n = w.size();
  float* wp = w.data();
  const float* gp = g.data();
  float* sp = sq_avg_.data() + offset;
  float* bp = momentum_.data() + offset;
  const auto rho = static_cast<float>(settings().rho);
  const float one_minus_rho = 1.0f - rho;
  const auto eps = static_cast<float>(settings().eps);
  const auto mu = static_cast<float>(settings().rmsprop_momentum);
  if (mu == 0.0f) {
    for (std::size_t i = 0; i < n; ++i) {
      const float gi = gp[i] + wd * wp[i];
      const float si = rho * sp[i] + one_minus_rho * gi * gi;
      sp[i] = si;
      wp[i] -= lr * gi / (std::sqrt(si) + eps);
    }
  } else if (!settings().rmsprop_nesterov) {
    for (std::size_t i = 0; i < n; ++i) {
      const float gi = gp[i] + wd * wp[i];
      const float si = rho * sp[i] + one_minus_rho * gi * gi;
      sp[i] = si;
      const float bi = mu * bp[i] + gi / (std::sqrt(si) + eps);
      bp[i] = bi;
      wp[i] -= lr * bi;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const float gi = gp[i] + wd * wp[i];
      const float si = rho * sp[i] + one_minus_rho * gi * gi;
      sp[i] = si;
      const float ai = gi / (std::sqrt(si) + eps);
      const float bi = mu * bp[i] + ai;
      bp[i] = bi;
      wp[i] -= lr * (ai + mu * bi);
    }
  }
}

}  // namespace ts
