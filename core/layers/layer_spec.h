// Plain descriptions of layers and models, independent of the scalar type. Configs parse
// into these; `Network<T>` builds its layers from them; checkpoints store them.
#pragma once

#include "core/tensor.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ts {

enum class LayerKind { dense, conv2d, max_pool, flatten, dropout, activation, prelu, maxout };
enum class ActivationKind { identity, sigmoid, tanh, relu, leaky_relu, elu, selu, gelu };

const char* to_string(LayerKind);
const char* to_string(ActivationKind);
std::optional<LayerKind> layer_kind_from_string(std::string_view);
std::optional<ActivationKind> activation_kind_from_string(std::string_view);

struct LayerSpec {
  LayerKind kind = LayerKind::dense;
  std::string name;  // "fc1", "conv2", "act3"; filled in by `assign_names` when empty
  // dense
  Index units = 0;
  // conv2d: square kernels, same stride and zero padding on both axes
  Index filters = 0;
  Index kernel = 3;
  Index stride = 1;
  Index padding = 0;
  // max_pool
  Index pool = 2;
  Index pool_stride = 2;
  // dropout: probability of dropping a unit, in [0, 1)
  double rate = 0.5;
  // activation
  ActivationKind activation = ActivationKind::relu;
  // Leaky ReLU's slope or ELU's alpha; unset, the activation's own default (default_alpha),
  // so choosing another activation never carries one kind's value over to the other.
  std::optional<double> alpha;
  // maxout: number of pieces each output is the maximum of
  Index pieces = 2;
};

// The alpha an activation takes when none is given: ELU 1.0 (Clevert et al. 2016), leaky ReLU
// 0.01 (Maas et al. 2013, PyTorch's negative_slope); the others ignore it (0).
double default_alpha(ActivationKind kind);
// The alpha an activation layer uses: spec.alpha, else default_alpha(spec.activation).
double activation_alpha(const LayerSpec& spec);
// For an activation layer that is piecewise linear with a kink at 0 (ReLU, leaky ReLU,
// identity), its slope below zero (it is 1 above): 0, alpha, 1. Nothing for any other layer.
std::optional<double> slope_below_zero(const LayerSpec& spec);

struct ModelSpec {
  Shape3 input;
  std::vector<LayerSpec> layers;
};

// Gives every unnamed layer a name: dense fc1, fc2, ...; conv2d conv1, ...; pool1, drop1,
// act1 (activations, PReLU and maxout share the act counter), flatten1.
void assign_names(ModelSpec&);

}  // namespace ts
