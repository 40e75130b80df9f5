#include "core/train/trainer.h"

#include "core/analysis/spectra.h"
#include "core/error.h"
#include "core/experiment/experiment_data.h"
#include "core/experiment/experiment_json.h"
#include "core/optim/optimizer_json.h"
#include "core/prune/prune.h"
#include "core/run/checkpoint.h"
#include "core/schedule/schedule_json.h"
#include "core/text_format.h"

#include <pthread.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <utility>

namespace ts {

const char* to_string(TrainerState s) {
  switch (s) {
    case TrainerState::idle:
      return "idle";
    case TrainerState::running:
      return "running";
    case TrainerState::paused:
      return "paused";
    case TrainerState::stopped:
      return "stopped";
  }
  return "unknown";
}

void planned_learning_rates(const TrainerStatus& s, std::span<double> out) {
  planned_rates(s.config.schedule, s.step - s.schedule_start, out);
}

namespace {
using Clock = std::chrono::steady_clock;

// The probe batch: the first samples of the validation set (else the training set).
Matrix<float> probe_batch(const DataSplits& d, Index samples) {
  const Dataset& src = d.validation.size() > 0 ? d.validation : d.train;
  const Index n = std::min(samples, src.size());
  std::vector<uint32_t> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), 0u);
  std::vector<int32_t> labels(idx.size());
  Matrix<float> x;
  fill_batch(src, idx, x, labels);
  return x;
}

// The loss of a prediction that knows nothing: ln K for cross-entropy over K classes; none
// for the mean squared error, whose scale depends on the targets.
double chance_loss(const Run& run) {
  const Index k = run.data().train.num_classes;
  return run.config().loss == LossKind::cross_entropy && k > 1 ? std::log(double(k)) : 0.0;
}

// The same architecture and data; dropout rates are live settings and may differ.
bool same_model(ExperimentConfig a, ExperimentConfig b) {
  for (auto* c : {&a, &b})
    for (auto& l : c->model.layers)
      if (l.kind == LayerKind::dropout) l.rate = 0.0;
  const auto ja = to_json(a), jb = to_json(b);
  return ja.at("model") == jb.at("model") && ja.at("data") == jb.at("data") &&
         a.training.shards == b.training.shards;
}
}  // namespace

Trainer::Trainer(std::unique_ptr<Run> run, TrainerOptions options)
    : run_(std::move(run)),
      options_(std::move(options)),
      layers_(stat_layers(run_->network())),
      detector_(run_->config().monitor.spike_factor, 50, chance_loss(*run_)) {
  if (!options_.run_dir.empty()) {
    std::vector<std::string> names;
    for (const auto& l : layers_) names.push_back(l.name);
    recorder_.emplace(options_.run_dir, run_->config(), options_.append, names, run_->steps_done());
  }
  probe_x_ = probe_batch(run_->data(), run_->config().monitor.probe_samples);
  probes_.resize(layers_.size());
  layer_grad_.assign(layers_.size(), 0.0);
  layer_ratio_.assign(layers_.size(), 0.0);
  initial_ = initial_state();
  const int64_t step = run_->steps_done();
  step_.store(step, std::memory_order_release);
  current_ = std::make_shared<TrainerMetrics>(generation_, layers_);
  metrics_ = current_;
  // Before the first step too: what the initialization does to each layer shows at once. (A
  // resumed run's files hold the probe of the step it resumes at already.)
  if (run_->config().monitor.stats_interval > 0 && step == 0) probe_if_new();
  publish_weights();
  publish_status(true);
  if (recorder_) {
    std::string detail = run_->config().name;
    if (recorder_->dropped_rows() > 0)
      detail += "; resumed at step " + std::to_string(step) + ", dropping " +
                std::to_string(recorder_->dropped_rows()) + " rows written after it";
    recorder_->record_event(step, "open", detail);
  }
  thread_ = std::thread([this] { loop(); });
}

