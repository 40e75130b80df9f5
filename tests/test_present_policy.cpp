// When the window draws a frame (app/window/present_policy.h): never the same frame twice,
// at once while the user acts, at the refresh rate otherwise, and always when forced.
#include "app/window/present_policy.h"

#include <doctest/doctest.h>

#include <vector>

using namespace ts;

namespace {
constexpr double kFrame = 1.0 / 60.0;
}

TEST_CASE("a frame that shows what is on screen is never drawn again unless forced") {
  PresentPolicy p(20.0);
  CHECK(p.begin_frame(0.0, false));  // the first frame is a refresh frame
  CHECK(p.present(7, false));
  for (int i = 1; i < 120; ++i) {
    p.begin_frame(i * kFrame, i % 10 == 0);
    CHECK_FALSE(p.present(7, false));
  }
  p.begin_frame(2.0, false);
  CHECK(p.present(7, true));
}

TEST_CASE(
    "a frame that changes every time is drawn at the refresh rate while the user does nothing") {
  PresentPolicy p(20.0);
  std::vector<int> drawn;
  for (int i = 0; i < 600; ++i) {  // ten seconds at 60 Hz, a new frame each time
    const bool refresh = p.begin_frame(i * kFrame, false);
    const bool shown = p.present(uint64_t(i), false);
    CHECK(shown == refresh);
    if (shown) drawn.push_back(i);
  }
  // 20 Hz: 200 frames of 600, the first included. The refreshes keep to a 50 ms grid, so
  // the gaps are three frames, or four when a frame falls just short of a grid line and
  // then two, never more than a period and a frame.
  CHECK(drawn.size() >= 199);
  CHECK(drawn.size() <= 201);
  for (std::size_t k = 1; k < drawn.size(); ++k) {
    CHECK(drawn[k] - drawn[k - 1] >= 2);
    CHECK(drawn[k] - drawn[k - 1] <= 4);
  }
}

TEST_CASE("while the user acts every changed frame is drawn, and for a quarter second after") {
  PresentPolicy p(20.0);
  p.begin_frame(0.0, false);
  p.present(0, false);
  int frame = 1;
  for (; frame <= 30; ++frame) {  // input every frame for half a second
    p.begin_frame(frame * kFrame, true);
    CHECK(p.present(uint64_t(frame), false));
  }
  const double last_input = 30 * kFrame;
  int drawn = 0, skipped = 0;
  for (; frame <= 90; ++frame) {
    const double now = frame * kFrame;
    const bool refresh = p.begin_frame(now, false);
    const bool shown = p.present(uint64_t(frame), false);
    if (now - last_input <= PresentPolicy::kInputHold)
      CHECK(shown);
    else
      CHECK(shown == refresh);
    (shown ? drawn : skipped)++;
  }
  CHECK(skipped > 0);
  CHECK(drawn > 15);  // the quarter second (15 frames), then the refresh frames
}

TEST_CASE("after a stall the refresh comes at once and the period starts again from there") {
  PresentPolicy p(20.0);
  CHECK(p.begin_frame(0.0, false));
  CHECK_FALSE(p.begin_frame(0.04, false));
  CHECK(p.begin_frame(0.05, false));  // on the grid: 0.05
  CHECK(p.begin_frame(1.0, false));   // a stall: the grid restarts at 1.0
  CHECK_FALSE(p.begin_frame(1.04, false));
  CHECK(p.begin_frame(1.05, false));
}
