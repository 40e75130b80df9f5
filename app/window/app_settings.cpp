#include "app/window/app_settings.h"

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/io/json_fields.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ts {

std::filesystem::path default_settings_path() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg) return std::filesystem::path(xdg) / "trainscope" / "settings.json";
  const char* home = std::getenv("HOME");
  if (home && *home)
    return std::filesystem::path(home) / ".config" / "trainscope" / "settings.json";
  return {};
}

AppSettings load_settings(const std::filesystem::path& path) {
  AppSettings s;
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) return s;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw Error(path.string() + ": cannot be read");
  const std::string where = path.string() + ": ";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(where + "not valid JSON (" + e.what() + ")");
  }
  // The rules of every JSON the project reads (core/io/json_fields.h), with the file named.
  // Keys this version does not know are left alone: the file may come from a newer one.
  try {
    JsonFields f(j, "");
    auto text_field = [&](const char* key, std::string& out,
                          std::initializer_list<const char*> allowed) {
      out = f.string(key, out);
      if (allowed.size() == 0 || out.empty()) return;
      for (const char* a : allowed)
        if (out == a) return;
      f.fail(key, "cannot be \"" + out + "\"");
    };
    text_field("preset", s.preset, {});
    text_field("tab", s.tab, {"loss", "schedule", "weights", "pruning"});
    text_field("curve", s.curve, {"loss", "accuracy", "lr", "grad"});
    s.log_scale = f.boolean("log_scale", s.log_scale);
    s.smoothing = f.number("smoothing", s.smoothing);
    f.check(s.smoothing >= 0 && s.smoothing <= 0.99 + 1e-6, "smoothing", "must be in [0, 0.99]");
  } catch (const Error& e) {
    throw Error(where + e.what());
  }
  return s;
}

void save_settings(const std::filesystem::path& path, const AppSettings& s) {
  const nlohmann::json j = {{"preset", s.preset},
                            {"tab", s.tab},
                            {"curve", s.curve},
                            {"log_scale", s.log_scale},
                            {"smoothing", std::round(s.smoothing * 1000) / 1000}};
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) throw Error(path.parent_path().string() + ": cannot be created (" + ec.message() + ")");
  write_file_atomic(path, j.dump(2) + "\n");
}

}  // namespace ts
