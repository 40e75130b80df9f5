#include "core/chart/event_markers.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ts {

namespace {
// Long numbers in a tag to three significant digits: 0.037533432234236636 -> 0.0375.
std::string short_numbers(const std::string& text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const bool starts = (c >= '0' && c <= '9') && (i == 0 || text[i - 1] == ' ');
    if (starts) {
      const char* begin = text.c_str() + i;
      char* end = nullptr;
      const double v = std::strtod(begin, &end);
      const std::size_t len = std::size_t(end - begin);
      if (len > 6 && (i + len == text.size() || text[i + len] == ' ')) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g", v);
        out += buf;
        i += len;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}
}  // namespace

std::string event_tag(const std::string& detail) {
  std::string d = detail;
  if (d.rfind("(scripted) ", 0) == 0) d = d.substr(11);
  if (d.rfind("(scheduled) ", 0) == 0) d = d.substr(12);
  std::size_t end = d.size();
  for (const char* stop : {": ", "; ", " (", ", "}) end = std::min(end, d.find(stop));
  std::string tag = short_numbers(d.substr(0, end));
  if (tag.size() > 44) tag = tag.substr(0, 42) + "..";
  const auto test = detail.find("test ", detail.find("now: "));
  if (detail.find("now: ") != std::string::npos && test != std::string::npos) {
    const auto pct = detail.find('%', test);
    if (pct != std::string::npos) tag += " -> " + detail.substr(test, pct + 1 - test);
  }
  return tag;
}

MarkerPlace MarkerPlacer::place(double x, double tag_w, double tag_h) {
  const double g = l_.glyph_r;
  int level = 0;
  for (const auto& [cx, n] : columns_)
    if (std::abs(cx - x) < 2 * g + l_.pad) level = std::max(level, n);
  auto at = [&](int row) {
    MarkerPlace p;
    p.cy = l_.top + g + l_.pad + row * l_.row_h;
    p.x0 = x + g + l_.gap, p.x1 = p.x0 + tag_w, p.y0 = p.cy - tag_h / 2, p.y1 = p.cy + tag_h / 2;
    if (p.x1 > l_.right - 2) p.x1 = x - g - l_.gap, p.x0 = p.x1 - tag_w;  // left of it
    return p;
  };
  auto free = [&](const MarkerPlace& p) {
    return p.x0 > l_.left && p.y1 < l_.bottom &&
           std::none_of(tags_.begin(), tags_.end(), [&](const Box& t) {
             return p.x0 < t.x1 + 4 && t.x0 < p.x1 + 4 && p.y0 < t.y1 && t.y0 < p.y1;
           });
  };
  MarkerPlace place = at(level);
  if (tag_w > 0)
    for (int k = level; k < level + 4; ++k)
      if (MarkerPlace p = at(k); free(p)) {
        place = p;
        place.tagged = true;
        tags_.push_back({p.x0, p.y0, p.x1, p.y1});
        level = k;
        break;
      }
  columns_.emplace_back(x, level + 1);
  return place;
}

std::optional<SvgMarker> event_marker(int64_t step, EventKind kind, const std::string& detail) {
  SvgMarker m;
  m.x = double(step);
  m.label = "step " + std::to_string(step) + ": " + to_string(kind) + ": " + detail;
  m.tag = event_tag(detail);
  // Colours away from the curves' blue, red and green (train, validation, test).
  switch (kind) {
    case EventKind::set:
      // How the run is watched (its speed, threads, statistics) changes nothing it learns.
      for (const char* view :
           {"steps_per_s ", "threads ", "stats_interval ", "sharpness_interval "})
        if (detail.rfind(view, 0) == 0 || detail.rfind(std::string("(scripted) ") + view, 0) == 0)
          return std::nullopt;
      [[fallthrough]];
    case EventKind::schedule:
    case EventKind::optimizer:
      m.kind = "live change", m.color = "#e8a317", m.shape = SvgMarker::Shape::triangle;
      break;
    case EventKind::prune:
      m.kind = "prune", m.color = "#e377c2", m.shape = SvgMarker::Shape::cross;
      break;
    case EventKind::divergence:
    case EventKind::error:
      m.kind = "divergence", m.color = "#ff7f0e", m.shape = SvgMarker::Shape::diamond;
      break;
    case EventKind::rewind:
    case EventKind::reset:
    case EventKind::load:
    case EventKind::freeze:
    case EventKind::unfreeze:
      m.kind = "rewind, load, freeze", m.color = "#9467bd", m.shape = SvgMarker::Shape::square;
      break;
    case EventKind::fork:
      m.kind = "fork", m.color = "#8c564b", m.shape = SvgMarker::Shape::triangle;
      break;
    case EventKind::early_stop:
      m.kind = "early stop", m.color = "#17becf", m.shape = SvgMarker::Shape::diamond;
      break;
    default:
      return std::nullopt;
  }
  return m;
}

}  // namespace ts
