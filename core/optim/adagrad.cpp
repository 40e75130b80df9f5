#include "core/optim/adagrad.h"

#include "core/error.h"

#include <cmath>

namespace ts {

Adagrad::Adagrad(const OptimizerSettings& settings, std::size_t num_params)
    : Optimizer(settings, num_params), sum_sq_(num_params, 0.0f) {
  if (kind() != OptimizerKind::adagrad) {
    throw Error(std::string("Adagrad: optimizer.type must be adagrad, got ") + to_string(kind()));
  }
}

std::vector<std::pair<std::string, std::vector<float>*>> Adagrad::state_buffers() {
  return {{"sum_sq", &sum_sq_}};
}

void Adagrad::update_slice(std::size_t offset, std::span<float> w, std::span<const float> g,
                           float lr, int64_t /*t*/, float wd) {
  const std::size_t n = w.size();
  float* wp = w.data();
  const float* gp = g.data();
  float* sp = sum_sq_.data() + offset;
  const auto eps = static_cast<float>(settings().eps);
  for (std::size_t i = 0; i < n; ++i) {
    const float gi = gp[i] + wd * wp[i];
    const float si = sp[i] + gi * gi;
    sp[i] = si;
    wp[i] -= lr * gi / (std::sqrt(si) + eps);
  }
}

}  // namespace ts