Trainer::~Trainer() {
  {
    std::lock_guard lock(queue_mutex_);
    quit_.store(true, std::memory_order_release);
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (recorder_) recorder_->flush();
}

uint64_t Trainer::submit(Command c) {
  uint64_t id;
  {
    std::lock_guard lock(queue_mutex_);
    id = next_id_++;
    queue_.emplace_back(id, std::move(c));
  }
  queue_cv_.notify_one();
  return id;
}

std::future<std::shared_ptr<const StateCapture>> Trainer::capture() {
  std::promise<std::shared_ptr<const StateCapture>> p;
  auto f = p.get_future();
  {
    std::lock_guard lock(queue_mutex_);
    if (quit_.load()) {
      p.set_exception(
          std::make_exception_ptr(Error("the trainer has stopped; nothing to capture")));
      return f;
    }
    captures_.push_back(std::move(p));
  }
  queue_cv_.notify_one();
  return f;
}

void Trainer::fulfil_captures(
    std::vector<std::promise<std::shared_ptr<const StateCapture>>>& requests) {
  if (requests.empty()) return;
  auto c = std::make_shared<StateCapture>(StateCapture{run_->capture(), run_->data_ptr()});
  for (auto& p : requests) p.set_value(c);
  requests.clear();
}

bool Trainer::wait_applied(uint64_t id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(queue_mutex_);
  return applied_cv_.wait_for(lock, timeout, [&] {
    return applied_id_.load(std::memory_order_acquire) >= id || quit_.load();
  });
}

bool Trainer::wait_settled(std::chrono::milliseconds timeout) {
  std::unique_lock lock(queue_mutex_);
  return applied_cv_.wait_for(lock, timeout, [&] {
    return (queue_.empty() && applied_id_.load(std::memory_order_acquire) + 1 >= next_id_ &&
            state_.load() != TrainerState::running) ||
           quit_.load();
  });
}

std::shared_ptr<const TrainerMetrics> Trainer::metrics() const {
  std::lock_guard lock(publish_mutex_);
  return metrics_;
}
std::shared_ptr<const TrainerStatus> Trainer::status() const {
  std::lock_guard lock(publish_mutex_);
  return status_;
}
std::shared_ptr<const WeightSnapshot> Trainer::weights() const {
  std::lock_guard lock(publish_mutex_);
  return weights_;
}

void Trainer::apply_due_scripts() {
  // Scripted commands for the current step, in order. Re-read the script each time: a
  // scripted "load" replaces the run (and its config) under our feet.
  while (true) {
    const auto& script = run_->config().script;
    const std::size_t pos = run_->scripts_applied();
    if (pos >= script.size() || script[pos].at > run_->steps_done()) return;
    const ScriptedCommand sc = script[pos];
    run_->set_scripts_applied(pos + 1);
    if (sc.at == run_->steps_done()) apply(sc.command, 0);
  }
}

void Trainer::loop() {
  pthread_setname_np(pthread_self(), "ts-trainer");
  std::vector<std::pair<uint64_t, Command>> batch;
  std::vector<std::promise<std::shared_ptr<const StateCapture>>> captures;
  while (!quit_.load(std::memory_order_acquire)) {
    try {
      apply_due_scripts();
      bool idle;
      {
        std::lock_guard lock(queue_mutex_);
        idle = queue_.empty() && captures_.empty() && state_.load() != TrainerState::running;
      }
      if (idle) {
        publish_status(true);
        std::unique_lock lock(queue_mutex_);
        applied_cv_.notify_all();
        queue_cv_.wait(lock, [&] { return !queue_.empty() || !captures_.empty() || quit_.load(); });
        if (quit_.load()) break;
      }
      {
        std::lock_guard lock(queue_mutex_);
        batch.swap(queue_);
        for (auto& p : captures_) captures.push_back(std::move(p));
        captures_.clear();
      }
      for (auto& [id, c] : batch) apply(c, id);  // never throws: a failure is a "rejected" event
      if (!batch.empty()) apply_due_scripts();   // a reset or rewind in the batch went back
      batch.clear();
      fulfil_captures(captures);  // after the commands submitted before it
      if (state_.load() == TrainerState::running) {
        // Slow motion: no step before its time, waiting for it the way an idle trainer
        // waits for commands, so a pause or a new speed applies at once.
        if (pace_ > 0) {
          const auto now = Clock::now();
          const auto period = std::chrono::duration_cast<Clock::duration>(
              std::chrono::duration<double>(1.0 / pace_));
          if (now - paced_at_ > 4 * period) paced_at_ = now - period;  // after a pause: no burst
          const auto due = paced_at_ + period;
          if (now < due) {
            publish_status(false);
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait_until(
                lock, due, [&] { return !queue_.empty() || !captures_.empty() || quit_.load(); });
            continue;
          }
          paced_at_ = due;
        }
        train_one();
      }
    } catch (const std::exception& ex) {
      // Whatever failed between commands (an evaluation, a probe, a capture): pause and say
      // so. Captures still owed are answered with the failure rather than left waiting.
      for (auto& p : captures) p.set_exception(std::current_exception());
      captures.clear();
      problem_ = std::string("Training paused: ") + ex.what();
      record(Event{0, 0, EventKind::error, problem_, {}, {}});
      steps_left_ = -1;
      set_state(TrainerState::paused);
    }
  }
  publish_status(true);
  std::lock_guard lock(queue_mutex_);
  for (auto& p : captures_) captures.push_back(std::move(p));
  for (auto& p : captures)
    p.set_exception(
        std::make_exception_ptr(Error("the trainer stopped before the capture was taken")));
  captures_.clear();
}

void Trainer::write_files(const char* what, const std::function<void()>& f) {
  if (!recorder_) return;
  try {
    f();
  } catch (const std::exception& ex) {
    // A full disk or a removed directory: keep training state, stop writing, and say so.
    recorder_.reset();
    problem_ = std::string("Stopped writing the run directory (") + what + "): " + ex.what();
    Event e{run_->steps_done(), 0, EventKind::error, problem_, {}, {}};
    events_.push(e);
    if (state_.load() == TrainerState::running) {
      steps_left_ = -1;
      // Through set_state, so the status says so at once: a caller that waits for the
      // trainer to settle must not read the status of before the pause.
      set_state(TrainerState::paused);
    }
  }
}

void Trainer::set_state(TrainerState s) {
  if (s == TrainerState::running && state_.load() != TrainerState::running) {
    rate_start_ = Clock::now();
    rate_steps_ = 0;
  }
  state_.store(s, std::memory_order_release);
  if (s != TrainerState::running) publish_weights();
  publish_status(true);
}

void Trainer::record(Event e) {
  e.step = run_->steps_done();
  write_files("events", [&] {
    recorder_->record_event(e.step, to_string(e.kind), e.detail, e.before, e.after);
  });
  events_.push(e);
}

void Trainer::train_one() {
  maybe_keyframe();
  // The gradual-pruning schedule's step, as an event of its own before the training step.
  if (const auto pruned = run_->apply_scheduled_pruning()) {
    char sparsity[32];
    std::snprintf(sparsity, sizeof sparsity, "%.1f%%", 100.0 * run_->sparsity());
    record(Event{0,
                 0,
                 EventKind::prune,
                 std::string("(scheduled) gradual pruning to ") + sparsity +
                     " sparsity: " + pruned->summary(),
                 {},
                 {}});
    detector_.reset();  // a jump is expected now
    publish_weights();
  }
  StepGuard guard = detector_.guard();
  const bool guarded = !skip_guard_once_;
  if (skip_guard_once_) {
    guard = StepGuard{};
    skip_guard_once_ = false;
  }
  const StepReport r = run_->train_step(guard);
  if (!r.finite) {
    problem_ = "Training diverged: " + r.problem + ".";
    // The newest kept state before this step (one at this very step would only repeat it).
    rewind_to_ = 0;
    for (const auto& k : keyframes_)
      if (k.step < run_->steps_done()) rewind_to_ = std::max(*rewind_to_, k.step);
    Event e;
    e.kind = EventKind::divergence;
    e.detail = r.problem + "; paused" + "; rewind to step " + std::to_string(*rewind_to_) +
               " (the last kept state before it)" + " or change a setting and resume";
    record(std::move(e));
    skip_guard_once_ = std::isfinite(r.loss) && std::isfinite(r.grad_norm);
    steps_left_ = -1;
    set_state(TrainerState::paused);
    return;
  }
  if (guarded) detector_.observe(r.loss, r.grad_norm);  // a let-through spike is no baseline
  const int64_t s = r.step;
  TrainerMetrics& m = *current_;
  m.loss.push(s, float(r.loss));
  m.accuracy.push(s, float(r.accuracy));
  m.lr.push(s, float(r.lr));
  m.grad_norm.push(s, float(r.grad_norm));
  m.sparsity.push(s, float(r.sparsity));
  const bool layer_series = run_->config().monitor.stats_interval > 0;
  if (layer_series) {
    const auto gsq = run_->tensor_grad_sq();
    const auto upd = run_->tensor_updates();
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      double sq = 0.0;
      for (std::size_t t : layers_[i].tensors) sq += gsq[t];
      layer_grad_[i] = std::sqrt(sq);
      const long w = layers_[i].weight;
      layer_ratio_[i] = (w >= 0 && !upd.empty() && upd[std::size_t(w)].value_sq > 0)
                            ? std::sqrt(upd[std::size_t(w)].delta_sq / upd[std::size_t(w)].value_sq)
                            : 0.0;
      m.layers[i]->grad_norm.push(s, float(layer_grad_[i]));
      m.layers[i]->update_ratio.push(s, float(layer_ratio_[i]));
    }
  }
  std::optional<EvalPoint> eval;
  if (run_->evaluation_due()) {
    eval = EvalPoint{run_->evaluate(run_->data().validation), run_->evaluate(run_->data().test)};
    if (eval->validation.samples > 0) {
      m.validation_loss.push(s, float(eval->validation.loss));
      m.validation_accuracy.push(s, float(eval->validation.accuracy));
    }
    if (eval->test.samples > 0) {
      m.test_loss.push(s, float(eval->test.loss));
      m.test_accuracy.push(s, float(eval->test.accuracy));
    }
    last_eval_ = eval;
    last_eval_step_ = s;
    record_spectra();
  }
  write_files("metrics", [&] {
    if (layer_series)
      recorder_->record_step(r, eval, layer_grad_, layer_ratio_);
    else
      recorder_->record_step(r, eval);
  });
  const int64_t interval = run_->config().monitor.stats_interval;
  if (interval > 0 && s % interval == 0) probe();
  step_.store(s, std::memory_order_release);
  const int64_t ckpt = run_->config().training.checkpoint_interval;
  if (recorder_ && ckpt > 0 && s % ckpt == 0) {
    const auto path = recorder_->dir().checkpoint_path(s);
    bool saved = false;
    write_files("checkpoint", [&] {
      // Rows up to this step reach the files first: a run resumed from this checkpoint
      // after a crash continues its metrics without a gap.
      recorder_->flush();
      save_checkpoint(*run_, path);
      saved = true;
    });
    if (saved) record(Event{0, 0, EventKind::checkpoint, path.string(), {}, {}});
  }
  if (eval && watch_early_stopping(*eval)) return;
  ++rate_steps_;
  const auto now = Clock::now();
  const double secs = std::chrono::duration<double>(now - rate_start_).count();
  if (secs >= 0.5) {
    samples_per_s_ = double(rate_steps_) * double(run_->batcher().batch_size()) / secs;
    rate_start_ = now;
    rate_steps_ = 0;
  }
  // Headless runs end at (or, after a change of batch size under an epoch plan, past) the
  // plan; the window pauses once, where the plan ends, and may train on.
  const int64_t planned = run_->planned_steps();
  if (options_.stop_at_plan_end ? s >= planned : s == planned) {
    steps_left_ = -1;
    if (options_.stop_at_plan_end) {
      end_run("reached the planned " + std::to_string(s) + " steps");
    } else {
      record(
          Event{0,
                0,
                EventKind::end,
                "reached the planned " + std::to_string(s) + " steps; paused (resume to train on)",
                {},
                {}});
      set_state(TrainerState::paused);
    }
  } else if (steps_left_ > 0 && --steps_left_ == 0) {
    steps_left_ = -1;
    if (run_->config().monitor.stats_interval > 0) probe_if_new();  // what the steps did
    set_state(TrainerState::paused);
  } else {
    publish_status(false);
  }
}

