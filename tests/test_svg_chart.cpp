// SVG charts: tick positions by their closed form, escaping, and broken lines at gaps.
#include "core/chart/rose_svg.h"
#include "core/chart/svg_chart.h"
#include "core/io/svg_writer.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <limits>

using namespace ts;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("ticks are 1, 2 or 5 times a power of ten") {
  const auto unit = nice_ticks(0, 1, 5);  // raw step 0.2
  REQUIRE(unit.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) CHECK(unit[i] == doctest::Approx(0.2 * double(i)));
  const auto t = nice_ticks(-3.3, 47, 6);  // raw step 8.4: 10, and no tick below -3.3
  REQUIRE(t.size() == 5);
  CHECK(t.front() == 0.0);
  CHECK(t.back() == doctest::Approx(40.0));
  CHECK(t[1] - t[0] == doctest::Approx(10.0));
  CHECK(nice_ticks(1, 1).empty());
  CHECK(log_ticks(0.003, 20) == std::vector<double>{0.01, 0.1, 1, 10});
  const auto fine = log_ticks(1, 50);
  CHECK(fine == std::vector<double>{1, 2, 5, 10, 20, 50});
  CHECK(log_ticks(0, 10).empty());
}

TEST_CASE("a chart escapes its text, breaks lines at gaps and lists named series") {
  SvgChart c;
  c.title = "a < b & \"c\"";
  SvgSeries line;
  line.name = "loss";
  line.x = {0, 1, 2, 3, 4};
  line.y = {1, 2, std::numeric_limits<double>::quiet_NaN(), 3, 4};
  SvgSeries hidden;
  hidden.kind = SvgSeries::Kind::markers;
  hidden.x = {1, 2};
  hidden.y = {1, 1};
  SvgSeries hist;
  hist.name = "bins";
  hist.kind = SvgSeries::Kind::histogram;
  hist.x = {0, 1, 2};
  hist.y = {3, 1};
  c.series = {line, hidden, hist};
  const std::string svg = to_svg(c);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("a &lt; b &amp; &quot;c&quot;") != std::string::npos);
  CHECK(svg.find("a < b") == std::string::npos);
  // The NaN splits the polyline into two pieces: two move-to commands in its path.
  const auto p = svg.find("stroke-width=\"1.6\"");
  REQUIRE(p != std::string::npos);
  const auto start = svg.rfind("<path d=\"", p);
  CHECK(count(svg.substr(start, p - start), " M") == 2);
  CHECK(count(svg, "<circle") == 2);
  CHECK(svg.find(">loss</text>") != std::string::npos);
  CHECK(svg.find(">bins</text>") != std::string::npos);
  CHECK(svg.find("</svg>") != std::string::npos);
}

TEST_CASE("degenerate ranges still give a finite chart") {
  SvgChart c;
  SvgSeries s;
  s.x = {0, 1};
  s.y = {0.3, 0.30000000000000004};  // closer than any tick step a double can take
  c.series = {s};
  CHECK(to_svg(c).find("nan") == std::string::npos);
  c.y_min = 0.0;
  c.y_max = 0.0;  // both ends fixed to one value
  CHECK(to_svg(c).find("nan") == std::string::npos);
  c.log_x = true;  // a log axis over data that is all 0 or negative
  c.series[0].x = {0, -1};
  CHECK(to_svg(c).find("nan") == std::string::npos);
}

TEST_CASE(
    "a chart's CSV holds every drawn point, bin and band, and its colours follow the palette") {
  SvgChart c;
  SvgSeries a;
  a.name = "mean";
  a.x = {0, 1};
  a.y = {0.5, 0.25};
  a.lo = {0.4, 0.2};
  a.hi = {0.6, 0.3};
  SvgSeries h;
  h.name = "angles, init";
  h.kind = SvgSeries::Kind::histogram;
  h.x = {70, 80, 90};
  h.y = {3, 5};
  SvgSeries m;
  m.kind = SvgSeries::Kind::markers;
  m.color = "#123456";
  m.x = {2};
  m.y = {7};
  c.series = {a, h, m};
  CHECK(chart_csv(c) ==
        "series,x,x_right,y,lo,hi\n"
        "mean,0,,0.5,0.4,0.6\n"
        "mean,1,,0.25,0.2,0.3\n"
        "\"angles, init\",70,80,3,,\n"
        "\"angles, init\",80,90,5,,\n"
        ",2,,7,,\n");
  SvgChart plain;
  plain.series = {m};
  CHECK(chart_csv(plain) == "series,x,y\n,2,7\n");
  // Own colour kept; the others take the palette in order, as to_svg draws them.
  CHECK(series_colors(c) == std::vector<std::string>{"#1f77b4", "#d62728", "#123456"});
}

