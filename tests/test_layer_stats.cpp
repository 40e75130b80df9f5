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