bool Trainer::watch_early_stopping(const EvalPoint& eval) {
  const auto& es = run_->config().training.early_stopping;
  if (!es || eval.validation.samples == 0) return false;
  const bool accuracy = es->metric == EarlyStopping::Metric::validation_accuracy;
  const double v = accuracy ? eval.validation.accuracy : eval.validation.loss;
  const bool improved = !early_.state || (accuracy ? v > early_.best + es->min_delta
                                                   : v < early_.best - es->min_delta);
  if (improved) {
    early_.best = v;
    early_.step = run_->steps_done();
    early_.waited = 0;
    early_.state = run_->capture();
    return false;
  }
  if (++early_.waited < es->patience) return false;
  char best_text[32];
  std::snprintf(best_text, sizeof best_text, "%.4g", early_.best);
  const std::string what = std::string(accuracy ? "validation accuracy " : "validation loss ") +
                           "did not improve on " + best_text + " (step " +
                           std::to_string(early_.step) + ") for " + std::to_string(es->patience) +
                           " evaluations";
  RunState best = std::move(*early_.state);
  const int64_t best_step = early_.step;
  Event e;
  e.kind = EventKind::early_stop;
  steps_left_ = -1;
  if (options_.stop_at_plan_end) {
    // Headless: back to the best evaluation, whose state becomes the final checkpoint.
    restore_kept(best, "the best evaluation", false, e);  // forgets early_ too: a new line
    e.detail = "early stopping: " + what + "; " + e.detail;
    record(std::move(e));
    end_run("stopped early: " + what);
    return true;
  }
  // The window: pause where the metric stopped improving, so the rise stays on the charts,
  // and keep the best state as a snapshot that one click rewinds to.
  const std::string label = std::string("best ") +
                            (accuracy ? "validation accuracy" : "validation loss") + " (step " +
                            std::to_string(best_step) + ")";
  snapshots_[label] = std::move(best);
  early_ = EarlyWatch{};
  notice_ = "Stopped early: " + what + ". Rewind to its state, or resume to train on.";
  rewind_to_ = best_step;
  e.detail =
      "early stopping: " + what + "; paused, the best state kept as snapshot \"" + label + "\"";
  record(std::move(e));
  set_state(TrainerState::paused);
  return true;
}

