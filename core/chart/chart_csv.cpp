// A chart's data as CSV (declared in core/chart/svg_chart.h): a row per point of each series,
// with its bin's right edge or band where the chart has them, and a row per marker.
#include "core/chart/svg_chart.h"

#include "core/io/csv_writer.h"

#include <algorithm>

namespace ts {

std::string chart_csv(const SvgChart& chart) {
  bool bands = false, bins = false, runs = false;
  for (const auto& s : chart.series) {
    bands |= !s.lo.empty();
    bins |= s.kind == SvgSeries::Kind::histogram;
    runs |= !s.group.empty();
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head{"series", "x"};
  if (runs) head.insert(head.begin(), "run");
  if (bins) head.push_back("x_right");
  head.push_back("y");
  if (bands) {
    head.push_back("lo");
    head.push_back("hi");
  }
  rows.push_back(head);
  for (const auto& s : chart.series) {
    const bool hist = s.kind == SvgSeries::Kind::histogram;
    const std::size_t n = hist ? std::min(s.y.size(), s.x.empty() ? 0 : s.x.size() - 1)
                               : std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<std::string> r{s.name, csv_field(s.x[i])};
      if (runs) r.insert(r.begin(), s.group);
      if (bins) r.push_back(hist ? csv_field(s.x[i + 1]) : "");
      r.push_back(csv_field(s.y[i]));
      if (bands) {
        r.push_back(i < s.lo.size() ? csv_field(s.lo[i]) : "");
        r.push_back(i < s.hi.size() ? csv_field(s.hi[i]) : "");
      }
      if (!chart.markers.empty()) r.push_back("");
      rows.push_back(std::move(r));
    }
  }
  if (!chart.markers.empty()) {
    rows.front().push_back("label");
    for (const SvgMarker& m : chart.markers) {
      std::vector<std::string> r(rows.front().size());
      const std::size_t first = runs ? 1 : 0;  // after the run column
      if (runs) r[0] = m.group;
      r[first] = "marker";
      r[first + 1] = csv_field(m.x);
      r.back() = m.label;
      rows.push_back(std::move(r));
    }
  }
  return csv_text(rows);
}

}  // namespace ts
