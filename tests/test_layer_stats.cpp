// Per-layer statistics measured on a workspace: frame potential, histogram, saturation and
// dead units.
#include "core/analysis/layer_stats.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace ts;

TEST_CASE("layer statistics: frame potential, histogram, saturation and dead units") {
  // Two orthogonal rows and one equal to the first (before normalization): the normalized
  // Gram matrix is [[1,0,1],[0,1,0],[1,0,1]], whose squared Frobenius norm is 5.
  const std::vector<float> w{2, 0, 0, 0, 3, 0, 5, 0, 0};
  CHECK(frame_potential(w, 3, 3) == doctest::Approx(5.0));
  // A pruned (all-zero) row is left out.
  const std::vector<float> w2{1, 1, 0, 0, 0, 0};
  CHECK(frame_potential(w2, 3, 2) == doctest::Approx(1.0));
  // Activations of a relu layer: units x samples.
  Network<float>::Workspace ws;
  ws.acts.resize(2);
  ws.acts[1].resize(3, 4);
  ws.acts[1] << 0, 0, 0, 0,  //
      1, 0, 2, 0,            //
      0, 0, 0, 3;
  StatLayer l;
  l.output = 1;
  l.activation = ActivationKind::relu;
  l.relu_like = true;
  LayerProbe p;
  measure_activations(l, ws, p);
  CHECK(p.dead == doctest::Approx(1.0 / 3.0));
  CHECK(p.mean == doctest::Approx(6.0 / 12.0));
  CHECK(p.std == doctest::Approx(std::sqrt(14.0 / 12.0 - 0.25)));
  uint32_t total = 0;
  for (auto c : p.histogram.counts) total += c;
  CHECK(total == 12);
  CHECK(p.histogram.counts[0] == 9);   // the zeros
  CHECK(p.histogram.counts[63] == 1);  // the maximum, 3
  // A convolution's unit is its channel: 3 positions x 2 channels, channel fastest. Channel 0
  // is positive once (position 1, sample 1), channel 1 never: half the filters are dead,
  // though five of the six positions' rows are never positive.
  ws.acts[1].resize(6, 2);
  ws.acts[1] << 0, 0,  //
      0, 0,            //
      0, 2,            //
      -1, 0,           //
      0, 0,            //
      0, -3;
  l.channels = 2;
  measure_activations(l, ws, p);
  CHECK(p.dead == doctest::Approx(0.5));
  l.channels = 0;
  ws.acts[1].resize(3, 4);
  // tanh: saturated means |a| > 0.99.
  ws.acts[1] << 0.995f, -0.999f, 0.5f, 0, 0, 0, 0, 0, 0, 0, 0, 0.991f;
  l.activation = ActivationKind::tanh;
  l.relu_like = false;
  measure_activations(l, ws, p);
  CHECK(p.saturated == doctest::Approx(3.0 / 12.0));
  CHECK(std::isnan(p.dead));
  CHECK(p.histogram.lo == -1.0f);
  CHECK(p.histogram.hi == 1.0f);
}

TEST_CASE("layer statistics: a convolution's stat layer counts its channels") {
  LayerSpec conv;
  conv.kind = LayerKind::conv2d;
  conv.name = "conv1";
  conv.filters = 4;
  LayerSpec relu;
  relu.kind = LayerKind::activation;
  relu.activation = ActivationKind::relu;
  LayerSpec flatten;
  flatten.kind = LayerKind::flatten;
  LayerSpec fc;
  fc.name = "fc1";
  fc.units = 3;
  const std::vector<StatLayer> s = stat_layers({conv, relu, flatten, fc});
  REQUIRE(s.size() == 2);
  CHECK(s[0].channels == 4);
  CHECK(s[0].relu_like);
  CHECK(s[0].output == 2);
  CHECK(s[1].channels == 0);
}