void Trainer::record_spectra() {
  const int64_t s = run_->steps_done();
  const auto& params = run_->network().params();
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const long w = layers_[i].weight;
    if (w < 0) continue;
    const ParamInfo& info = params.info(std::size_t(w));
    const Index rows = info.shape.at(0), cols = Index(info.size) / rows;
    SingularValues sv{s, {}};
    for (double v : singular_values(to_matrix(params.values(std::size_t(w)), rows, cols)))
      sv.values.push_back(float(v));
    current_->layers[i]->singular_values.push(sv);
    write_files("spectra", [&] { recorder_->record_spectrum(s, layers_[i].name, sv.values); });
  }
}

void Trainer::probe() {
  const auto& net = run_->network();
  net.prepare(probe_ws_);
  probe_ws_.acts[0] = probe_x_;
  PassContext ctx;
  ctx.training = false;
  net.forward(probe_ws_, ctx);
  const int64_t s = run_->steps_done();
  TrainerMetrics& m = *current_;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    LayerProbe& p = probes_[i];
    measure_activations(layers_[i], probe_ws_, p);
    measure_weights(layers_[i], net.params(), run_->initial_values(), p);
    p.histogram.step = s;
    LayerSeries& l = *m.layers[i];
    l.act_mean.push(s, float(p.mean));
    l.act_std.push(s, float(p.std));
    l.saturated.push(s, float(p.saturated));
    l.dead.push(s, float(p.dead));
    l.weight_norm.push(s, float(p.weight_norm));
    l.distance_init.push(s, float(p.distance_init));
    l.frame_potential.push(s, float(p.frame_potential));
    l.histograms.push(p.histogram);
  }
  write_files("layer statistics", [&] { recorder_->record_layers(s, probes_); });
  publish_weights();
}

