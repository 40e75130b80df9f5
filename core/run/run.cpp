#include "core/run/run.h"

#include "core/error.h"
#include "core/optim/clipping.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>

namespace ts {

std::unique_ptr<Run> restored_run(const RunState& s, std::shared_ptr<const DataSplits> data) {
  auto run = std::make_unique<Run>(s.config, std::move(data));
  run->restore(s);
  return run;
}

ModelSpec model_for(const ExperimentConfig& c, const Dataset& train) {
  ModelSpec m = c.model;
  m.input = train.sample_shape;
  return m;
}

namespace {
Network<float> build_network(const ExperimentConfig& c, const DataSplits& d) {
  if (d.train.size() == 0) throw Error("data: the training set is empty");
  Network<float> net(model_for(c, d.train));
  if (net.output_size() != d.train.num_classes)
    throw Error("model.layers: the last layer has " + std::to_string(net.output_size()) +
                " outputs but " + d.train.name + " has " + std::to_string(d.train.num_classes) +
                " classes");
  return net;
}
}  // namespace

Run::Run(ExperimentConfig config, std::shared_ptr<const DataSplits> data)
    : config_(std::move(config)),
      data_(std::move(data)),
      net_(build_network(config_, *data_)),
      optimizer_(make_optimizer(config_.optimizer, net_.params().total_size())),
      batcher_(data_->train.size(),
               std::min<Index>(config_.training.batch_size, data_->train.size()),
               config_.training.seed),
      runner_(config_.training.shards) {
  validate(config_.schedule, "schedule");
  if (config_.training.early_stopping && data_->validation.size() == 0)
    throw Error(
        "training.early_stopping: " + data_->train.name +
        " has no validation set to watch (give data.validation_fraction or validation_size)");
  set_threads(config_.training.threads);
  for (const auto& name : config_.training.frozen) set_frozen(name, true);
  reinitialize();
}

void Run::reinitialize() {
  Rng rng(config_.training.seed ^ 0x1417a11bULL);
  for (auto& m : net_.params().masks()) m = 1.0f;
  net_.params().refresh_pruning();
  initialize_network(rng);
  initial_.assign(net_.params().values().begin(), net_.params().values().end());
  optimizer_->reset_state();
  polyak_.reset();
  ema_.reset();
  if (config_.averaging.polyak) polyak_.emplace(WeightAverage::Kind::polyak);
  if (config_.averaging.ema_decay > 0)
    ema_.emplace(WeightAverage::Kind::ema, config_.averaging.ema_decay);
  ensemble_ = SnapshotEnsemble{};
  schedule_start_ = 0;
  scripts_applied_ = 0;
  batcher_.set_state(BatcherState{config_.training.seed, 0, 0, uint64_t(batcher_.num_samples()),
                                  uint64_t(batcher_.batch_size())});
  step_ = 0;
}

void Run::set_masks(std::span<const float> masks) {
  auto& p = net_.params();
  if (masks.size() != p.total_size())
    throw Error("masks: " + std::to_string(masks.size()) + " entries for " +
                std::to_string(p.total_size()) + " parameters");
  std::copy(masks.begin(), masks.end(), p.masks().begin());
  p.refresh_pruning();
  p.apply_masks();
  for (auto& [name, buf] : optimizer_->state_buffers())
    for (std::size_t i = 0; i < buf->size(); ++i) (*buf)[i] *= masks[i];
}

void Run::resample_weights(uint64_t seed) {
  // Another salt than reinitialize's: no seed here redraws the run's own W0.
  Rng rng(seed ^ 0xc0a7501e5eed5a17ULL);
  initialize_network(rng);
  optimizer_->reset_state();
}

void Run::initialize_network(Rng& rng) {
  net_.initialize(config_.weight_init, config_.bias_init, rng, config_.layer_init);
  if (!config_.output_bias_log_prior) return;
  // The output layer's biases: log of each class's share of the training set, so that a
  // softmax of near-zero logits starts at the prior. An absent class counts half a sample.
  long out = -1;
  for (std::size_t i = net_.num_layers(); i-- > 0 && out < 0;) out = net_.layer(i).bias_index();
  if (out < 0) return;
  const Dataset& train = data_->train;
  auto bias = net_.params().values(std::size_t(out));
  std::vector<double> counts(bias.size(), 0.0);
  for (int32_t y : train.labels)
    if (y >= 0 && std::size_t(y) < counts.size()) counts[std::size_t(y)] += 1.0;
  const double n = std::max<double>(1.0, double(train.labels.size()));
  for (std::size_t k = 0; k < bias.size(); ++k)
    bias[k] = float(std::log(std::max(counts[k], 0.5) / n));
  net_.params().apply_masks();
}

double Run::epoch_progress() const {
  return double(batcher_.epoch()) + double(batcher_.position()) / double(batcher_.num_samples());
}

int64_t Run::planned_steps() const {
  if (config_.training.steps > 0) return config_.training.steps;
  return config_.training.epochs * steps_per_epoch();
}

bool Run::evaluation_due() const {
  const int64_t every =
      config_.training.eval_interval > 0 ? config_.training.eval_interval : steps_per_epoch();
  return step_ > 0 && (step_ % every == 0 || step_ == planned_steps());
}

template <class F>
void Run::with_weights(std::span<const float> weights, F&& f) {
  auto values = net_.params().values();
  if (weights.size() != values.size())
    throw Error("evaluation: " + std::to_string(weights.size()) + " weights for a model of " +
                std::to_string(values.size()));
  std::vector<float> own(values.begin(), values.end());
  std::copy(weights.begin(), weights.end(), values.begin());
  // An average or an ensemble member taken before a prune still holds the pruned weights:
  // evaluate the network as it is now, with the current masks.
  net_.params().apply_masks();
  try {
    f();
  } catch (...) {
    std::copy(own.begin(), own.end(), values.begin());
    throw;
  }
  std::copy(own.begin(), own.end(), values.begin());
}

void Run::set_threads(int threads) {
  if (threads < 1 || threads > 256)
    throw Error("threads: must be in [1, 256], got " + std::to_string(threads));
  if (arena_ && threads == threads_) return;
  arena_ = std::make_unique<tbb::task_arena>(threads, 1);
  threads_ = threads;
}

void Run::set_batch_size(Index b) {
  batcher_.set_batch_size(b);
  config_.training.batch_size = b;
}

void Run::set_schedule(const Schedule& s) {
  validate(s, "schedule");
  config_.schedule = s;
  schedule_start_ = step_;
}

double Run::next_learning_rate() const {
  return learning_rate(config_.schedule, step_ - schedule_start_);
}

void Run::set_optimizer(const OptimizerSettings& s) {
  if (s.kind == optimizer_->kind()) {
    optimizer_->set_settings(s);
  } else {
    auto next = make_optimizer(s, net_.params().total_size());
    next->set_step_count(0);
    optimizer_ = std::move(next);
  }
  config_.optimizer = s;
}

void Run::set_frozen(const std::string& layer, bool frozen) {
  const long li = net_.find_layer(layer);
  if (li < 0) throw Error("no layer is named \"" + layer + "\"");
  const std::string prefix = layer + ".";
  bool any = false;
  for (std::size_t i = 0; i < net_.params().count(); ++i) {
    auto& info = net_.params().info(i);
    if (info.name.compare(0, prefix.size(), prefix) == 0) {
      info.frozen = frozen;
      any = true;
    }
  }
  if (!any) throw Error("layer \"" + layer + "\" has no parameters to freeze");
  auto& names = config_.training.frozen;
  names.erase(std::remove(names.begin(), names.end(), layer), names.end());
  if (frozen) names.push_back(layer);
}

void Run::set_clipping(double clip_norm, double clip_value) {
  if (!(clip_norm >= 0) || !std::isfinite(clip_norm))
    throw Error("clip_norm: must be >= 0 (0 turns it off), got " + format_number(clip_norm));
  if (!(clip_value >= 0) || !std::isfinite(clip_value))
    throw Error("clip_value: must be >= 0 (0 turns it off), got " + format_number(clip_value));
  config_.training.clip_norm = clip_norm;
  config_.training.clip_value = clip_value;
}

void Run::set_stats_interval(int64_t steps) {
  if (steps < 0)
    throw Error("stats_interval: must be >= 0 (0 turns it off), got " + std::to_string(steps));
  config_.monitor.stats_interval = steps;
}

void Run::in_arena(const std::function<void()>& f) { arena_->execute(f); }

void Run::set_sharpness_interval(int64_t steps) {
  if (steps < 0)
    throw Error("sharpness_interval: must be >= 0 (0 turns it off), got " + std::to_string(steps));
  config_.monitor.sharpness_interval = steps;
}

void Run::set_spike_factor(double factor) {
  if (!(factor == 0.0 || (std::isfinite(factor) && factor > 1.0)))
    throw Error("spike_factor: must be 0 (off) or > 1, got " + format_number(factor));
  config_.monitor.spike_factor = factor;
}

void Run::set_dropout(double rate) {
  for (std::size_t i = 0; i < net_.num_layers(); ++i)
    if (net_.layer(i).spec().kind == LayerKind::dropout) net_.layer(i).set_rate(rate);
  for (auto& l : config_.model.layers)
    if (l.kind == LayerKind::dropout) l.rate = rate;
}

std::optional<PruneResult> Run::apply_scheduled_pruning() {
  if (!config_.pruning || !is_pruning_step(*config_.pruning, step_)) return std::nullopt;
  PruneRequest req;
  req.criterion = PruneCriterion::magnitude;
  req.layers = config_.pruning->layers;
  req.global = config_.pruning->global;
  req.sparsity = planned_sparsity(*config_.pruning, step_);
  PruneResult r = prune(net_, *optimizer_, req);
  const bool removed = std::any_of(r.layers.begin(), r.layers.end(),
                                   [](const LayerPruneResult& l) { return l.removed > 0; });
  if (!removed) return std::nullopt;
  return r;
}

double Run::sparsity() const {
  const auto& p = net_.params();
  if (!config_.pruning || config_.pruning->layers.empty()) return p.pruned_fraction();
  std::size_t pruned = 0, total = 0;
  for (const auto& name : config_.pruning->layers) {
    const long w = p.find(name + ".weight");
    if (w < 0) continue;
    pruned += p.pruned_count(std::size_t(w));
    total += p.info(std::size_t(w)).size;
  }
  return total > 0 ? double(pruned) / double(total) : 0.0;
}

StepReport Run::train_step(const StepGuard& guard) {
  apply_scheduled_pruning();
  StepReport r;
  r.step = step_ + 1;
  r.lr = next_learning_rate();
  const BatcherState before = batcher_.state();
  const auto batch = batcher_.next();
  const uint64_t dropout_seed = config_.training.seed * 0x9e3779b97f4a7c15ULL + uint64_t(step_);
  auto& params = net_.params();
  // Pruned entries and frozen tensors get no update: their gradients are zeroed before the
  // norm and clipping see them.
  tensor_grad_sq_.resize(params.count());
  const GradientFinish finish{
      &params.infos(),
      params.has_pruning() ? std::span<const float>(params.masks()) : std::span<const float>(),
      tensor_grad_sq_};
  // Whether the step updates is decided inside the step runner's loop, once the gradient is
  // finished, and the update follows in that loop (StepUpdate); a refused step updates nothing.
  std::string problem;
  bool updated = false;
  auto decide = [&](const BatchStats& bs) {
    r.loss = bs.loss;
    r.accuracy = bs.accuracy;
    double total_sq = 0.0;
    for (double sq : tensor_grad_sq_) total_sq += sq;
    r.grad_norm = std::sqrt(total_sq);
    if (!std::isfinite(r.loss))
      problem = "the loss is " + format_number(r.loss);
    else if (!std::isfinite(r.grad_norm))
      problem = "the gradient norm is " + format_number(r.grad_norm);
    else if (r.loss > guard.max_loss)
      problem = "the loss jumped to " + format_number(r.loss) + " (the outlier limit was " +
                format_number(guard.max_loss) + ")";
    else if (r.grad_norm > guard.max_grad_norm)
      problem = "the gradient norm jumped to " + format_number(r.grad_norm) +
                " (the outlier limit was " + format_number(guard.max_grad_norm) + ")";
    if (!problem.empty()) return false;
    if (config_.training.clip_value > 0) clip_by_value(grad_, config_.training.clip_value);
    if (config_.training.clip_norm > 0) clip_by_norm(grad_, config_.training.clip_norm);
    std::span<UpdateNorm> norms;
    if (config_.monitor.stats_interval > 0) {
      tensor_updates_.resize(params.count());
      norms = tensor_updates_;
    }
    // A schedule that cycles the momentum (or beta1) sets it for this step.
    if (const auto m = scheduled_momentum(config_.schedule, step_ - schedule_start_)) {
      const OptimizerSettings o = with_momentum(optimizer_->settings(), *m);
      if (!(o == optimizer_->settings())) {
        optimizer_->set_settings(o);
        config_.optimizer = o;
      }
    }
    optimizer_->begin_step(params.values(), grad_, params.infos(), float(r.lr), norms);
    return updated = true;
  };
  auto update = make_step_update(decide, [&](std::size_t k) { optimizer_->update_piece(k); });
  runner_.gradient(net_, config_.loss, data_->train, batch, dropout_seed, *arena_, grad_, finish,
                   batcher_.upcoming(), &update);
  if (!updated) {
    batcher_.set_state(before);  // the refused step consumes no batch either
    r.finite = false;
    r.problem = problem + " at step " + std::to_string(r.step) + "; the weights were not updated";
    r.epoch = epoch_progress();
    return r;
  }
  optimizer_->end_step();
  params.apply_masks();
  if (polyak_ && step_ >= config_.averaging.polyak_start) polyak_->update(params.values());
  if (ema_) ema_->update(params.values());
  if (config_.averaging.snapshot_ensemble &&
      is_cycle_end(config_.schedule, step_ - schedule_start_)) {
    ensemble_.members.emplace_back(params.values().begin(), params.values().end());
    ensemble_.steps.push_back(step_ + 1);
  }
  ++step_;
  r.epoch = epoch_progress();
  r.sparsity = sparsity();
  return r;
}

std::size_t RunState::bytes() const {
  std::size_t n = (values.size() + masks.size() + initial.size()) * sizeof(float);
  for (const auto& b : optimizer_state) n += b.size() * sizeof(float);
  if (polyak) n += polyak->sums().size() * sizeof(double);
  if (ema) n += ema->sums().size() * sizeof(double);
  for (const auto& m : ensemble.members) n += m.size() * sizeof(float);
  return n;
}

RunState Run::capture() const {
  RunState s;
  s.step = step_;
  s.schedule_start = schedule_start_;
  s.scripts_applied = scripts_applied_;
  s.config = config_;
  const auto& p = net_.params();
  s.values.assign(p.values().begin(), p.values().end());
  s.masks.assign(p.masks().begin(), p.masks().end());
  s.initial = initial_;
  for (const auto& info : p.infos()) s.frozen.push_back(info.frozen);
  for (const auto& [name, buf] : const_cast<Optimizer&>(*optimizer_).state_buffers())
    s.optimizer_state.push_back(*buf);
  s.optimizer_steps = optimizer_->step_count();
  s.batcher = batcher_.state();
  s.polyak = polyak_;
  s.ema = ema_;
  s.ensemble = ensemble_;
  return s;
}

void Run::restore(const RunState& s) {
  auto& p = net_.params();
  if (s.values.size() != p.total_size() || s.masks.size() != p.total_size() ||
      s.initial.size() != p.total_size() || s.frozen.size() != p.count())
    throw Error("restore: the saved state is for a model of " + std::to_string(s.values.size()) +
                " parameters, this one has " + std::to_string(p.total_size()));
  // Everything that can throw first: the optimizer and the batcher.
  std::unique_ptr<Optimizer> opt = make_optimizer(s.config.optimizer, p.total_size());
  auto buffers = opt->state_buffers();
  if (buffers.size() != s.optimizer_state.size())
    throw Error("restore: the saved optimizer state has " +
                std::to_string(s.optimizer_state.size()) + " buffers, " + to_string(opt->kind()) +
                " keeps " + std::to_string(buffers.size()));
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    if (s.optimizer_state[i].size() != buffers[i].second->size())
      throw Error("restore: optimizer buffer " + buffers[i].first + " has the wrong size");
    *buffers[i].second = s.optimizer_state[i];
  }
  opt->set_step_count(s.optimizer_steps);
  const BatcherState previous = batcher_.state();
  batcher_.set_state(s.batcher);
  try {
    set_dropout_layers(s.config);
  } catch (...) {
    batcher_.set_state(previous);
    throw;
  }
  optimizer_ = std::move(opt);
  config_ = s.config;
  step_ = s.step;
  schedule_start_ = s.schedule_start;
  scripts_applied_ = s.scripts_applied;
  std::copy(s.values.begin(), s.values.end(), p.values().begin());
  std::copy(s.masks.begin(), s.masks.end(), p.masks().begin());
  p.refresh_pruning();
  initial_ = s.initial;
  for (std::size_t i = 0; i < p.count(); ++i) p.info(i).frozen = s.frozen[i] != 0;
  polyak_ = s.polyak;
  ema_ = s.ema;
  ensemble_ = s.ensemble;
}

