#include "core/chart/event_markers.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace ts;

TEST_CASE("each kind of event has its own marker colour and glyph, none a curve's colour") {
  const std::set<std::string> curves{"#1f77b4", "#d62728", "#2ca02c"};  // train, validation, test
  std::set<std::string> colors;
  std::set<std::string> kinds;
  for (EventKind k : {EventKind::set, EventKind::prune, EventKind::divergence, EventKind::rewind,
                      EventKind::early_stop}) {
    const auto m = event_marker(10, k, "x");
    REQUIRE(m);
    CHECK(curves.count(m->color) == 0);
    CHECK(m->shape != SvgMarker::Shape::none);
    colors.insert(m->color);
    kinds.insert(m->kind);
  }
  CHECK(colors.size() == 5);
  CHECK(kinds.size() == 5);
  // Changes of one family share a mark; events that change nothing drawn have none.
  CHECK(event_marker(1, EventKind::schedule, "x")->kind ==
        event_marker(1, EventKind::set, "x")->kind);
  CHECK(event_marker(1, EventKind::load, "x")->kind ==
        event_marker(1, EventKind::rewind, "x")->kind);
  CHECK_FALSE(event_marker(1, EventKind::pause, "paused"));
  CHECK_FALSE(event_marker(1, EventKind::save, "checkpoint"));
  CHECK_FALSE(
      event_marker(1, EventKind::set, "steps_per_s full speed -> 20"));  // how it is watched
  CHECK(event_marker(1, EventKind::set, "momentum 0.9 -> 0.5"));
}

TEST_CASE(
    "an event's tag is its first clause with short numbers and the accuracy measured after it") {
  CHECK(event_tag("prune magnitude 50% of fc1: fc1: removed 117600 of 235200 (117600 left); now: "
                  "validation 41.20%; test 40.73%") == "prune magnitude 50% of fc1 -> test 40.73%");
  CHECK(event_tag(
            "learning rate 0.037533432234236636 -> 0.012990999966859818 (constant from now on)") ==
        "learning rate 0.0375 -> 0.013");
  CHECK(event_tag("(scripted) learning rate 0.05 -> 0.01 (constant from now on)") ==
        "learning rate 0.05 -> 0.01");
  CHECK(event_tag("Training diverged: the loss is NaN") == "Training diverged");
  const auto m =
      event_marker(2930, EventKind::set, "learning rate 0.05 -> 0.01 (constant from now on)");
  CHECK(m->label == "step 2930: set: learning rate 0.05 -> 0.01 (constant from now on)");
  CHECK(m->x == 2930.0);
}

TEST_CASE("an SVG lists each kind of event in its legend and draws a glyph and tag per event") {
  SvgChart c;
  c.x_label = "step";
  SvgSeries s;
  s.name = "train";
  s.x = {0, 100, 200};
  s.y = {1, 0.5, 0.3};
  c.series.push_back(s);
  c.markers.push_back(
      *event_marker(50, EventKind::prune,
                    "prune magnitude 50% of fc1: removed; now: validation 50.00%; test 49.00%"));
  c.markers.push_back(
      *event_marker(50, EventKind::set, "learning rate 0.1 -> 0.01 (constant from now on)"));
  c.markers.push_back(*event_marker(150, EventKind::prune, "prune magnitude 20% of fc2: removed"));
  const std::string svg = to_svg(c);
  auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto at = svg.find(what); at != std::string::npos; at = svg.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count(">prune</text>") == 1);  // the legend, once per kind
  CHECK(count(">live change</text>") == 1);
  CHECK(count(">prune magnitude 50% of fc1 -&gt; test 49.00%</text>") == 1);
  CHECK(count("<title>step 50: prune: ") == 1);
  CHECK(count("<polygon") == 2);  // the live change's triangle, on the line and in the legend
  // The two events of step 50 stack: their glyphs are at two heights.
  CHECK(count("stroke=\"#e377c2\" stroke-width") == 3);  // two prune crosses and the legend's
  SvgChart dark = c;
  dark.dark = true;
  const std::string d = to_svg(dark);
  CHECK(d.find("fill=\"#1e2026\"") != std::string::npos);
  CHECK(d.find("fill=\"white\"") == std::string::npos);
}

TEST_CASE("event kinds: the commands' kinds under their names, and every name read back") {
  CHECK(std::string(to_string(event_kind_of(CommandKind::set))) == to_string(CommandKind::set));
  CHECK(std::string(to_string(event_kind_of(CommandKind::load))) == "load");
  for (const char* name : {"start", "prune", "rejected", "divergence", "error", "checkpoint",
                           "early_stop", "end", "final"}) {
    const auto k = event_kind_from_string(name);
    REQUIRE(k);
    CHECK(std::string(to_string(*k)) == name);
  }
  CHECK_FALSE(event_kind_from_string("spike"));
}