void Trainer::probe_if_new() {
  if (layers_.empty()) return;
  const auto& h = current_->layers.front()->histograms;
  const std::size_t n = h.size();
  if (n > 0 && h[n - 1].step == run_->steps_done()) return;
  probe();
}

void Trainer::evaluate_now(Event& e) {
  const DataSplits& d = run_->data();
  if (d.validation.size() == 0 && d.test.size() == 0) return;
  const EvalPoint eval{run_->evaluate(d.validation), run_->evaluate(d.test)};
  const int64_t s = run_->steps_done();
  TrainerMetrics& m = *current_;
  std::string said;
  char part[64];
  if (eval.validation.samples > 0) {
    m.validation_loss.push(s, float(eval.validation.loss));
    m.validation_accuracy.push(s, float(eval.validation.accuracy));
    std::snprintf(part, sizeof part, "validation %.2f%%", 100.0 * eval.validation.accuracy);
    said += part;
  }
  if (eval.test.samples > 0) {
    m.test_loss.push(s, float(eval.test.loss));
    m.test_accuracy.push(s, float(eval.test.accuracy));
    std::snprintf(part, sizeof part, "%stest %.2f%%", said.empty() ? "" : "; ",
                  100.0 * eval.test.accuracy);
    said += part;
  }
  last_eval_ = eval;
  last_eval_step_ = s;
  e.detail += "; now: " + said;
}

void Trainer::maybe_keyframe() {
  const int64_t every = run_->config().monitor.keyframe_interval;
  const int64_t s = run_->steps_done();
  if (every <= 0 || s % every != 0) return;
  if (!keyframes_.empty() && keyframes_.back().step >= s) return;
  keyframes_.push_back(run_->capture());
  // Thin out to the budget: drop every other keyframe but the first and the newest.
  auto total = [&] {
    std::size_t b = 0;
    for (const auto& k : keyframes_) b += k.bytes();
    return b;
  };
  while (keyframes_.size() > 2 && total() > options_.keyframe_budget_bytes) {
    std::vector<RunState> kept;
    for (std::size_t i = 0; i < keyframes_.size(); ++i)
      if (i % 2 == 0 || i + 1 == keyframes_.size()) kept.push_back(std::move(keyframes_[i]));
    keyframes_ = std::move(kept);
  }
}

RunState Trainer::initial_state() const {
  RunState s = run_->capture();
  s.step = 0;
  s.schedule_start = 0;
  s.scripts_applied = 0;
  s.values = s.initial;
  std::fill(s.masks.begin(), s.masks.end(), 1.0f);
  for (auto& b : s.optimizer_state) std::fill(b.begin(), b.end(), 0.0f);
  s.optimizer_steps = 0;
  s.batcher.epoch = 0;
  s.batcher.position = 0;
  if (s.polyak) s.polyak->reset();
  if (s.ema) s.ema->reset();
  s.ensemble = SnapshotEnsemble{};
  return s;
}

void Trainer::new_generation(int64_t last_step) {
  auto next = TrainerMetrics::continued(*current_, last_step, ++generation_);
  current_ = std::shared_ptr<TrainerMetrics>(std::move(next));
  std::shared_ptr<const TrainerMetrics> old;
  {
    std::lock_guard lock(publish_mutex_);
    old = std::exchange(metrics_, current_);
  }
}

void Trainer::restore_kept(const RunState& s, const std::string& what, bool keep_masks, Event& e) {
  const std::vector<float> masks(run_->network().params().masks().begin(),
                                 run_->network().params().masks().end());
  e.before = "step " + std::to_string(run_->steps_done());
  run_->restore(s);
  if (keep_masks) run_->set_masks(masks);
  const int64_t step = run_->steps_done();
  e.after = "step " + std::to_string(step);
  e.detail = "rewound to " + what + " (step " + std::to_string(step) + ")" +
             (keep_masks ? ", keeping the current masks" : "");
  keyframes_.erase(std::remove_if(keyframes_.begin(), keyframes_.end(),
                                  [&](const RunState& k) { return k.step > step; }),
                   keyframes_.end());
  start_line();
}

void Trainer::start_line() {
  // What belonged to the line of history the run just left.
  detector_.restart();
  skip_guard_once_ = false;
  problem_.clear();
  rewind_to_.reset();
  steps_left_ = -1;
  final_test_.reset();
  final_checkpoint_.clear();
  early_ = EarlyWatch{};
  notice_.clear();
  if (last_eval_step_ > run_->steps_done()) last_eval_.reset();
  step_.store(run_->steps_done(), std::memory_order_release);
  new_generation(run_->steps_done());
  publish_weights();
  if (state_.load() == TrainerState::stopped) set_state(TrainerState::paused);
}

