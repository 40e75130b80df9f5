// AdaGrad (Duchi, Hazan & Singer 2011), as torch.optim.Adagrad with lr_decay 0 and initial
// accumulator 0. Per element, with eps = settings.eps and wd = the tensor's weight decay
// (tensor_weight_decay: settings.weight_decay on weights, on biases and slopes only with
// settings.decay_biases):
//
//   g = grad + wd * w
//   s = s + g^2
//   w -= lr * g / (sqrt(s) + eps)
//
// State: "sum_sq" (s), starting at 0. With g = 0 and s = 0 the update is 0 / eps = 0, so a
// pruned weight stays exactly 0. Contract and threading as Optimizer.
#pragma once

#include "core/optim/optimizer.h"

namespace ts {

class Adagrad final : public Optimizer {
 public:
  // settings.kind must be adagrad; throws ts::Error otherwise.
  Adagrad(const OptimizerSettings& settings, std::size_t num_params);

  std::vector<std::pair<std::string, std::vector<float>*>> state_buffers() override;

 private:
  void update_slice(std::size_t offset, std::span<float> w, std::span<const float> g, float lr,
                    int64_t t, float wd) override;

  std::vector<float> sum_sq_;
};

}  // namespace ts
