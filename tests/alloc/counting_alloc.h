// The C library's allocation functions replaced by ones that count, while asked to, the calls
// and the bytes asked for (passing each on to glibc's own), on any thread. For the tests of
// this directory only (built without sanitizers, which replace the same functions). oneTBB's
// own task objects come from its scalable allocator, which is not counted.
#pragma once

namespace ts::testing {

struct Counted {
  long calls = 0;
  long long bytes = 0;
};

// Zeroes the counts and starts counting.
void start_counting();
// Stops counting; what was counted since start_counting.
Counted stop_counting();

}  // namespace ts::testing