void Trainer::apply_set(const Command& c, Event& e) {
  const SettingSpec& spec = spec_of(c.setting);
  const std::string k = spec.name;
  const double v = c.value;
  auto need = [&](bool ok, const std::string& why) {
    if (!ok) throw Error("set " + k + ": " + why);
  };
  OptimizerSettings o = run_->optimizer().settings();
  // The table's checks: a finite value, an optimizer that has the setting, its range.
  const std::string problem = setting_problem(spec, v, o.kind);
  need(problem.empty(), problem);
  auto set_opt = [&](double& field) {  // the optimizer checks its own ranges
    e.before = format_number(field);
    field = v;
    run_->set_optimizer(o);
    e.after = format_number(v);
  };
  switch (c.setting) {
    case Setting::lr: {
      e.before = format_number(run_->next_learning_rate());
      Schedule s;
      s.base_lr = v;
      run_->set_schedule(s);
      e.after = format_number(v);
      e.detail = "learning rate " + e.before + " -> " + e.after + " (constant from now on)";
      return;
    }
    case Setting::momentum:
      set_opt(o.kind == OptimizerKind::rmsprop ? o.rmsprop_momentum : o.momentum);
      break;
    case Setting::beta1:
      set_opt(o.beta1);
      break;
    case Setting::beta2:
      set_opt(o.beta2);
      break;
    case Setting::rho:
      set_opt(o.rho);
      break;
    case Setting::eps:
      set_opt(o.eps);
      break;
    case Setting::weight_decay:
      set_opt(o.weight_decay);
      break;
    case Setting::dropout: {
      bool any = false;
      double old = 0;
      for (const auto& l : run_->config().model.layers)
        if (l.kind == LayerKind::dropout) {
          any = true;
          old = l.rate;
        }
      need(any, "the model has no dropout layer");
      e.before = format_number(old);
      run_->set_dropout(v);
      e.after = format_number(v);
      break;
    }
    case Setting::batch_size:
      need(v <= double(run_->data().train.size()), "must be a whole number in [1, " +
                                                       std::to_string(run_->data().train.size()) +
                                                       "], got " + format_number(v));
      e.before = std::to_string(run_->batcher().batch_size());
      run_->set_batch_size(Index(v));
      e.after = std::to_string(Index(v));
      break;
    case Setting::clip_norm:
    case Setting::clip_value: {
      const TrainingConfig& t = run_->config().training;
      const bool norm = c.setting == Setting::clip_norm;
      e.before = format_number(norm ? t.clip_norm : t.clip_value);
      run_->set_clipping(norm ? v : t.clip_norm, norm ? t.clip_value : v);
      e.after = format_number(v);
      break;
    }
    case Setting::stats_interval:
      e.before = std::to_string(run_->config().monitor.stats_interval);
      run_->set_stats_interval(int64_t(v));
      e.after = std::to_string(int64_t(v));
      break;
    case Setting::spike_factor:
      e.before = format_number(run_->config().monitor.spike_factor);
      run_->set_spike_factor(v);
      detector_.set_factor(v);
      e.after = format_number(v);
      break;
    case Setting::steps_per_s:
      // A viewing speed, not part of the experiment: 0 trains at full speed.
      e.before = pace_ > 0 ? format_number(pace_) : std::string("full speed");
      pace_ = v;
      paced_at_ = Clock::now();
      e.after = v > 0 ? format_number(v) : std::string("full speed");
      break;
    case Setting::threads:
      e.before = std::to_string(run_->threads());
      run_->set_threads(int(v));
      e.after = std::to_string(int(v));
      break;
  }
  e.detail = k + " " + e.before + " -> " + e.after;
}

void Trainer::end_run(const std::string& why) {
  const Dataset& test = run_->data().test;
  auto report = [&](const std::string& what, const BatchStats& b) {
    record(Event{
        0,
        0,
        EventKind::final,
        what + ": test loss " + format_number(b.loss) + ", accuracy " + format_number(b.accuracy),
        {},
        {}});
  };
  if (run_->polyak() && run_->polyak()->count() > 0)
    report("polyak average", run_->evaluate_weights(run_->polyak()->values(), test));
  if (run_->ema() && run_->ema()->count() > 0)
    report("ema average", run_->evaluate_weights(run_->ema()->values(), test));
  if (!run_->ensemble().members.empty())
    report("snapshot ensemble of " + std::to_string(run_->ensemble().members.size()),
           run_->evaluate_ensemble(test));
  const BatchStats t = run_->evaluate(test);
  final_test_ = t;
  std::string detail =
      why + "; test loss " + format_number(t.loss) + ", accuracy " + format_number(t.accuracy);
  write_files("final checkpoint", [&] {
    const auto path = recorder_->dir().checkpoint_path(run_->steps_done());
    recorder_->flush();
    save_checkpoint(*run_, path);
    final_checkpoint_ = path.string();
    detail += "; checkpoint " + path.string();
  });
  steps_left_ = -1;
  record(Event{0, 0, EventKind::end, detail, {}, {}});
  set_state(TrainerState::stopped);
}

