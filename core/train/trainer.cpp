#include "core/train/trainer.h"

#include "core/error.h"
#include "core/run/checkpoint.h"
#include "core/text_format.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

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

// A fork's history fits when it holds the same layers' series, in order.
bool same_layers(const TrainerMetrics& m, const std::vector<StatLayer>& layers) {
  if (m.layers.size() != layers.size()) return false;
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (m.layers[i]->name != layers[i].name) return false;
  return true;
}

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

}  // namespace

double Trainer::chance_loss(const Run& run) {
  const Index k = run.data().train.num_classes;
  return run.config().loss == LossKind::cross_entropy && k > 1 ? std::log(double(k)) : 0.0;
}

Trainer::Trainer(std::unique_ptr<Run> run, TrainerOptions options)
    : run_(std::move(run)),
      options_(std::move(options)),
      layers_(stat_layers(run_->network())),
      detector_(run_->config().monitor.spike_factor, 50, chance_loss(*run_)) {
  restore_monitor();
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
  if (options_.history && same_layers(*options_.history, layers_))
    use_metrics(TrainerMetrics::continued(*options_.history, step, generation_));  // a fork's
  else
    use_metrics(std::make_unique<TrainerMetrics>(generation_, layers_));
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
  if (!options_.fork_of.empty())
    record(Event{0, 0, EventKind::fork, "forked from " + options_.fork_of, {}, {}});
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

std::future<std::shared_ptr<const StateCapture>> Trainer::capture(CaptureOf what) {
  std::promise<std::shared_ptr<const StateCapture>> p;
  auto f = p.get_future();
  {
    std::lock_guard lock(queue_mutex_);
    if (quit_.load()) {
      p.set_exception(
          std::make_exception_ptr(Error("the trainer has stopped; nothing to capture")));
      return f;
    }
    captures_.push_back({std::move(what), std::move(p)});
  }
  queue_cv_.notify_one();
  return f;
}

void Trainer::fulfil_captures(std::vector<CaptureRequest>& requests) {
  if (requests.empty()) return;
  // The files hold every row up to the captured step once the future is ready: a fork copies
  // them as its beginning.
  write_files("capture", [&] { recorder_->flush(); });
  std::shared_ptr<const StateCapture> now;  // one copy for every request of the current state
  for (auto& r : requests) {
    switch (r.what.kind) {
      case CaptureOf::Kind::now:
        if (!now)
          now = std::make_shared<StateCapture>(StateCapture{run_->capture(), run_->data_ptr(), {}});
        r.promise.set_value(now);
        break;
      case CaptureOf::Kind::path: {
        auto c =
            std::make_shared<StateCapture>(StateCapture{run_->capture(), run_->data_ptr(), {}});
        const int64_t s = c->state.step;
        std::map<int64_t, const std::vector<float>*> kept{{0, &initial_.values}};
        // Keyframes only: they are the current line's (a rewind, a load and a reset drop the
        // others); snapshots may be of a line abandoned since.
        for (const RunState& k : keyframes_)
          if (k.step < s) kept.emplace(k.step, &k.values);
        for (const auto& [step, values] : kept) c->path.push_back({step, *values});
        r.promise.set_value(std::move(c));
        break;
      }
      case CaptureOf::Kind::initialization:
        r.promise.set_value(
            std::make_shared<StateCapture>(StateCapture{initial_, run_->data_ptr(), {}}));
        break;
      case CaptureOf::Kind::snapshot: {
        const auto it = snapshots_.find(r.what.label);
        if (it == snapshots_.end())
          r.promise.set_exception(std::make_exception_ptr(
              Error("no snapshot is labelled \"" + r.what.label + "\" to capture")));
        else
          r.promise.set_value(
              std::make_shared<StateCapture>(StateCapture{it->second, run_->data_ptr(), {}}));
        break;
      }
    }
  }
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

void Trainer::loop() {
  pthread_setname_np(pthread_self(), "ts-trainer");
  if (options_.nice > 0) setpriority(PRIO_PROCESS, id_t(::gettid()), options_.nice);
  std::vector<std::pair<uint64_t, Command>> batch;
  std::vector<CaptureRequest> captures;
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
      for (auto& r : captures) r.promise.set_exception(std::current_exception());
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
  for (auto& r : captures)
    r.promise.set_exception(
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
  if (s != TrainerState::running) publish_weights();
  // The state and its status change together under the lock wait_settled tests the state
  // with: a waiter that sees the trainer settled never reads the status of before.
  std::lock_guard lock(queue_mutex_);
  state_.store(s, std::memory_order_release);
  publish_status(true);
}

void Trainer::record(Event e) {
  e.step = run_->steps_done();
  write_files("events", [&] {
    recorder_->record_event(e.step, to_string(e.kind), e.detail, e.before, e.after);
  });
  events_.push(e);
}

void Trainer::restore_monitor() {
  if (run_->monitor_state().empty()) return;
  const auto j = nlohmann::json::parse(run_->monitor_state(), nullptr, false);
  if (j.is_object() && j.contains("spike")) detector_.restore(j["spike"]);
}

void Trainer::save_run(const std::filesystem::path& path) {
  run_->set_monitor_state(nlohmann::json{{"spike", detector_.state()}}.dump());
  save_checkpoint(*run_, path);
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
    save_run(path);
    final_checkpoint_ = path.string();
    detail += "; checkpoint " + path.string();
  });
  steps_left_ = -1;
  record(Event{0, 0, EventKind::end, detail, {}, {}});
  set_state(TrainerState::stopped);
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
