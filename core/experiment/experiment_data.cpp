#include "core/experiment/experiment_data.h"

#include "core/data/builtin_datasets.h"
#include "core/data/synthetic.h"

namespace ts {

std::shared_ptr<const DataSplits> load_experiment_data(const ExperimentConfig& c,
                                                       const std::filesystem::path& data_dir) {
  if (c.data.synthetic) {
    auto d = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
    return d;
  }
  return std::make_shared<DataSplits>(
      load_builtin(c.data.dataset, data_dir, c.data.validation_fraction, c.training.seed));
}

bool experiment_data_available(const ExperimentConfig& c, const std::filesystem::path& data_dir) {
  return c.data.synthetic.has_value() || builtin_available(c.data.dataset, data_dir);
}

}  // namespace ts
