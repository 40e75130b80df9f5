#include "core/text_format.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace ts {

std::string format_number(double v) {
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, result.ptr);
}

std::string format_fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  return join(std::vector<std::string_view>(items.begin(), items.end()));
}

std::string counted(long long n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string time_left(double seconds, double progress) {
  if (progress < 0.002 || progress >= 1.0 || seconds < 3.0) return "";
  const double left = seconds * (1.0 - progress) / progress;
  char text[48];
  if (left < 90)
    std::snprintf(text, sizeof text, "about %.0f s left", std::max(1.0, left));
  else if (left < 90 * 60)
    std::snprintf(text, sizeof text, "about %.0f min left", left / 60);
  else
    std::snprintf(text, sizeof text, "about %.1f h left", left / 3600);
  return text;
}

std::string progress_text(double seconds, double progress) {
  char percent[32];
  std::snprintf(percent, sizeof percent, "%.*f%%", progress < 0.1 ? 1 : 0, 100 * progress);
  const std::string left = time_left(seconds, progress);
  return left.empty() ? percent : percent + (", " + left);
}

}  // namespace ts
