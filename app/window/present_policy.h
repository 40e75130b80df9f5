// When the window draws a frame. Under a software OpenGL renderer (Xvfb, virtual machines,
// remote desktops) drawing and showing a 1280x800 frame costs several milliseconds of CPU,
// and on a two-core machine that is taken from the training the window shows. So the loop
// runs at 60 Hz, reading input and building each frame, but draws and shows only:
//  - a frame that differs from the one on screen (by its signature,
//    app/plot/frame_signature.h), when the user acted in the last kInputHold seconds: what
//    the user does shows at once, every frame;
//  - otherwise a frame that differs, on refresh frames, at the rate the policy is given (the
//    window's is plot::kRefreshHz, 20 times a second, app/plot/plot_cache.h): the
//    live numbers and curves of a run then move at that rate, and a still window (paused,
//    or nothing new) costs no drawing at all;
//  - and any frame it is told to (the first, an exposed or resized window, a screenshot).
// A frame left undrawn would show exactly the pixels already on screen, or pixels at most
// one refresh period older.
//
// Plain logic over times and signatures, with no GL; UI thread.
#pragma once

#include <cstdint>
#include <optional>

namespace ts {

class PresentPolicy {
 public:
  static constexpr double kInputHold = 0.25;  // seconds

  explicit PresentPolicy(double refresh_hz);

  // At the start of a frame at time `now` (seconds, increasing): whether it is a refresh
  // frame. `input` says whether the user acted since the last frame.
  bool begin_frame(double now, bool input);
  // After the frame is built: whether to draw and show it. `signature` stands for what it
  // would show; `forced` draws it whatever the signature.
  bool present(uint64_t signature, bool forced);
  // Since begin_frame(): whether the user acted in the last kInputHold seconds, so that
  // every changed frame is drawn.
  bool acting() const { return now_ - last_input_ <= kInputHold; }

 private:
  double period_;
  double now_ = 0;
  double next_refresh_ = 0;
  double last_input_ = -1e300;
  bool refresh_ = true;
  bool started_ = false;
  std::optional<uint64_t> shown_;  // the signature of the frame on screen
};

}  // namespace ts