void Run::set_dropout_layers(const ExperimentConfig& c) {
  std::vector<double> rates;
  for (const auto& l : c.model.layers)
    if (l.kind == LayerKind::dropout) rates.push_back(l.rate);
  std::size_t have = 0;
  for (std::size_t k = 0; k < net_.num_layers(); ++k)
    have += net_.layer(k).spec().kind == LayerKind::dropout;
  if (have != rates.size())
    throw Error("restore: the saved model has " + std::to_string(rates.size()) +
                " dropout layers, this one " + std::to_string(have));
  std::size_t i = 0;
  for (std::size_t k = 0; k < net_.num_layers(); ++k)
    if (net_.layer(k).spec().kind == LayerKind::dropout) net_.layer(k).set_rate(rates[i++]);
}

BatchStats Run::evaluate(const Dataset& d, std::vector<int32_t>* predictions) {
  return runner_.evaluate(net_, config_.loss, d, *arena_, eval_chunk(), predictions);
}

Index Run::eval_chunk() const {
  // About 64 MB of activations and caches per shard, and at most 500 samples a pass.
  const double per_sample = std::max(1.0, net_.floats_per_sample());
  return std::clamp<Index>(Index((64.0 * 1024 * 1024 / 4) / per_sample), 8, 500);
}

BatchStats Run::evaluate_weights(std::span<const float> weights, const Dataset& d) {
  BatchStats s;
  with_weights(weights,
               [&] { s = runner_.evaluate(net_, config_.loss, d, *arena_, eval_chunk()); });
  return s;
}

