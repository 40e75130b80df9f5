#include "core/analysis/weight_matrices.h"

#include "core/analysis/spectra.h"
#include "core/error.h"

namespace ts {

std::vector<WeightMatrix> weight_matrices(const Network<float>& net) {
  std::vector<WeightMatrix> out;
  for (std::size_t i = 0; i < net.num_layers(); ++i) {
    const long w = net.layer(i).weight_index();
    if (w < 0) continue;
    const ParamInfo& info = net.params().info(std::size_t(w));
    const Index rows = info.shape.at(0);
    out.push_back({net.layer(i).name(), rows, Index(info.size) / rows, info.offset});
  }
  return out;
}

std::vector<float> project_updates(const Network<float>& net, std::span<const float> initial,
                                   Index k) {
  const auto values = net.params().values();
  const auto masks = net.params().masks();
  if (initial.size() != values.size())
    throw Error("update projection: the initial weights have " + std::to_string(initial.size()) +
                " values, the model " + std::to_string(values.size()));
  std::vector<float> out(values.begin(), values.end());
  for (const WeightMatrix& m : weight_matrices(net)) {
    const std::size_t n = std::size_t(m.rows * m.cols);
    const Eigen::MatrixXd w = to_matrix(values.subspan(m.offset, n), m.rows, m.cols);
    const Eigen::MatrixXd w0 = to_matrix(initial.subspan(m.offset, n), m.rows, m.cols);
    const Eigen::MatrixXd p = w0 + top_k_projection(w - w0, k);
    for (Index r = 0; r < m.rows; ++r)
      for (Index c = 0; c < m.cols; ++c) {
        const std::size_t i = m.offset + std::size_t(r * m.cols + c);
        out[i] = float(p(r, c)) * masks[i];
      }
  }
  return out;
}

std::vector<LayerSpectrum> layer_spectra(const Network<float>& net, std::span<const float> initial,
                                         const std::atomic<bool>* cancel,
                                         const std::function<void(double)>& progress) {
  const auto values = net.params().values();
  if (initial.size() != values.size())
    throw Error("spectra: the initial weights have " + std::to_string(initial.size()) +
                " values, the model " + std::to_string(values.size()));
  const auto matrices = weight_matrices(net);
  std::vector<LayerSpectrum> out;
  for (std::size_t i = 0; i < matrices.size(); ++i) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    const WeightMatrix& m = matrices[i];
    const std::size_t n = std::size_t(m.rows * m.cols);
    const Eigen::MatrixXd w = to_matrix(values.subspan(m.offset, n), m.rows, m.cols);
    const Eigen::MatrixXd w0 = to_matrix(initial.subspan(m.offset, n), m.rows, m.cols);
    out.push_back({m.layer, m.rows, m.cols, singular_values(w), singular_values(w - w0),
                   spectral_density(w)});
    if (progress) progress(double(i + 1) / double(matrices.size()));
  }
  return out;
}

}  // namespace ts
