// The window's command line and the settings the last session left: what the program opens
// with. Test hooks (--frames, --shot, --bench-points, --no-plot-cache) are options like the
// others; `trainscope --help` lists them all.
#pragma once

#include "app/window/app_settings.h"
#include "app/window/lab_window.h"

#include <filesystem>
#include <optional>
#include <string>

namespace ts {

struct WindowOptions {
  LabOptions lab;
  int frames = 0;  // > 0: exit after this many frames and print frame-time statistics
  int width = 1280, height = 800;
  std::string shot;  // a PNG of the last frame
  bool no_plot_cache = false;
  std::filesystem::path settings_path;  // empty: no settings file
  AppSettings saved;                    // what the settings file held
  bool save_at_exit = false;            // false for a damaged settings file: it is left alone
  std::string ini_path;                 // ImGui's window state, next to the settings file
};

// Parses the command line and reads the settings file. Returns nullopt with `exit_code` set
// when the program should exit at once (--help, a bad option).
std::optional<WindowOptions> window_options(int argc, char** argv, int& exit_code);

}  // namespace ts
