// A one-line progress display for the terminal: epoch, step, loss, accuracy, samples/s and
// time left. On a terminal it redraws in place a few times a second; otherwise (a log file,
// CI) it prints a full line every few seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ts {

class ProgressBar {
 public:
  ProgressBar(int64_t total_steps, int64_t steps_per_epoch, int64_t batch_size);
  // Called after every step; draws only when enough time has passed.
  void update(int64_t steps_done, double loss, double accuracy, bool force = false);
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  int64_t total_;
  int64_t per_epoch_;
  int64_t batch_;
  bool tty_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  int64_t start_step_ = -1;
  double loss_ema_ = 0.0;
  double acc_ema_ = 0.0;
  bool ema_init_ = false;
};

}  // namespace ts
