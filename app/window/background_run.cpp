#include "app/window/background_run.h"

#include <pthread.h>

#include <chrono>

namespace ts {

BackgroundRun::BackgroundRun(std::unique_ptr<Run> run) : run_(std::move(run)) {
  progress_.planned = run_->planned_steps();
}

BackgroundRun::~BackgroundRun() {
  stop_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
}

void BackgroundRun::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    progress_.running = true;
  }
  thread_ = std::thread([this] { loop(); });
}

RunProgress BackgroundRun::progress() const {
  std::lock_guard lock(mutex_);
  return progress_;
}

void BackgroundRun::copy_losses(std::vector<float>& out) const {
  std::lock_guard lock(mutex_);
  if (out.size() < losses_.size()) out.insert(out.end(), losses_.begin() + long(out.size()), losses_.end());
}

void BackgroundRun::loop() {
  pthread_setname_np(pthread_self(), "ts-train");
  using Clock = std::chrono::steady_clock;
  const int64_t planned = run_->planned_steps();
  auto window_start = Clock::now();
  int64_t window_steps = 0;
  try {
    while (!stop_.load(std::memory_order_relaxed) && run_->steps_done() < planned) {
      if (paused_.load(std::memory_order_relaxed)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        window_start = Clock::now();
        window_steps = 0;
        continue;
      }
      const StepReport r = run_->train_step();
      if (!r.finite) {
        paused_.store(true);
        std::lock_guard lock(mutex_);
        progress_.problem = "Training diverged: " + r.problem + ". Paused.";
        continue;
      }
      ++window_steps;
      const double secs = std::chrono::duration<double>(Clock::now() - window_start).count();
      double val = -1, test = -1;
      if (run_->evaluation_due()) {
        val = run_->evaluate(run_->data().validation).accuracy;
        test = run_->evaluate(run_->data().test).accuracy;
      }
      std::lock_guard lock(mutex_);
      losses_.push_back(float(r.loss));
      progress_.step = run_->steps_done();
      progress_.epoch = r.epoch;
      progress_.last_loss = r.loss;
      if (secs > 0.5) {
        progress_.samples_per_s = double(window_steps) * double(run_->batcher().batch_size()) / secs;
        window_start = Clock::now();
        window_steps = 0;
      }
      if (val >= 0) {
        progress_.validation_accuracy = val;
        progress_.test_accuracy = test;
      }
    }
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    progress_.problem = std::string("Training stopped: ") + e.what();
  }
  std::lock_guard lock(mutex_);
  progress_.running = false;
  progress_.finished = run_->steps_done() >= planned;
}

}  // namespace ts
