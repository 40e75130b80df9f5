// What the window remembers between runs: the experiment last opened, the plots tab, and
// how the training curves were shown. A small JSON file, by default
// $XDG_CONFIG_HOME/trainscope/settings.json (else ~/.config/trainscope/), next to ImGui's own
// imgui.ini. Read at start, written atomically at exit. UI thread only.
#pragma once

#include <filesystem>
#include <string>

namespace ts {

struct AppSettings {
  std::string preset;          // empty: the default experiment
  std::string tab;             // "loss", "schedule", "weights", "pruning"; empty: the first
  std::string curve = "loss";  // "loss", "accuracy", "lr", "grad"
  bool log_scale = true;
  double smoothing = 0.9;  // EMA weight in [0, 0.99]
};

// The default settings file, or an empty path when neither XDG_CONFIG_HOME nor HOME is set.
std::filesystem::path default_settings_path();

// A missing file gives the defaults. Throws ts::Error naming the file and the field when
// the file is not JSON, a field has the wrong type, or a value is out of range.
AppSettings load_settings(const std::filesystem::path& path);

// Writes atomically, creating the directory; throws ts::Error naming the file.
void save_settings(const std::filesystem::path& path, const AppSettings& settings);

}  // namespace ts
