#include "core/experiment/experiment_data.h"

#include "core/data/builtin_datasets.h"
#include "core/data/synthetic.h"
#include "core/error.h"

namespace ts {

std::shared_ptr<const DataSplits> load_experiment_data(const ExperimentConfig& c,
                                                       const std::filesystem::path& data_dir) {
  if (c.data.synthetic) {
    auto d = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
    return d;
  }
  auto d = std::make_shared<DataSplits>(
      load_builtin(c.data.dataset, data_dir, c.data.validation_fraction, c.training.seed));
  if (c.data.train_size > d->train.size())
    throw Error("data.train_size: " + std::to_string(c.data.train_size) + ", but " + d->train.name +
                " has " + std::to_string(d->train.size()) + " images after the validation split");
  if (c.data.train_size > 0) {
    Dataset& t = d->train;
    const std::size_t n = std::size_t(c.data.train_size);
    t.labels.resize(n);
    t.pixels.resize(n * std::size_t(t.sample_size()));
    if (!t.features.empty()) t.features.resize(n * std::size_t(t.sample_size()));
  }
  return d;
}

bool experiment_data_available(const ExperimentConfig& c, const std::filesystem::path& data_dir) {
  return c.data.synthetic.has_value() || builtin_available(c.data.dataset, data_dir);
}

}  // namespace ts
