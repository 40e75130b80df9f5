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

std::vector<float> project_updates(const Network<float>& net, std::span<const float> initial, Index k) {
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

}  // namespace ts
