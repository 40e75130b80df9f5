#include "app/window/present_policy.h"

namespace ts {

PresentPolicy::PresentPolicy(double refresh_hz) : period_(1.0 / refresh_hz) {}

bool PresentPolicy::begin_frame(double now, bool input) {
  now_ = now;
  if (input) last_input_ = now;
  refresh_ = !started_ || now >= next_refresh_;
  if (refresh_) {
    // On the period's grid while frames keep up with it; after a stall, from now.
    next_refresh_ =
        started_ && now - next_refresh_ < period_ ? next_refresh_ + period_ : now + period_;
    started_ = true;
  }
  return refresh_;
}

bool PresentPolicy::present(uint64_t signature, bool forced) {
  const bool changed = !shown_ || *shown_ != signature;
  const bool show = forced || (changed && (refresh_ || acting()));
  if (show) shown_ = signature;
  return show;
}

}  // namespace ts
