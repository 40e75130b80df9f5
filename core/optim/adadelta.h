// AdaDelta (Zeiler 2012), as torch.optim.Adadelta. Per element, with rho = settings.rho,
// eps = settings.eps and wd = the tensor's weight decay (tensor_weight_decay:
// settings.weight_decay on weights, on biases and slopes only with settings.decay_biases):
//
//   g = grad + wd * w
//   s = rho * s + (1 - rho) * g^2
//   d = sqrt(u + eps) / sqrt(s + eps) * g
//   u = rho * u + (1 - rho) * d^2
//   w -= lr * d                        (Zeiler's method is lr = 1)
//
// State: "sq_avg" (s) and "delta_sq_avg" (u), starting at 0. eps sits inside both square roots
// but d is a multiple of g, so with g = 0 and w = 0 the step is exactly 0 and u stays 0: a
// pruned weight stays exactly 0. Contract and threading as Optimizer.
#pragma once

#include "core/optim/optimizer.h"

namespace ts {

class Adadelta final : public Optimizer {
 public:
  // settings.kind must be adadelta; throws ts::Error otherwise.
  Adadelta(const OptimizerSettings& settings, std::size_t num_params);

  std::vector<std::pair<std::string, std::vector<float>*>> state_buffers() override;

 private:
  void update_slice(std::size_t offset, std::span<float> w, std::span<const float> g, float lr,
                    int64_t t, float wd) override;

  std::vector<float> sq_avg_;
  std::vector<float> delta_sq_avg_;
};

}  // namespace ts
