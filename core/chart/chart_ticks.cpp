// The ticks of a chart's axes and their labels (declared in core/chart/svg_chart.h): shared by
// the SVG charts and the window's plots.
#include "core/chart/svg_chart.h"

#include <cmath>
#include <cstdio>

namespace ts {

// A tick label: few significant digits, exponent form for very large or small values.
std::string tick_label(double v) {
  if (v == 0.0) return "0";
  char buf[32];
  const double a = std::abs(v);
  // Round thousands and millions as 10k, 2.5M: a step axis never reads 1e+04. From a billion
  // on, powers of ten: a diverged loss axis reads 1e+21, not 1e+15M.
  if (a >= 1e6 && a < 1e9 && std::fmod(a, 1e5) == 0) {
    std::snprintf(buf, sizeof buf, "%gM", v / 1e6);
    return buf;
  }
  if (a >= 1e4 && a < 1e9 && std::fmod(a, 1e2) == 0) {
    std::snprintf(buf, sizeof buf, "%gk", v / 1e3);
    return buf;
  }
  if (a >= 1e5 || a < 1e-3)
    std::snprintf(buf, sizeof buf, "%.3g", v);
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return out;
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double f : {1.0, 2.0, 5.0, 10.0})
    if (f * mag >= raw) {
      step = f * mag;
      break;
    }
  if (!(lo + step > lo) || !(hi + step > hi)) return out;  // a range below double spacing
  const double first = std::ceil(lo / step);
  for (int i = 0; i < 1000; ++i) {
    const double v = (first + i) * step;
    if (v > hi + step * 1e-9) break;
    out.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return out;
}

std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> out;
  if (!(hi > lo) || !(lo > 0) || !std::isfinite(hi)) return out;
  const int a = int(std::floor(std::log10(lo))), b = int(std::ceil(std::log10(hi)));
  const bool fine = b - a <= 2;
  for (int e = a; e <= b; ++e)
    for (double f : fine ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
      const double v = f * std::pow(10.0, e);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
    }
  // A range narrower than the gap between two of those (0.031 to 0.049): plain nice ticks,
  // so a narrow log plot still has its labels.
  if (out.size() < 2) {
    out.clear();
    for (double v : nice_ticks(lo, hi, 4))
      if (v > 0 && v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
  }
  return out;
}

}  // namespace ts
