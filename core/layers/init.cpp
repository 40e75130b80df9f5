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

double init_stddev(const InitSpec& s, Index fan_in, Index fan_out) {
  const double in = double(fan_in), out = double(fan_out);
  switch (s.kind) {
    case InitKind::constant: return 0.0;
    case InitKind::gaussian: return s.sigma;
    case InitKind::uniform: return s.range / std::sqrt(3.0);
    case InitKind::xavier_uniform:
    case InitKind::xavier_normal: return std::sqrt(2.0 / (in + out));
    case InitKind::he_uniform:
    case InitKind::he_normal: return std::sqrt(2.0 / in);
    case InitKind::lecun_uniform:
    case InitKind::lecun_normal: return std::sqrt(1.0 / in);
  }
  return 0.0;
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
