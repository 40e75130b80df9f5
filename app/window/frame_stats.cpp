#include "app/window/frame_stats.h"

#include <algorithm>
#include <cstdio>

namespace ts {

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

}  // namespace

void FrameStats::count(Clock::time_point now, double work_ms, bool drawn) {
  if (drawn) {
    ++rate_frames_;
    rate_ms_ += work_ms;
  }
  if (now - rate_from_ >= std::chrono::seconds(1)) {
    const double span = std::chrono::duration<double>(now - rate_from_).count();
    rate_.drawn_per_s = double(rate_frames_) / span;
    if (rate_frames_ > 0) rate_.frame_ms = rate_ms_ / rate_frames_;
    rate_from_ = now;
    rate_frames_ = 0;
    rate_ms_ = 0;
  }
}

void FrameStats::record(double work_ms, bool drawn, double interval_ms, double samples_per_s) {
  if (samples_per_s > 0) samples_per_s_.push_back(samples_per_s);
  work_ms_.push_back(work_ms);
  if (drawn) drawn_ms_.push_back(work_ms);
  interval_ms_.push_back(interval_ms);
}

void FrameStats::print(int64_t train_step, uint64_t rasterizations, int cached_plots_shown) const {
  std::printf(
      "frames %zu median_ms %.2f p95_ms %.2f max_ms %.2f interval_median_ms %.2f "
      "interval_p95_ms %.2f train_step %lld train_samples_per_s %.0f drawn %zu "
      "drawn_median_ms %.2f drawn_p95_ms %.2f swap_median_ms %.2f swap_p95_ms %.2f "
      "plot_rasterizations %llu cached_plots_shown %d\n",
      work_ms_.size() + 1, percentile(work_ms_, 0.5), percentile(work_ms_, 0.95),
      percentile(work_ms_, 1.0), percentile(interval_ms_, 0.5), percentile(interval_ms_, 0.95),
      (long long)train_step, percentile(samples_per_s_, 0.5), drawn_ms_.size(),
      percentile(drawn_ms_, 0.5), percentile(drawn_ms_, 0.95), percentile(swap_ms_, 0.5),
      percentile(swap_ms_, 0.95), (unsigned long long)rasterizations, cached_plots_shown);
}

}  // namespace ts
