// How long the window's frames take: the status bar's figures (renewed once a second, so a
// still window stays still) and, for a --frames run, every frame's figures and the line of
// statistics it prints at exit (tests/bench/window_frames.sh reads it).
#pragma once

#include "app/window/lab_window.h"

#include <chrono>
#include <cstdint>
#include <vector>

namespace ts {

class FrameStats {
 public:
  using Clock = std::chrono::steady_clock;
  explicit FrameStats(Clock::time_point start) : rate_from_(start) {}

  // Every frame, at its end: its work in ms and whether it was drawn.
  void count(Clock::time_point now, double work_ms, bool drawn);
  // The status bar's figures over the last second.
  const LabWindow::FrameRate& rate() const { return rate_; }

  // A --frames run's figures, for every frame but the first: its work, whether it was drawn,
  // the interval since the frame before (adding the wait that paces the loop), and the
  // trainer's samples/s when it was training (0: not).
  void record(double work_ms, bool drawn, double interval_ms, double samples_per_s);
  // The swap that showed a frame, at the start of the next iteration.
  void record_swap(double ms) { swap_ms_.push_back(ms); }
  bool empty() const { return work_ms_.empty(); }
  // "frames N median_ms ... cached_plots_shown K" on stdout.
  void print(int64_t train_step, uint64_t rasterizations, int cached_plots_shown) const;

 private:
  LabWindow::FrameRate rate_;
  Clock::time_point rate_from_;
  int rate_frames_ = 0;
  double rate_ms_ = 0;
  std::vector<double> work_ms_, drawn_ms_, interval_ms_, swap_ms_, samples_per_s_;
};

}  // namespace ts
