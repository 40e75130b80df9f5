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
  double alpha = 0.01;  // leaky ReLU slope, ELU alpha
  // maxout: number of pieces each output is the maximum of
  Index pieces = 2;
};

struct ModelSpec {
  Shape3 input;
  std::vector<LayerSpec> layers;
};

// Gives every unnamed layer a name: dense fc1, fc2, ...; conv2d conv1, ...; pool1, drop1,
// act1 (activations, PReLU and maxout share the act counter), flatten1.
void assign_names(ModelSpec&);

}  // namespace ts
