// A network's weight tensors seen as matrices (units x inputs; a convolution's filters x
// k*k*channels), and its weights with every update W - W0 cut down to its top-k singular
// directions (core/analysis/spectra.h), for the test accuracy of the projected network.
#pragma once

#include "core/analysis/spectra.h"
#include "core/layers/network.h"

#include <atomic>
#include <functional>

#include <span>
#include <string>
#include <vector>

namespace ts {

struct WeightMatrix {
  std::string layer;
  Index rows = 0, cols = 0;
  std::size_t offset = 0;  // in the flat parameters
};
std::vector<WeightMatrix> weight_matrices(const Network<float>& net);

// The network's parameters with each weight matrix W replaced by W0 + P_k(W - W0) (masks
// applied again, so pruned weights stay zero); biases and other tensors as they are.
// `initial` is laid out like the parameters.
std::vector<float> project_updates(const Network<float>& net, std::span<const float> initial,
                                   Index k);

// Each weight matrix's singular values, those of its update W - W0, and the empirical
// spectral density of W (largest first). `cancel` is polled between layers (the result then
// holds the layers done); `progress` receives the fraction of layers done.
struct LayerSpectrum {
  std::string layer;
  Index rows = 0, cols = 0;
  std::vector<double> singular, update_singular;
  SpectralDensity density;
};
std::vector<LayerSpectrum> layer_spectra(const Network<float>& net, std::span<const float> initial,
                                         const std::atomic<bool>* cancel = nullptr,
                                         const std::function<void(double)>& progress = {});

}  // namespace ts
