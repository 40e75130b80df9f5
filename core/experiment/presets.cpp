#include "core/experiment/presets.h"

#include <algorithm>
#include <cstdlib>

#ifndef TRAINSCOPE_DEFAULT_ASSETS_DIR
#define TRAINSCOPE_DEFAULT_ASSETS_DIR "assets"
#endif

namespace ts {

std::vector<std::string> list_presets(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::filesystem::path presets_dir() {
  if (const char* env = std::getenv("TRAINSCOPE_ASSETS"); env && *env)
    return std::filesystem::path(env) / "presets";
  return std::filesystem::path(TRAINSCOPE_DEFAULT_ASSETS_DIR) / "presets";
}

std::string unknown_preset(const std::string& name) {
  std::string known;
  for (const auto& p : list_presets(presets_dir())) known += " " + p;
  return "no preset \"" + name + "\" in " + presets_dir().string() + " (known:" + known + ")";
}

}  // namespace ts
