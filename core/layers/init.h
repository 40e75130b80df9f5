// Weight and bias initializers. fan_in/fan_out come from the layer (dense: in/out; conv:
// k*k*C / k*k*F). Standard deviations:
//   constant c (zero: c = 0)  gaussian N(0, sigma)   uniform U(-r, r): r/sqrt(3)
//   xavier_uniform U(+-sqrt(6/(in+out)))  xavier_normal N(0, sqrt(2/(in+out)))   (Glorot 2010)
//   he_uniform U(+-sqrt(6/in))            he_normal N(0, sqrt(2/in))             (He 2015)
//   lecun_uniform U(+-sqrt(3/in))         lecun_normal N(0, sqrt(1/in))          (LeCun 1998)
// Zero or constant weights keep every hidden unit of a layer identical through training
// (the symmetry problem); they are allowed on purpose so it can be shown.
//
// A gain multiplies the standard deviation of any random initializer. "auto" takes the gain of
// the activation that follows the layer (activation_gain), the lectures' table: Xavier for the
// logistic function x4 (Glorot & Bengio 2010), tanh 5/3, ReLU sqrt(2) (PyTorch's
// calculate_gain). It is meant for the activation-agnostic Xavier and LeCun formulas: He's
// already carries ReLU's sqrt(2), and gaussian or uniform name their spread themselves.
#pragma once

#include "core/layers/layer_spec.h"
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
  double value = 0.0;      // constant
  double sigma = 0.01;     // gaussian
  double range = 0.05;     // uniform
  double gain = 1.0;       // > 0; multiplies the standard deviation (not a constant's value)
  bool auto_gain = false;  // the gain of the following activation instead (xavier_*, lecun_*)

  bool operator==(const InitSpec&) const = default;
};

// The gain for the activation after a layer (nullptr: none, a linear output): identity 1,
// sigmoid 4, tanh 5/3, relu sqrt(2), leaky_relu sqrt(2 / (1 + alpha^2)), selu 3/4 (PyTorch),
// elu and gelu 1 (no reference gives one), PReLU at its initial slope 0.25 as leaky, maxout 1.
double activation_gain(const LayerSpec* activation);

// The standard deviation the formula gives, times spec.gain.
double init_stddev(const InitSpec&, Index fan_in, Index fan_out);

template <class T>
void init_tensor(std::span<T> out, const InitSpec&, Index fan_in, Index fan_out, Rng& rng);

}  // namespace ts
