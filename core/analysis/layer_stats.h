// What the trainer measures inside each layer, on a fixed probe batch and on the weights.
//
// A "stat layer" is a dense or convolutional layer together with the activation layers
// right after it (activation, PReLU, maxout): its activations are that block's output, its
// weights the layer's weight tensor.
//
//   mean, std        of the activations over the probe batch (inference mode)
//   histogram        64 bins; [-1, 1] after tanh, [0, 1] after sigmoid, else [min, max]
//   saturated        after sigmoid/tanh: fraction of activations within 0.01 of an asymptote;
//                    NaN otherwise
//   dead             after ReLU/leaky ReLU: fraction of units <= 0 on every probe sample,
//                    where a convolution's unit is its channel (a filter), dead when <= 0 at
//                    every position of every sample: a position alone is at most a border of
//                    MNIST's black background; NaN otherwise
//   weight_norm      ||W||_F
//   distance_init    ||W - W0||_F
//   frame_potential  sum_ij <w_i, w_j>^2 over the unit-normalized rows w_i of W (units with
//                    all weights pruned are left out); n unit vectors in d dimensions have
//                    at least max(n, n^2 / d), reached by a tight frame
//
// Pure functions of their inputs; the trainer calls them on its own thread.
#pragma once

#include "core/layers/layer_spec.h"
#include "core/layers/network.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ts {

struct StatLayer {
  std::string name;        // "fc1"
  std::size_t output = 0;  // index into Workspace::acts of the measured activations
  ActivationKind activation = ActivationKind::identity;
  bool relu_like = false;            // relu or leaky relu
  Index channels = 0;                // a convolution's filters, channel fastest in its output
  long weight = -1;                  // tensor index of name.weight
  std::vector<std::size_t> tensors;  // every tensor of the layer (weight, bias, slopes)
};

std::vector<StatLayer> stat_layers(const Network<float>& net);
// The same layers named from a model's specs alone, without their tensors (weight -1, no
// tensors): what a run directory read back knows of them.
std::vector<StatLayer> stat_layers(const std::vector<LayerSpec>& specs);

constexpr std::size_t kHistogramBins = 64;
struct Histogram {
  int64_t step = 0;
  float lo = 0.0f, hi = 0.0f;
  std::array<uint32_t, kHistogramBins> counts{};
};

struct LayerProbe {
  double mean = 0.0, std = 0.0, saturated = 0.0, dead = 0.0;
  double weight_norm = 0.0, distance_init = 0.0, frame_potential = 0.0;
  Histogram histogram;
};

// Activation statistics of layer l from the workspace of a forward pass.
void measure_activations(const StatLayer& l, const Network<float>::Workspace& ws, LayerProbe& out);
// Weight statistics of layer l; `initial` is laid out like the parameters.
void measure_weights(const StatLayer& l, const Parameters<float>& params,
                     std::span<const float> initial, LayerProbe& out);
// The frame potential of the rows of a row-major (rows, cols) matrix, each normalized.
double frame_potential(std::span<const float> w, std::size_t rows, std::size_t cols);

}  // namespace ts
