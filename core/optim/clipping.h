// Gradient clipping over the flat gradient buffer (or any slice of it). Free functions on
// caller-owned data; safe from any thread that owns the span.
#pragma once

#include "core/params.h"

#include <span>
#include <vector>

namespace ts {

// Euclidean norm sqrt(sum g_i^2), accumulated in double. Inf or NaN if any g_i is.
double global_norm(std::span<const float> grads);

// The squared norm of each tensor's slice of `grads` into `sq` (infos.size() long), in one
// pass; returns the global norm, the square root of their sum (padding between tensors is
// zero and does not count). Inf or NaN if any value is.
double tensor_norms(std::span<const float> grads, const std::vector<ParamInfo>& infos,
                    std::span<double> sq);

// If n = global_norm(grads) exceeds max_norm, scales grads by max_norm / n so their norm
// becomes max_norm; otherwise leaves them alone. Returns n, the norm before clipping. A
// non-finite n leaves grads alone (the caller sees it in the returned norm and decides).
// Unlike torch.nn.utils.clip_grad_norm_ there is no 1e-6 added to n. Throws ts::Error
// unless max_norm > 0.
double clip_by_norm(std::span<float> grads, double max_norm);

// Clamps every g_i to [-limit, limit]; NaN stays NaN. Throws ts::Error unless limit >= 0.
void clip_by_value(std::span<float> grads, double limit);

}  // namespace ts