TEST_CASE("event markers are vertical lines with their label in the SVG and rows in the CSV") {
  SvgChart c;
  SvgSeries raw;
  raw.name = "loss";
  raw.x = {0, 10, 20};
  raw.y = {2, 1, 0.5};
  raw.opacity = 0.35;
  c.series = {raw};
  ts::SvgMarker prune_marker, lr_marker;
  prune_marker.x = 10, prune_marker.label = "prune <fc1>", prune_marker.color = "#ff0000";
  lr_marker.x = 15, lr_marker.label = "lr 0.1 -> 0.01";
  c.markers = {prune_marker, lr_marker};
  const std::string svg = to_svg(c);
  CHECK(count(svg, "stroke-dasharray=\"3,3\"") == 2);
  CHECK(count(svg, "<title>prune &lt;fc1&gt;</title>") == 1);
  CHECK(count(svg, "stroke-opacity=\"0.35\"") == 1);
  CHECK(chart_csv(c) ==
        "series,x,y,label\n"
        "loss,0,2,\n"
        "loss,10,1,\n"
        "loss,20,0.5,\n"
        "marker,10,,prune <fc1>\n"
        "marker,15,,lr 0.1 -> 0.01\n");
}

TEST_CASE("a legend box counts the points under it, the lines across it and the bars into it") {
  // Pixels = 10 * value, y down from 100: the box [40, 60] x [40, 60] holds values 4..6.
  const PixelMap mx = PixelMap::between(0, 10, 0, 100, false);
  const PixelMap my = PixelMap::between(0, 10, 100, 0, false);
  CHECK(mx(5) == doctest::Approx(50));
  CHECK(my(2) == doctest::Approx(80));
  const PixelMap lg = PixelMap::between(1, 100, 0, 200, true);
  CHECK(lg(10) == doctest::Approx(100));

  std::vector<SvgSeries> series(4);
  series[0].x = {0, 10};  // one diagonal segment through the box, no point in it
  series[0].y = {0, 10};
  series[1].x = {0, 5, 10};  // a point inside; its two segments start or end there
  series[1].y = {9, 5, 9};
  series[2].kind = SvgSeries::Kind::markers;  // markers: only points count
  series[2].x = {0, 10};
  series[2].y = {0, 10};
  series[3].kind = SvgSeries::Kind::histogram;  // bars: 3 tall at x=4.5 (below), 7 tall at x=5
  series[3].x = {4.5, 5, 8};
  series[3].y = {3, 7, 9};
  auto cover = [&](std::vector<std::size_t> which) {
    return legend_cover(series, which, mx, my, 40, 40, 60, 60);
  };
  CHECK(cover({0}) == 1);
  CHECK(cover({1}) == 1);
  CHECK(cover({2}) == 0);
  CHECK(cover({3}) == 1);
  CHECK(cover({0, 1, 2, 3}) == 3);
  // A segment that passes beside the box, and a gap (NaN) that breaks a line across it.
  series[0].y = {0, 1};
  CHECK(cover({0}) == 0);
  series[0].x = {0, 5, 10};
  series[0].y = {5, std::nan(""), 5};
  CHECK(cover({0}) == 0);
}

TEST_CASE("rose SVG: a wedge per filled bin, a quarter or a half disc, area-true radii") {
  SvgChart c;
  c.title = "angles <fc1>";
  c.x_label = "degrees";
  SvgSeries init, now;
  init.name = "at init";
  now.name = "now";
  init.kind = now.kind = SvgSeries::Kind::histogram;
  init.x = now.x = {40, 50, 60, 70, 80, 90};
  init.y = {0, 1, 4, 9, 2};
  now.y = {3, 0, 16, 1, 0};
  c.series = {init, now};
  RoseLayout l = rose_layout(c);
  CHECK(l.span_deg == 90.0);
  CHECK(l.max_count == 16.0);
  const std::string svg = to_rose_svg(c, 500);
  std::size_t wedges = 0;
  for (std::size_t at = svg.find("<path d=\"M"); at != std::string::npos;
       at = svg.find("<path d=\"M", at + 1))
    wedges += svg.compare(svg.find(' ', at + 10) + 1, 1, "L") == 0;
  CHECK(wedges == 4 + 3);  // the filled bins of both series
  CHECK(svg.find("angles &lt;fc1&gt;") != std::string::npos);
  CHECK(svg.find(">at init<") != std::string::npos);
  CHECK(svg.find(">90°<") != std::string::npos);
  // The largest wedge (16 of 16) reaches the full radius, a count of 4 half of it: the
  // quarter disc of a 500 px rose has radius 500 - 2 * 40 = 420.
  CHECK(svg.find("A420.00,420.00") != std::string::npos);
  CHECK(svg.find("A210.00,210.00") != std::string::npos);
  now.x.back() = 120;
  c.series = {init, now};
  CHECK(rose_layout(c).span_deg == 180.0);
}

