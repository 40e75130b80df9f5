#include "core/layers/layer_spec.h"

#include <array>
#include <map>
#include <utility>

namespace ts {

namespace {
constexpr std::array<std::pair<LayerKind, const char*>, 8> kLayerNames{{
    {LayerKind::dense, "dense"},
    {LayerKind::conv2d, "conv2d"},
    {LayerKind::max_pool, "max_pool"},
    {LayerKind::flatten, "flatten"},
    {LayerKind::dropout, "dropout"},
    {LayerKind::activation, "activation"},
    {LayerKind::prelu, "prelu"},
    {LayerKind::maxout, "maxout"},
}};
constexpr std::array<std::pair<ActivationKind, const char*>, 8> kActivationNames{{
    {ActivationKind::identity, "identity"},
    {ActivationKind::sigmoid, "sigmoid"},
    {ActivationKind::tanh, "tanh"},
    {ActivationKind::relu, "relu"},
    {ActivationKind::leaky_relu, "leaky_relu"},
    {ActivationKind::elu, "elu"},
    {ActivationKind::selu, "selu"},
    {ActivationKind::gelu, "gelu"},
}};
}  // namespace

const char* to_string(LayerKind k) {
  for (const auto& [kind, name] : kLayerNames)
    if (kind == k) return name;
  return "?";
}
const char* to_string(ActivationKind k) {
  for (const auto& [kind, name] : kActivationNames)
    if (kind == k) return name;
  return "?";
}
std::optional<LayerKind> layer_kind_from_string(std::string_view s) {
  for (const auto& [kind, name] : kLayerNames)
    if (s == name) return kind;
  return std::nullopt;
}
std::optional<ActivationKind> activation_kind_from_string(std::string_view s) {
  for (const auto& [kind, name] : kActivationNames)
    if (s == name) return kind;
  return std::nullopt;
}

double default_alpha(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::elu:
      return 1.0;
    case ActivationKind::leaky_relu:
      return 0.01;
    default:
      return 0.0;
  }
}

double activation_alpha(const LayerSpec& spec) {
  return spec.alpha.value_or(default_alpha(spec.activation));
}

std::optional<double> slope_below_zero(const LayerSpec& spec) {
  if (spec.kind != LayerKind::activation) return std::nullopt;
  switch (spec.activation) {
    case ActivationKind::relu:
      return 0.0;
    case ActivationKind::leaky_relu:
      return activation_alpha(spec);
    case ActivationKind::identity:
      return 1.0;
    default:
      return std::nullopt;
  }
}

void assign_names(ModelSpec& spec) {
  std::map<std::string, int> counters;
  for (auto& layer : spec.layers) {
    std::string prefix;
    switch (layer.kind) {
      case LayerKind::dense:
        prefix = "fc";
        break;
      case LayerKind::conv2d:
        prefix = "conv";
        break;
      case LayerKind::max_pool:
        prefix = "pool";
        break;
      case LayerKind::flatten:
        prefix = "flatten";
        break;
      case LayerKind::dropout:
        prefix = "drop";
        break;
      case LayerKind::activation:
      case LayerKind::prelu:
      case LayerKind::maxout:
        prefix = "act";
        break;
    }
    const int n = ++counters[prefix];
    if (layer.name.empty()) layer.name = prefix + std::to_string(n);
  }
}

}  // namespace ts
