// Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), as torch.optim.Adam and
// torch.optim.AdamW (amsgrad off). One class, because the two differ only in where the weight
// decay goes; settings.kind (adam or adamw) picks. Per element, with b1 = settings.beta1,
// b2 = settings.beta2, eps = settings.eps, t the step number (1 on the first step, from
// Optimizer::step_count) and wd = the tensor's weight decay (tensor_weight_decay:
// settings.weight_decay on weights, on biases and slopes only with settings.decay_biases):
//
//   adam:   g = grad + wd * w                 (L2 in the gradient)
//   adamw:  g = grad;  w = w * (1 - lr * wd)  (decoupled decay, applied before the update)
//   m = b1 * m + (1 - b1) * g
//   v = b2 * v + (1 - b2) * g^2
//   m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t)
//   w -= lr * m_hat / (sqrt(v_hat) + eps)
//
// State: "m" and "v", starting at 0. With g = 0, w = 0 and zero state the update is
// 0 / eps = 0: a pruned weight stays exactly 0. Contract and threading as Optimizer.
#pragma once

#include "core/optim/optimizer.h"

namespace ts {

class Adam final : public Optimizer {
 public:
  // settings.kind must be adam or adamw; throws ts::Error otherwise.
  Adam(const OptimizerSettings& settings, std::size_t num_params);

  std::vector<std::pair<std::string, std::vector<float>*>> state_buffers() override;

 private:
  void update_slice(std::size_t offset, std::span<float> w, std::span<const float> g, float lr,
                    int64_t t, float wd) override;

  std::vector<float> m_;
  std::vector<float> v_;
};

}  // namespace ts