TEST_CASE("a chart cuts its data to the plot area itself, with no SVG clip path") {
  // Some renderers (ImageMagick's own) drop everything inside a clip path: the data must be
  // cut here. A line from (0, 0) to (10, 20) on a y axis fixed at [0, 10] leaves the plot
  // halfway, at x = 5; a band and a histogram reach past the top too.
  SvgChart c;
  c.width = 400;
  c.height = 300;
  c.x_min = 0;
  c.x_max = 10;
  c.y_min = 0;
  c.y_max = 10;
  SvgSeries line;
  line.name = "line";
  line.color = "#ff0000";
  line.x = {0, 10};
  line.y = {0, 20};
  SvgSeries band = line;
  band.name = "band";
  band.color = "#00ff00";
  band.x = {0, 5, 10};
  band.y = {5, 5, 5};
  band.lo = {4, 4, 4};
  band.hi = {6, 30, 6};
  SvgSeries hist;
  hist.name = "hist";
  hist.kind = SvgSeries::Kind::histogram;
  hist.x = {0, 5, 10};
  hist.y = {3, 40};
  c.series = {line, band, hist};
  const std::string svg = to_svg(c);
  CHECK(svg.find("clip") == std::string::npos);
  // The plot area: left 72, right 400 - 20, top 40 (a title-less chart has 20), bottom 300 - 56.
  const double left = 72, right = 380, top = 20, bottom = 244;
  std::size_t coordinates = 0;
  for (std::size_t at = svg.find(" d=\""); at != std::string::npos;
       at = svg.find(" d=\"", at + 1)) {
    const std::string d = svg.substr(at + 4, svg.find('"', at + 4) - at - 4);
    for (std::size_t p = 0; p < d.size();) {
      if (d[p] != 'M' && d[p] != 'L') {
        ++p;
        continue;
      }
      double x = 0, y = 0;
      REQUIRE(std::sscanf(d.c_str() + p + 1, "%lf,%lf", &x, &y) == 2);
      CHECK(x >= left - 1e-6);
      CHECK(x <= right + 1e-6);
      CHECK(y >= top - 1e-6);
      CHECK(y <= bottom + 1e-6);
      ++coordinates;
      ++p;
    }
  }
  CHECK(coordinates >= 10);
  // The line ends where it crosses the top: x = 5 of 10, halfway across.
  const std::string half = "L" + std::to_string(int(left + (right - left) / 2));
  CHECK(svg.find(half) != std::string::npos);
  // The legend shows each line's style: a dashed series draws a dashed sample.
  c.series[0].dashed = true;
  CHECK(count(to_svg(c), "stroke-dasharray=\"5,3\"") == 1);
}

TEST_CASE("tick labels read 10k and 2.5M on a step axis, not 1e+04") {
  CHECK(ts::tick_label(10000) == "10k");
  CHECK(ts::tick_label(12500) == "12.5k");
  CHECK(ts::tick_label(2500000) == "2.5M");
  CHECK(ts::tick_label(1e21) == "1e+21");  // a diverged loss axis, not "1e+15M"
  CHECK(ts::tick_label(5e8) == "500M");
  CHECK(ts::tick_label(5000) == "5000");
  CHECK(ts::tick_label(0.05) == "0.05");
  CHECK(ts::tick_label(1e-5) == "1e-05");
  CHECK(ts::tick_label(0) == "0");
}

TEST_CASE("a log axis narrower than a 1-2-5 step still gets ticks") {
  const auto t = ts::log_ticks(0.031, 0.049);
  REQUIRE(t.size() >= 2);
  for (double v : t) CHECK((v >= 0.031 && v <= 0.049));
  CHECK(ts::log_ticks(0.01, 1000) == std::vector<double>{0.01, 0.1, 1, 10, 100, 1000});
}

TEST_CASE("the SVG writer: two-decimal numbers, escaped text, optional attributes, titles") {
  ts::SvgWriter svg({{"width", 640}, {"height", 400.5}});
  svg.element("rect", {{"x", 1.0 / 3.0}, {"fill", "a\"b"}});
  svg.element("text", {{"x", -2.0}, ts::SvgAttr::when(false, {"text-anchor", "end"})}, "a < b & c");
  svg.element_with_title("line", {ts::SvgAttr::when(true, {"stroke", "#888"})}, "lr > 0.1");
  svg.open("g", {{"transform", "translate(0,40)"}});
  svg.close("g");
  CHECK(svg.finish() ==
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"400.50\">\n"
        "<rect x=\"0.33\" fill=\"a&quot;b\"/>\n"
        "<text x=\"-2.00\">a &lt; b &amp; c</text>\n"
        "<line stroke=\"#888\"><title>lr &gt; 0.1</title></line>\n"
        "<g transform=\"translate(0,40)\">\n"
        "</g>\n"
        "</svg>\n");
  CHECK(ts::svg_point(1.005, -0.5) == "1.00,-0.50");
}
