// RMSProp (Hinton, Coursera lecture 6e), as torch.optim.RMSprop (not centered) with
// alpha = rho, plus a Nesterov variant. Per element, with rho = settings.rho,
// eps = settings.eps, mu = settings.rmsprop_momentum, wd = the tensor's weight decay
// (tensor_weight_decay: settings.weight_decay on weights, on biases and slopes only with
// settings.decay_biases):
//
//   g = grad + wd * w
//   s = rho * s + (1 - rho) * g^2
//   a = g / (sqrt(s) + eps)
//   plain (mu == 0):     w -= lr * a
//   momentum (mu > 0):   b = mu * b + a;  w -= lr * b
//   Nesterov (mu > 0 and settings.rmsprop_nesterov):
//                        b = mu * b + a;  w -= lr * (a + mu * b)
//
// The Nesterov form mirrors Sgd's (PyTorch's SGD convention) with a in place of g. Plain
// RMSProp leaves b untouched, so turning momentum on mid-run starts from the kept b (0 if it
// was never on). State: "sq_avg" (s) and "momentum" (b), both starting at 0 and always
// allocated. With g = 0 and zero state, a = 0 / eps = 0: a pruned weight stays exactly 0.
// Contract and threading as Optimizer.
#pragma once

#include "core/optim/optimizer.h"

namespace ts {

class RmsProp final : public Optimizer {
 public:
  // settings.kind must be rmsprop; throws ts::Error otherwise.
  RmsProp(const OptimizerSettings& settings, std::size_t num_params);

  std::vector<std::pair<std::string, std::vector<float>*>> state_buffers() override;

 private:
  void update_slice(std::size_t offset, std::span<float> w, std::span<const float> g, float lr,
                    int64_t t, float wd) override;

  std::vector<float> sq_avg_;
  std::vector<float> momentum_;
};

}  // namespace ts
