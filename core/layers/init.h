// Weight and bias initializers. fan_in/fan_out come from the layer (dense: in/out; conv:
// k*k*C / k*k*F). Standard deviations:
//   constant c (zero: c = 0)  gaussian N(0, sigma)   uniform U(-r, r): r/sqrt(3)
//   xavier_uniform U(+-sqrt(6/(in+out)))  xavier_normal N(0, sqrt(2/(in+out)))   (Glorot 2010)
//   he_uniform U(+-sqrt(6/in))            he_normal N(0, sqrt(2/in))             (He 2015)
//   lecun_uniform U(+-sqrt(3/in))         lecun_normal N(0, sqrt(1/in))          (LeCun 1998)
// Zero or constant weights keep every hidden unit of a layer identical through training
// (the symmetry problem); they are allowed on purpose so it can be shown.
#pragma once

#include "core/rng.h"
#include "core/tensor.h"

#include <optional>
#include <span>
#include <string_view>

namespace ts {

enum class InitKind {
  constant,
  gaussian,
  uniform,
  xavier_uniform,
  xavier_normal,
  he_uniform,
  he_normal,
  lecun_uniform,
  lecun_normal
};
const char* to_string(InitKind);
std::optional<InitKind> init_kind_from_string(std::string_view);

struct InitSpec {
  InitKind kind = InitKind::he_normal;
  double value = 0.0;   // constant
  double sigma = 0.01;  // gaussian
  double range = 0.05;  // uniform
};

// The standard deviation the formula gives.
double init_stddev(const InitSpec&, Index fan_in, Index fan_out);

template <class T>
void init_tensor(std::span<T> out, const InitSpec&, Index fan_in, Index fan_out, Rng& rng);

}  // namespace ts
