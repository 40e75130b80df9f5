#include "app/cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace ts {

ProgressBar::ProgressBar(int64_t total_steps, int64_t steps_per_epoch, int64_t batch_size)
    : total_(total_steps),
      per_epoch_(std::max<int64_t>(1, steps_per_epoch)),
      batch_(batch_size),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(Clock::now()),
      last_draw_(start_) {}

void ProgressBar::update(int64_t steps_done, double loss, double accuracy, bool force) {
  if (start_step_ < 0) {
    start_step_ = steps_done - 1;
    start_ = Clock::now();
  }
  if (std::isfinite(loss)) {
    loss_ema_ = ema_init_ ? 0.98 * loss_ema_ + 0.02 * loss : loss;
    acc_ema_ = ema_init_ ? 0.98 * acc_ema_ + 0.02 * accuracy : accuracy;
    ema_init_ = true;
  }
  const auto now = Clock::now();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  if (!force && since_draw < (tty_ ? 0.2 : 5.0)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double done = double(steps_done - start_step_);
  const double rate = elapsed > 0 ? done * double(batch_) / elapsed : 0.0;
  const double left = rate > 0 ? double(total_ - steps_done) * double(batch_) / rate : 0.0;
  const int64_t epoch = steps_done / per_epoch_ + 1;
  const int64_t epochs = (total_ + per_epoch_ - 1) / per_epoch_;
  const int width = 24;
  const int filled = total_ > 0 ? int(double(width) * double(steps_done) / double(total_)) : 0;
  std::string bar(std::size_t(std::clamp(filled, 0, width)), '#');
  bar.resize(std::size_t(width), '.');
  const int secs = int(left);
  std::fprintf(stderr,
               "%s[%s] epoch %lld/%lld  step %lld/%lld  loss %.4f  acc %5.1f%%  %.0f samples/s  "
               "left %d:%02d:%02d%s",
               tty_ ? "\r" : "", bar.c_str(), (long long)std::min(epoch, epochs), (long long)epochs,
               (long long)steps_done, (long long)total_, loss_ema_, 100.0 * acc_ema_, rate,
               secs / 3600, (secs / 60) % 60, secs % 60, tty_ ? "  " : "\n");
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace ts
