#include "core/train/trainer_metrics.h"

namespace ts {

TrainerMetrics::TrainerMetrics(uint64_t gen, const std::vector<StatLayer>& stat_layers)
    : generation(gen) {
  for (const auto& l : stat_layers) {
    auto s = std::make_unique<LayerSeries>();
    s->name = l.name;
    s->activation = l.activation;
    layers.push_back(std::move(s));
  }
}

namespace {
void copy_until(const ScalarSeries& from, ScalarSeries& to, int64_t last_step) {
  const std::size_t n = from.size();
  for (std::size_t i = 0; i < n && from[i].step <= last_step; ++i)
    to.push(from[i].step, from[i].value);
}
}  // namespace

std::unique_ptr<TrainerMetrics> TrainerMetrics::continued(const TrainerMetrics& from,
                                                          int64_t last_step, uint64_t generation) {
  auto m = std::make_unique<TrainerMetrics>(generation, std::vector<StatLayer>{});
  for (auto [a, b] : {std::pair{&from.loss, &m->loss},
                      {&from.accuracy, &m->accuracy},
                      {&from.lr, &m->lr},
                      {&from.grad_norm, &m->grad_norm},
                      {&from.sparsity, &m->sparsity},
                      {&from.seconds, &m->seconds},
                      {&from.validation_loss, &m->validation_loss},
                      {&from.validation_accuracy, &m->validation_accuracy},
                      {&from.test_loss, &m->test_loss},
                      {&from.test_accuracy, &m->test_accuracy},
                      {&from.sharpness, &m->sharpness}})
    copy_until(*a, *b, last_step);
  for (const auto& fl : from.layers) {
    auto l = std::make_unique<LayerSeries>();
    l->name = fl->name;
    l->activation = fl->activation;
    for (auto [a, b] : {std::pair{&fl->grad_norm, &l->grad_norm},
                        {&fl->update_ratio, &l->update_ratio},
                        {&fl->act_mean, &l->act_mean},
                        {&fl->act_std, &l->act_std},
                        {&fl->saturated, &l->saturated},
                        {&fl->dead, &l->dead},
                        {&fl->weight_norm, &l->weight_norm},
                        {&fl->distance_init, &l->distance_init},
                        {&fl->frame_potential, &l->frame_potential}})
      copy_until(*a, *b, last_step);
    const std::size_t n = fl->histograms.size();
    for (std::size_t i = 0; i < n && fl->histograms[i].step <= last_step; ++i)
      l->histograms.push(fl->histograms[i]);
    const std::size_t k = fl->singular_values.size();
    for (std::size_t i = 0; i < k && fl->singular_values[i].step <= last_step; ++i)
      l->singular_values.push(fl->singular_values[i]);
    m->layers.push_back(std::move(l));
  }
  return m;
}

}  // namespace ts
