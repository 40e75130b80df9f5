// Taps of the space bar, counted as GLFW reports each press. Dear ImGui 1.86 keeps only
// whether a key is down when a frame starts, so a press and release handled in one poll (a
// quick tap, or a scripted key) would never read as pressed; a count cannot miss one.
// UI thread only (GLFW calls back on it).
#pragma once

namespace ts {

// From the GLFW key callback: the space bar went down.
void count_space_tap();
// True once for each tap since the last call.
bool take_space_tap();

}  // namespace ts