BatchStats Run::evaluate_ensemble(const Dataset& d) {
  BatchStats out;
  if (ensemble_.members.empty() || d.size() == 0) return out;
  Matrix<float> probs;
  for (const auto& m : ensemble_.members)
    with_weights(m, [&] {
      runner_.evaluate(net_, config_.loss, d, *arena_, eval_chunk(), nullptr, &probs);
    });
  std::vector<int32_t> pred(std::size_t(d.size()));
  predict<float>(probs, pred);
  Index correct = 0;
  double loss = 0;
  const double k = double(ensemble_.members.size());
  for (Index i = 0; i < d.size(); ++i) {
    const int32_t y = d.labels[std::size_t(i)];
    correct += pred[std::size_t(i)] == y;
    loss -= std::log(std::max(1e-30, double(probs(y, i)) / k));
  }
  out.samples = d.size();
  out.accuracy = double(correct) / double(d.size());
  out.loss = loss / double(d.size());
  return out;
}

bool train_until(Run& run, int64_t target, const std::string& what, const std::atomic<bool>* cancel,
                 const std::function<void()>& after_step) {
  while (run.steps_done() < target) {
    if (cancel && cancel->load(std::memory_order_relaxed)) return false;
    const StepReport r = run.train_step();
    if (!r.finite)
      throw Error(what + " diverged at step " + std::to_string(r.step) + ": " + r.problem);
    if (after_step) after_step();
  }
  return true;
}

}  // namespace ts
