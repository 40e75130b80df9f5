#include "app/plot/run_colors.h"

#include "app/plot/colormap.h"
#include "core/chart/svg_chart.h"
#include "core/experiment/experiment_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts::plot {

namespace {

// Each config as dotted key -> value, leaves only ("optimizer.type" -> "adam").
std::vector<nlohmann::json> flat(const std::vector<const ExperimentConfig*>& configs) {
  std::vector<nlohmann::json> out;
  for (const ExperimentConfig* c : configs) {
    nlohmann::json dotted = nlohmann::json::object();
    const nlohmann::json leaves = to_json(*c).flatten();  // lives through the loop
    for (const auto& [path, value] : leaves.items()) {
      std::string key = path.substr(1);
      std::replace(key.begin(), key.end(), '/', '.');
      dotted[key] = value;
    }
    out.push_back(std::move(dotted));
  }
  return out;
}

std::string hex(const Rgb& c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", int(std::lround(255 * c[0])),
                int(std::lround(255 * c[1])), int(std::lround(255 * c[2])));
  return buf;
}

}  // namespace

std::vector<std::string> differing_keys(const std::vector<const ExperimentConfig*>& configs) {
  const auto f = flat(configs);
  std::vector<std::string> keys;
  if (f.size() < 2) return keys;
  auto consider = [&](const std::string& key) {
    if (key == "name" || key == "description" ||
        std::find(keys.begin(), keys.end(), key) != keys.end())
      return;
    const nlohmann::json missing;
    const nlohmann::json& first = f.front().contains(key) ? f.front()[key] : missing;
    for (const auto& c : f)
      if ((c.contains(key) ? c[key] : missing) != first) {
        keys.push_back(key);
        return;
      }
  };
  for (const auto& c : f)
    for (const auto& [key, value] : c.items()) consider(key);
  return keys;
}

std::vector<std::string> colours_by(const std::vector<const ExperimentConfig*>& configs,
                                    const std::string& key) {
  const auto f = flat(configs);
  std::vector<std::string> out(f.size(), "#969696");
  bool numbers = true;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& c : f) {
    if (!c.contains(key)) continue;
    if (!c[key].is_number()) numbers = false;
    if (c[key].is_number())
      lo = std::min(lo, c[key].get<double>()), hi = std::max(hi, c[key].get<double>());
  }
  if (numbers && lo <= hi) {
    const bool log = lo > 0 && hi > 10 * lo;
    const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (!f[i].contains(key)) continue;
      const double v = f[i][key].get<double>();
      const double t = b > a ? ((log ? std::log10(v) : v) - a) / (b - a) : 0.5;
      out[i] = hex(colormap_at(Colormap::viridis, float(t)));
    }
    return out;
  }
  std::vector<nlohmann::json> seen;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (!f[i].contains(key)) continue;
    auto it = std::find(seen.begin(), seen.end(), f[i][key]);
    if (it == seen.end()) it = seen.insert(seen.end(), f[i][key]);
    out[i] = palette_color(std::size_t(it - seen.begin()));
  }
  return out;
}

}  // namespace ts::plot
