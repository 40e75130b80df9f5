// The training step and what it measures: one step with its divergence and early-stopping
// watch, the per-layer statistics of the probe batch, spectra, evaluations.
#include "core/train/trainer.h"

#include "core/analysis/spectra.h"
#include "core/error.h"
#include "core/run/checkpoint.h"
#include "core/text_format.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace ts {

void Trainer::train_one() {
  const auto started = std::chrono::steady_clock::now();
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
  train_seconds_ +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // After the step's time is taken: the measurement is the monitor's, not training's.
  const int64_t every = run_->config().monitor.sharpness_interval;
  if (every > 0 && s % every == 0) measure_sharpness();
  m.seconds.push(s, float(train_seconds_));
  write_files("metrics", [&] {
    using Values = std::span<const double>;
    recorder_->record_step(r, eval, layer_series ? Values(layer_grad_) : Values(),
                           layer_series ? Values(layer_ratio_) : Values(), train_seconds_);
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
      save_run(path);
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

void Trainer::measure_sharpness() {
  const auto& net = run_->network();
  const Dataset& train = run_->data().train;
  const Index samples = std::min<Index>(train.size(), run_->config().monitor.sharpness_samples);
  if (!sharpness_surface_ || sharpness_surface_->samples() != samples)
    sharpness_surface_ = std::make_unique<LossSurface<float>>(net.spec(), run_->config().loss,
                                                              train, samples, net.params().masks());
  sharpness_surface_->set_masks(net.params().masks());
  Sharpness r;
  run_->in_arena([&] {
    r = sharpness<float>(*sharpness_surface_, net.params().values(), SharpnessSettings{},
                         sharpness_vector_);
  });
  sharpness_vector_ = std::move(r.eigenvector);
  const int64_t s = run_->steps_done();
  current_->sharpness.push(s, float(r.top_eigenvalue));
  const SeriesPoint* used = current_->lr.last();
  const double lr = used ? double(used->value) : run_->next_learning_rate();
  write_files("sharpness",
              [&] { recorder_->record_sharpness(s, r.top_eigenvalue, r.iterations, r.loss, lr); });
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

}  // namespace ts
