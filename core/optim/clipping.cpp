#include "core/optim/clipping.h"
#include "core/text_format.h"

#include "core/error.h"

#include <charconv>
#include <cmath>
#include <string>

namespace ts {

namespace {
double sum_sq(const float* g, std::size_t n) {
  // Sixteen double lanes summed vertically over blocks of 1024 values, then folded: this
  // vectorizes without reassociating a scalar sum, gives the same result on every run, and
  // squares of large finite floats (up to 3.4e38) do not overflow.
  constexpr std::size_t kLanes = 16, kBlock = 1024;
  double sum = 0.0;
  std::size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    double acc[kLanes] = {};
    for (std::size_t j = 0; j < kBlock; j += kLanes)
      for (std::size_t l = 0; l < kLanes; ++l)
        acc[l] += double(g[i + j + l]) * double(g[i + j + l]);
    for (double a : acc) sum += a;
  }
  for (; i < n; ++i) sum += double(g[i]) * double(g[i]);
  return sum;
}
}  // namespace

double global_norm(std::span<const float> grads) {
  return std::sqrt(sum_sq(grads.data(), grads.size()));
}

double tensor_norms(std::span<const float> grads, const std::vector<ParamInfo>& infos,
                    std::span<double> sq) {
  if (sq.size() != infos.size())
    throw Error("tensor_norms: " + std::to_string(sq.size()) + " outputs for " +
                std::to_string(infos.size()) + " tensors");
  double total = 0.0;
  for (std::size_t i = 0; i < infos.size(); ++i) {
    if (infos[i].offset + infos[i].size > grads.size())
      throw Error("tensor_norms: tensor " + infos[i].name + " lies outside the gradient");
    sq[i] = sum_sq(grads.data() + infos[i].offset, infos[i].size);
    total += sq[i];
  }
  return std::sqrt(total);
}

double clip_by_norm(std::span<float> grads, double max_norm) {
  if (!(max_norm > 0.0)) {
    throw Error("clip_by_norm: max_norm must be > 0, got " + format_number(max_norm));
  }
  const double norm = global_norm(grads);
  if (std::isfinite(norm) && norm > max_norm) {
    const auto scale = static_cast<float>(max_norm / norm);
    for (float& g : grads) g *= scale;
  }
  return norm;
}

void clip_by_value(std::span<float> grads, double limit) {
  if (!(limit >= 0.0)) {
    throw Error("clip_by_value: limit must be >= 0, got " + format_number(limit));
  }
  const auto hi = static_cast<float>(limit);
  const float lo = -hi;
  for (float& g : grads) g = g < lo ? lo : (g > hi ? hi : g);
}

}  // namespace ts
