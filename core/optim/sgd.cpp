#include "core/optim/sgd.h"

#include "core/error.h"

namespace ts {

Sgd::Sgd(const OptimizerSettings& settings, std::size_t num_params)
    : Optimizer(settings, num_params) {
  if (kind() != OptimizerKind::sgd && kind() != OptimizerKind::momentum &&
      kind() != OptimizerKind::nesterov) {
    throw Error(std::string("Sgd: optimizer.type must be sgd, momentum or nesterov, got ") +
                to_string(kind()));
  }
  if (kind() != OptimizerKind::sgd) velocity_.assign(num_params, 0.0f);
}

std::vector<std::pair<std::string, std::vector<float>*>> Sgd::state_buffers() {
  if (kind() == OptimizerKind::sgd) return {};
  return {{"momentum", &velocity_}};
}

void Sgd::update_slice(std::size_t offset, std::span<float> w, std::span<const float> g, float lr,
                       int64_t /*t*/, float wd) {
  const std::size_t n = w.size();
  float* wp = w.data();
  const float* gp = g.data();
  if (kind() == OptimizerKind::sgd) {
    for (std::size_t i = 0; i < n; ++i) wp[i] -= lr * (gp[i] + wd * wp[i]);
    return;
  }
  const auto mu = static_cast<float>(settings().momentum);
  float* vp = velocity_.data() + offset;
  if (kind() == OptimizerKind::momentum) {
    for (std::size_t i = 0; i < n; ++i) {
      const float gi = gp[i] + wd * wp[i];
      const float vi = mu * vp[i] + gi;
      vp[i] = vi;
      wp[i] -= lr * vi;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const float gi = gp[i] + wd * wp[i];
      const float vi = mu * vp[i] + gi;
      vp[i] = vi;
      wp[i] -= lr * (gi + mu * vi);
    }
  }
}

UpdateNorm Sgd::update_slice_measured(std::size_t offset, std::span<float> w,
                                      std::span<const float> g, float lr, int64_t /*t*/, float wd) {
  // The loops of update_slice with the change and the new value summed in the same pass
  // (float sums in vector lanes, see Optimizer::update_slice_measured; a piece is at most
  // kParamPiece values).
  const std::size_t n = w.size();
  float* wp = w.data();
  const float* gp = g.data();
  const auto mu = static_cast<float>(settings().momentum);
  float* vp = kind() == OptimizerKind::sgd ? nullptr : velocity_.data() + offset;
  float ds = 0.0f, vs = 0.0f;
  if (kind() == OptimizerKind::sgd) {
#pragma omp simd reduction(+ : ds, vs)
    for (std::size_t i = 0; i < n; ++i) {
      const float old = wp[i];
      wp[i] -= lr * (gp[i] + wd * wp[i]);  // the same expression as update_slice: same bits
      const float d = wp[i] - old;
      ds += d * d;
      vs += wp[i] * wp[i];
    }
  } else if (kind() == OptimizerKind::momentum) {
#pragma omp simd reduction(+ : ds, vs)
    for (std::size_t i = 0; i < n; ++i) {
      const float gi = gp[i] + wd * wp[i];
      const float vi = mu * vp[i] + gi;
      vp[i] = vi;
      const float old = wp[i];
      wp[i] -= lr * vi;
      const float d = wp[i] - old;
      ds += d * d;
      vs += wp[i] * wp[i];
    }
  } else {
#pragma omp simd reduction(+ : ds, vs)
    for (std::size_t i = 0; i < n; ++i) {
      const float gi = gp[i] + wd * wp[i];
      const float vi = mu * vp[i] + gi;
      vp[i] = vi;
      const float old = wp[i];
      wp[i] -= lr * (gi + mu * vi);
      const float d = wp[i] - old;
      ds += d * d;
      vs += wp[i] * wp[i];
    }
  }
  return UpdateNorm{double(ds), double(vs)};
}

}  // namespace ts
