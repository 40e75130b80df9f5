#include "app/window/key_taps.h"

namespace ts {

namespace {
int g_taps = 0;  // UI thread only
}  // namespace

void count_space_tap() { ++g_taps; }

bool take_space_tap() {
  if (g_taps == 0) return false;
  --g_taps;
  return true;
}

}  // namespace ts