void Trainer::apply(const Command& c, uint64_t id) {
  Event e;
  e.command = id;
  e.kind = event_kind_of(c.kind);
  const TrainerState st = state_.load();
  try {
    switch (c.kind) {
      case CommandKind::start:
      case CommandKind::resume:
        if (st == TrainerState::stopped)
          throw Error("the run was stopped; reset it to train again");
        e.detail = st == TrainerState::running ? "already running" : "training";
        problem_.clear();
        notice_.clear();
        rewind_to_.reset();
        steps_left_ = -1;
        set_state(TrainerState::running);
        break;
      case CommandKind::pause:
        e.detail = st == TrainerState::running ? "paused" : "not running";
        steps_left_ = -1;
        if (st == TrainerState::running) set_state(TrainerState::paused);
        break;
      case CommandKind::step:
        if (st == TrainerState::stopped)
          throw Error("the run was stopped; reset it to train again");
        if (c.count < 1) throw Error("step: the count must be >= 1");
        e.detail = "training " + std::to_string(c.count) + " step(s), then pausing";
        steps_left_ = c.count;
        set_state(TrainerState::running);
        break;
      case CommandKind::stop:
        e.detail = st == TrainerState::stopped ? "already stopped" : "stopping";
        break;
      case CommandKind::reset:
        e.before = "step " + std::to_string(run_->steps_done());
        run_->reinitialize();
        keyframes_.clear();
        initial_ = initial_state();
        last_eval_.reset();
        start_line();
        e.after = "step 0";
        e.detail = "re-initialized from seed " + std::to_string(run_->config().training.seed);
        if (run_->config().monitor.stats_interval > 0) probe_if_new();
        set_state(TrainerState::idle);
        break;
      case CommandKind::set:
        apply_set(c, e);
        break;
      case CommandKind::schedule:
        if (cycles_momentum(c.schedule) && !has_cyclable_momentum(run_->optimizer().kind()))
          throw Error(std::string("schedule.cycle_momentum: the ") +
                      to_string(run_->optimizer().kind()) +
                      " optimizer has no momentum or beta1 to cycle");
        e.before = to_json(run_->schedule()).dump();
        run_->set_schedule(c.schedule);
        e.after = to_json(c.schedule).dump();
        e.detail = "schedule " + e.after + " from step " + std::to_string(run_->steps_done());
        break;
      case CommandKind::optimizer: {
        const OptimizerKind old = run_->optimizer().kind();
        e.before = to_json(run_->optimizer().settings()).dump();
        run_->set_optimizer(c.optimizer);
        e.after = to_json(c.optimizer).dump();
        e.detail = old == c.optimizer.kind
                       ? std::string("optimizer settings changed; its state is kept")
                       : std::string("optimizer ") + to_string(old) + " -> " +
                             to_string(c.optimizer.kind) + "; its state starts from zero (" +
                             to_string(old) + "'s state does not carry over)";
        break;
      }
      case CommandKind::freeze:
      case CommandKind::unfreeze:
        run_->set_frozen(c.layer, c.kind == CommandKind::freeze);
        e.detail = c.layer + (c.kind == CommandKind::freeze ? " frozen" : " trainable again");
        break;
      case CommandKind::prune: {
        const PruneResult r = prune(run_->network(), run_->optimizer(), c.prune);
        e.detail = describe(c) + ": " + r.summary();
        if (run_->polyak() || run_->ema() || !run_->ensemble().members.empty())
          e.detail +=
              "; the averages kept so far now evaluate the pruned network (the masks apply to "
              "them)";
        evaluate_now(e);
        publish_weights();
        break;
      }
      case CommandKind::snapshot:
        if (c.label.empty()) throw Error("snapshot: the label must not be empty");
        snapshots_[c.label] = run_->capture();
        e.detail = "kept the state of step " + std::to_string(run_->steps_done()) + " as \"" +
                   c.label + "\"";
        break;
      case CommandKind::rewind: {
        if (c.target == RewindTarget::initialization) {
          restore_kept(initial_, "the initialization", c.keep_masks, e);
        } else if (c.target == RewindTarget::snapshot) {
          const auto it = snapshots_.find(c.label);
          if (it == snapshots_.end())
            throw Error("rewind: no snapshot is labelled \"" + c.label + "\"");
          restore_kept(it->second, "snapshot \"" + c.label + "\"", c.keep_masks, e);
        } else {
          if (c.step < 0) throw Error("rewind: the step must be >= 0");
          const RunState* best = &initial_;
          for (const auto& k : keyframes_)
            if (k.step <= c.step && k.step >= best->step) best = &k;
          for (const auto& [label, k] : snapshots_)
            if (k.step <= c.step && k.step > best->step) best = &k;
          restore_kept(*best, "the kept state nearest to step " + std::to_string(c.step),
                       c.keep_masks, e);
        }
        evaluate_now(e);
        if (run_->config().monitor.stats_interval > 0) probe_if_new();
        break;
      }
      case CommandKind::save: {
        // No path: the run directory's own checkpoint of the step applied at, named for it.
        std::string path = c.path;
        if (path.empty()) {
          if (!recorder_) throw Error("save: no file named and no run directory to save into");
          recorder_->flush();
          path = recorder_->dir().checkpoint_path(run_->steps_done()).string();
        }
        save_checkpoint(*run_, path);
        e.detail =
            "checkpoint of step " + std::to_string(run_->steps_done()) + " written to " + path;
        break;
      }
      case CommandKind::load: {
        ExperimentConfig cfg = checkpoint_config(c.path);
        if (!same_model(cfg, run_->config()))
          throw Error(c.path +
                      ": the checkpoint is for another model or dataset; open it as a new "
                      "experiment");
        auto next = std::make_unique<Run>(cfg, run_->data_ptr());
        load_checkpoint(*next, c.path);
        next->set_threads(run_->threads());
        next->set_stats_interval(run_->config().monitor.stats_interval);  // the live setting
        e.before = "step " + std::to_string(run_->steps_done());
        run_ = std::move(next);
        keyframes_.clear();
        initial_ = initial_state();
        detector_ = SpikeDetector(run_->config().monitor.spike_factor, 50, chance_loss(*run_));
        last_eval_.reset();
        start_line();
        const int64_t step = run_->steps_done();
        e.after = "step " + std::to_string(step);
        e.detail = "loaded " + c.path + " (step " + std::to_string(step) + ")";
        evaluate_now(e);
        if (run_->config().monitor.stats_interval > 0) probe_if_new();
        break;
      }
    }
  } catch (const std::exception& ex) {
    e.kind = EventKind::rejected;
    e.detail = describe(c) + ": " + ex.what();
    problem_ = e.detail;
  }
  const bool changes_training = c.kind == CommandKind::set || c.kind == CommandKind::schedule ||
                                c.kind == CommandKind::optimizer || c.kind == CommandKind::freeze ||
                                c.kind == CommandKind::unfreeze || c.kind == CommandKind::prune;
  if (e.kind != EventKind::rejected && changes_training)
    detector_.reset();  // a jump is expected now
  if (id == 0) e.detail = "(scripted) " + e.detail;
  const bool stopping =
      c.kind == CommandKind::stop && e.kind != EventKind::rejected && st != TrainerState::stopped;
  record(std::move(e));
  if (stopping) {
    try {
      end_run("stopped by a command");
    } catch (const std::exception& ex) {
      problem_ = std::string("Could not finish the run: ") + ex.what();
      record(Event{0, 0, EventKind::error, problem_, {}, {}});
      set_state(TrainerState::stopped);
    }
  }
  if (id != 0) {
    std::lock_guard lock(queue_mutex_);
    applied_id_.store(id, std::memory_order_release);
  }
  publish_status(true);
  if (id != 0) applied_cv_.notify_all();
}

