// What the trainer keeps to go back to: keyframes every few steps, the initial state, a new
// generation of the series after a rewind, and restoring a kept state.
#include "core/train/trainer.h"

#include "core/error.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts {

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

void Trainer::use_metrics(std::unique_ptr<TrainerMetrics> m) {
  const auto t = m->seconds.last();
  train_seconds_ = t ? t->value : 0.0;
  current_ = std::shared_ptr<TrainerMetrics>(std::move(m));
}

void Trainer::new_generation(int64_t last_step) {
  use_metrics(TrainerMetrics::continued(*current_, last_step, ++generation_));
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

}  // namespace ts
