#include "core/chart/overlay_chart.h"

#include "core/error.h"

#include <algorithm>

namespace ts {

void style_overlay_line(SvgSeries& s, int rank) {
  s.dashed = s.dashed || rank >= 1;
  s.dotted = s.dotted || rank >= 2;
}

SvgChart overlay_charts(const std::vector<RunChart>& runs) {
  if (runs.empty()) throw Error("an overlay needs at least one run's chart");
  // The title, labels and scales of the run's chart with the most series: runs drawn alike
  // have the first's, and where only some runs have more (the sharpness on the learning-rate
  // chart, on its log scale), theirs.
  const auto richest = std::max_element(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
    return a.chart.series.size() < b.chart.series.size();
  });
  SvgChart out = richest->chart;
  out.series.clear();
  out.markers.clear();
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const RunChart& rc = runs[r];
    const std::string color = rc.color.empty() ? palette_color(r) : rc.color;
    const auto listed = std::count_if(rc.chart.series.begin(), rc.chart.series.end(),
                                      [](const SvgSeries& s) { return !s.name.empty(); });
    int solid_lines = 0;  // the run's listed lines at full opacity so far
    for (SvgSeries s : rc.chart.series) {
      const bool named = !s.name.empty();
      if (named) s.name = listed > 1 ? rc.run + " " + s.name : rc.run;
      s.color = color;
      // The run's first listed line solid, the second dashed, the rest dotted; a faint raw
      // series goes with the line drawn over it.
      if (named && s.opacity >= 1.0) style_overlay_line(s, solid_lines++);
      s.group = rc.run;
      out.series.push_back(std::move(s));
    }
    for (SvgMarker m : rc.chart.markers) {
      m.label = rc.run + ": " + m.label;
      m.group = rc.run;
      out.markers.push_back(std::move(m));
    }
  }
  return out;
}

}  // namespace ts
