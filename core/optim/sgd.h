// Stochastic gradient descent: plain, with heavy-ball momentum, or with Nesterov momentum,
// in PyTorch's conventions (torch.optim.SGD with dampening 0). Per element, with learning
// rate lr, mu = settings.momentum and wd = the tensor's weight decay (tensor_weight_decay:
// settings.weight_decay on weights, on biases and slopes only with settings.decay_biases):
//
//   g = grad + wd * w
//   sgd:       w -= lr * g
//   momentum:  v = mu * v + g;  w -= lr * v
//   nesterov:  v = mu * v + g;  w -= lr * (g + mu * v)
//
// v starts at 0, so the first step's v is g (as PyTorch's first-step copy). State: "momentum"
// (v) for momentum and nesterov; plain SGD has no state. Contract and threading as Optimizer.
#pragma once

#include "core/optim/optimizer.h"

namespace ts {

class Sgd final : public Optimizer {
 public:
  // settings.kind must be sgd, momentum or nesterov; throws ts::Error otherwise.
  Sgd(const OptimizerSettings& settings, std::size_t num_params);

  std::vector<std::pair<std::string, std::vector<float>*>> state_buffers() override;

 private:
  UpdateNorm update_slice_measured(std::size_t offset, std::span<float> w, std::span<const float> g,
                                   float lr, int64_t t, float wd) override;
  void update_slice(std::size_t offset, std::span<float> w, std::span<const float> g, float lr,
                    int64_t t, float wd) override;

  std::vector<float> velocity_;  // empty for plain SGD
};

}  // namespace ts
