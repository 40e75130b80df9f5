// The text helpers of core/text_format.h: the time a job has left, as the window's analysis
// bars and `analyze`'s progress lines say it, checked on hand-worked rates.
#include "core/text_format.h"

#include <doctest/doctest.h>

using namespace ts;

TEST_CASE("a job's time left is its time so far scaled by what remains") {
  // 10 s for a quarter: 30 s more at that rate.
  CHECK(time_left(10.0, 0.25) == "about 30 s left");
  // 60 s for a tenth: 540 s, 9 minutes.
  CHECK(time_left(60.0, 0.10) == "about 9 min left");
  // 3,600 s for 40%: 5,400 s, an hour and a half.
  CHECK(time_left(3600.0, 0.40) == "about 1.5 h left");
  // 80 s at 50% is 80 s: still in seconds below a minute and a half.
  CHECK(time_left(80.0, 0.5) == "about 80 s left");
  // Early, 0.5% in 30 s: 5,970 s, an hour and two thirds.
  CHECK(time_left(30.0, 0.005) == "about 1.7 h left");
  // Nearly done: at least a second.
  CHECK(time_left(100.0, 0.9999) == "about 1 s left");
  // Too early to tell, or done.
  CHECK(time_left(30.0, 0.001).empty());
  CHECK(time_left(2.5, 0.5).empty());
  CHECK(time_left(30.0, 1.0).empty());
}

TEST_CASE("a count with its noun in the singular for one only") {
  CHECK(ts::counted(1, "sample", "samples") == "1 sample");
  CHECK(ts::counted(0, "sample", "samples") == "0 samples");
  CHECK(ts::counted(2048, "Hessian-vector product", "Hessian-vector products") ==
        "2048 Hessian-vector products");
}