void Trainer::publish_weights() {
  // Reuse the buffers of the snapshot before last when no reader holds it: no allocation.
  std::shared_ptr<WeightSnapshot> w =
      spare_ && spare_.use_count() == 1 ? std::move(spare_) : std::make_shared<WeightSnapshot>();
  spare_.reset();
  const auto& p = run_->network().params();
  w->step = run_->steps_done();
  w->infos = p.infos();
  w->values.assign(p.values().begin(), p.values().end());
  w->masks.assign(p.masks().begin(), p.masks().end());
  w->initial.assign(run_->initial_values().begin(), run_->initial_values().end());
  {
    std::lock_guard lock(publish_mutex_);
    std::swap(weights_, w);
  }
  spare_ = std::move(w);  // the previous one, freed or reused outside the lock
}

void Trainer::publish_status(bool force) {
  const auto now = Clock::now();
  if (!force && now - last_status_ < std::chrono::milliseconds(50)) return;
  last_status_ = now;
  auto s = std::make_shared<TrainerStatus>();
  s->state = state_.load();
  s->step = run_->steps_done();
  s->epoch = run_->epoch_progress();
  s->planned = run_->planned_steps();
  s->steps_per_epoch = run_->steps_per_epoch();
  s->samples_per_s = s->state == TrainerState::running ? samples_per_s_ : 0.0;
  s->steps_per_s_limit = pace_;
  s->config = run_->config();
  s->schedule_start = run_->schedule_start();
  s->threads = run_->threads();
  s->sparsity = run_->network().params().pruned_fraction();
  s->problem = problem_;
  s->notice = notice_;
  s->rewind_to = rewind_to_;
  for (const auto& [label, k] : snapshots_) s->snapshots.push_back({label, k.step});
  for (const auto& k : keyframes_) s->keyframes.push_back({{}, k.step});
  s->last_evaluation = last_eval_;
  s->last_evaluation_step = last_eval_step_;
  s->applied_commands = applied_id_.load(std::memory_order_acquire);
  if (early_.state) {
    s->early_best = early_.best;
    s->early_best_step = early_.step;
    s->early_waited = early_.waited;
  }
  s->final_test = final_test_;
  s->final_checkpoint = final_checkpoint_;
  std::shared_ptr<const TrainerStatus> old;
  {
    std::lock_guard lock(publish_mutex_);
    old = std::exchange(status_, std::move(s));
  }
}

}  // namespace ts
