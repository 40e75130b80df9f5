#include "core/optim/adam.h"

#include "core/error.h"

#include <cmath>

namespace ts {

Adam::Adam(const OptimizerSettings& settings, std::size_t num_params)
    : Optimizer(settings, num_params), m_(num_params, 0.0f), v_(num_params, 0.0f) {
  if (kind() != OptimizerKind::adam && kind() != OptimizerKind::adamw) {
    throw Error(std::string("Adam: optimizer.type must be adam or adamw, got ") +
                to_string(kind()));
  }
}

std::vector<std::pair<std::string, std::vector<float>*>> Adam::state_buffers() {
  return {{"m", &m_}, {"v", &v_}};
}

void Adam::update_slice(std::size_t offset, std::span<float> w, std::span<const float> g, float lr,
                        int64_t t, float wd) {
  const OptimizerSettings& s = settings();
  const bool decoupled = kind() == OptimizerKind::adamw;
  // Per-step scalars in double, as PyTorch computes the bias corrections on the host.
  const double bias1 = 1.0 - std::pow(s.beta1, static_cast<double>(t));
  const double bias2 = 1.0 - std::pow(s.beta2, static_cast<double>(t));
  // lr * m_hat / (sqrt(v_hat) + eps) == step_size * m / (sqrt(v) * inv_sqrt_bias2 + eps)
  const auto step_size = static_cast<float>(lr / bias1);
  const auto inv_sqrt_bias2 = static_cast<float>(1.0 / std::sqrt(bias2));
  const auto l2 = decoupled ? 0.0f : wd;
  const auto decay = static_cast<float>(decoupled ? 1.0 - double(lr) * double(wd) : 1.0);
  const auto b1 = static_cast<float>(s.beta1);
  const auto b2 = static_cast<float>(s.beta2);
  const float one_minus_b1 = 1.0f - b1;
  const float one_minus_b2 = 1.0f - b2;
  const auto eps = static_cast<float>(s.eps);

  const std::size_t n = w.size();
  float* wp = w.data();
  const float* gp = g.data();
  float* mp = m_.data() + offset;
  float* vp = v_.data() + offset;
  for (std::size_t i = 0; i < n; ++i) {
    const float gi = gp[i] + l2 * wp[i];
    const float mi = b1 * mp[i] + one_minus_b1 * gi;
    const float vi = b2 * vp[i] + one_minus_b2 * gi * gi;
    mp[i] = mi;
    vp[i] = vi;
    wp[i] = wp[i] * decay - step_size * mi / (std::sqrt(vi) * inv_sqrt_bias2 + eps);
  }
}

}  // namespace ts
