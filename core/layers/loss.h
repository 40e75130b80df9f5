// Losses over a shard of logits z: (K, B) with integer labels.
//   cross_entropy: l_b = logsumexp(z_b) - z_b[y_b]          dl/dz = softmax(z_b) - onehot(y_b)
//                  (stable: the max is subtracted before exponentiating)
//   mse:           l_b = (1/K) sum_k (z_bk - t_bk)^2, t = onehot(y)   dl/dz = 2 (z - t) / K
// `loss_and_gradient` returns the SUM of l_b over the shard and the number of correct
// arg-max predictions, and assigns dz = scale * dl/dz (pass scale = 1/total batch size so
// shard gradients add up to the gradient of the mean loss).
#pragma once

#include "core/tensor.h"

#include <optional>
#include <span>
#include <string_view>

namespace ts {

enum class LossKind { cross_entropy, mse };
const char* to_string(LossKind);
std::optional<LossKind> loss_kind_from_string(std::string_view);

struct LossSum {
  double loss = 0.0;  // sum over samples
  Index correct = 0;  // arg-max equals the label
};

template <class T>
LossSum loss_and_gradient(LossKind kind, const Matrix<T>& logits, std::span<const int32_t> labels,
                          Matrix<T>* dlogits, T scale);

// Arg-max of each column.
template <class T>
void predict(const Matrix<T>& logits, std::span<int32_t> out);

}  // namespace ts
