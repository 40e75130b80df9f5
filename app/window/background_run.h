// A training run on its own named thread, for the window until the full live trainer
// (commands, events, published series) takes its place.
//
// Threads: the UI thread calls start/pause/resume/stop and the readers; the training
// thread runs steps. Flags crossing threads are atomics; the loss series is appended by
// the training thread under a short lock and copied by the UI thread under the same lock
// (never held across a step or a frame).
#pragma once

#include "core/train/run.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ts {

struct RunProgress {
  int64_t step = 0;
  int64_t planned = 0;
  double epoch = 0.0;
  double samples_per_s = 0.0;
  double last_loss = 0.0;
  double validation_accuracy = -1.0;  // < 0 until the first evaluation
  double test_accuracy = -1.0;
  bool running = false;
  bool finished = false;
  std::string problem;  // divergence or error, empty when fine
};

class BackgroundRun {
 public:
  explicit BackgroundRun(std::unique_ptr<Run> run);
  ~BackgroundRun();  // requests stop and joins
  BackgroundRun(const BackgroundRun&) = delete;
  BackgroundRun& operator=(const BackgroundRun&) = delete;

  void start();
  void pause() { paused_.store(true, std::memory_order_relaxed); }
  void resume() { paused_.store(false, std::memory_order_relaxed); }
  bool paused() const { return paused_.load(std::memory_order_relaxed); }

  RunProgress progress() const;
  // Appends the losses published since `have` points to `out`.
  void copy_losses(std::vector<float>& out) const;

 private:
  void loop();

  std::unique_ptr<Run> run_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  mutable std::mutex mutex_;  // guards progress_ and losses_
  RunProgress progress_;
  std::vector<float> losses_;
};

}  // namespace ts
