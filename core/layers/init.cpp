#include "core/layers/init.h"

#include <array>
#include <cmath>
#include <utility>

namespace ts {

namespace {
constexpr std::array<std::pair<InitKind, const char*>, 9> kNames{{
    {InitKind::constant, "constant"},
    {InitKind::gaussian, "gaussian"},
    {InitKind::uniform, "uniform"},
    {InitKind::xavier_uniform, "xavier_uniform"},
    {InitKind::xavier_normal, "xavier_normal"},
    {InitKind::he_uniform, "he_uniform"},
    {InitKind::he_normal, "he_normal"},
    {InitKind::lecun_uniform, "lecun_uniform"},
    {InitKind::lecun_normal, "lecun_normal"},
}};

bool is_uniform(InitKind k) {
  return k == InitKind::uniform || k == InitKind::xavier_uniform || k == InitKind::he_uniform ||
         k == InitKind::lecun_uniform;
}
}  // namespace

const char* to_string(InitKind k) {
  for (const auto& [kind, name] : kNames)
    if (kind == k) return name;
  return "?";
}

std::optional<InitKind> init_kind_from_string(std::string_view s) {
  for (const auto& [kind, name] : kNames)
    if (s == name) return kind;
  if (s == "zero") return InitKind::constant;
  return std::nullopt;
}

double activation_gain(const LayerSpec* a) {
  if (a == nullptr) return 1.0;
  const auto leaky = [](double slope) { return std::sqrt(2.0 / (1.0 + slope * slope)); };
  if (a->kind == LayerKind::prelu) return leaky(0.25);
  if (a->kind != LayerKind::activation) return 1.0;
  switch (a->activation) {
    case ActivationKind::identity:
      return 1.0;
    case ActivationKind::sigmoid:
      return 4.0;
    case ActivationKind::tanh:
      return 5.0 / 3.0;
    case ActivationKind::relu:
      return std::sqrt(2.0);
    case ActivationKind::leaky_relu:
      return leaky(activation_alpha(*a));
    case ActivationKind::selu:
      return 0.75;
    case ActivationKind::elu:
    case ActivationKind::gelu:
      return 1.0;
  }
  return 1.0;
}

double init_stddev(const InitSpec& s, Index fan_in, Index fan_out) {
  const double in = double(fan_in), out = double(fan_out);
  double base = 0.0;
  switch (s.kind) {
    case InitKind::constant:
      return 0.0;
    case InitKind::gaussian:
      base = s.sigma;
      break;
    case InitKind::uniform:
      base = s.range / std::sqrt(3.0);
      break;
    case InitKind::xavier_uniform:
    case InitKind::xavier_normal:
      base = std::sqrt(2.0 / (in + out));
      break;
    case InitKind::he_uniform:
    case InitKind::he_normal:
      base = std::sqrt(2.0 / in);
      break;
    case InitKind::lecun_uniform:
    case InitKind::lecun_normal:
      base = std::sqrt(1.0 / in);
      break;
  }
  return s.gain * base;
}

template <class T>
void init_tensor(std::span<T> out, const InitSpec& s, Index fan_in, Index fan_out, Rng& rng) {
  if (s.kind == InitKind::constant) {
    for (auto& v : out) v = T(s.value);
    return;
  }
  const double sd = init_stddev(s, fan_in, fan_out);
  if (is_uniform(s.kind)) {
    const double r = sd * std::sqrt(3.0);
    for (auto& v : out) v = T(rng.uniform(-r, r));
  } else {
    for (auto& v : out) v = T(rng.normal(0.0, sd));
  }
}

template void init_tensor<float>(std::span<float>, const InitSpec&, Index, Index, Rng&);
template void init_tensor<double>(std::span<double>, const InitSpec&, Index, Index, Rng&);

}  // namespace ts
