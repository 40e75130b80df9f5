// Where the presets live: experiment configs shipped in assets/presets/ (or the directory
// TRAINSCOPE_ASSETS names), one JSON file each, read with core/experiment/experiment_json.h.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ts {

// Names of the presets in a presets directory (file stems), sorted.
std::vector<std::string> list_presets(const std::filesystem::path& dir);
// The directory holding the presets (TRAINSCOPE_ASSETS env, else the build's default).
std::filesystem::path presets_dir();
// What to say of a preset name not in presets_dir(): `no preset "NAME" in DIR (known: ...)`.
std::string unknown_preset(const std::string& name);

}  // namespace ts
