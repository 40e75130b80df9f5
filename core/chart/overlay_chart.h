// Several runs' charts of one kind drawn as one: the overlays of a study or of runs side by
// side. Each run keeps one colour on every chart (the palette's, by its place in the list); within
// a run the first listed series is solid, the second dashed and the others dotted, and every
// series and marker carries its run as its group (a `run` column in the CSV). Pure functions;
// any thread.
#pragma once

#include "core/chart/svg_chart.h"

#include <string>
#include <vector>

namespace ts {

struct RunChart {
  std::string run;  // the run's name
  SvgChart chart;
  std::string color = {};  // "#rrggbb"; empty: the palette's, by its place in the list
};

// One chart with every run's series and markers: titles and axes from the chart with the most
// series (the first of those; a learning-rate chart with the sharpness on its log scale over
// one without); a series is named for its run ("sgd"), or for its run and its own name ("sgd
// validation") when the run's chart lists several; markers' labels start with their run.
// Throws ts::Error when `runs` is empty.
SvgChart overlay_charts(const std::vector<RunChart>& runs);

// How a run's line is drawn on an overlay by its rank among the run's listed lines (from 0):
// the first solid, the second dashed, the rest dotted (a style the series had stays).
void style_overlay_line(SvgSeries& s, int rank);

}  // namespace ts
