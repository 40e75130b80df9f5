// The one writer of SVG documents: the charts (core/chart/svg_chart.h), the roses
// (core/chart/rose_svg.h) and the heatmaps (app/plot/heatmap_export.h) build their files with
// it, so every SVG the project writes formats numbers (two decimals) and escapes text the same
// way. Elements are written in the order asked for; a plain string builder, no state beyond it.
//
//   SvgWriter svg({{"width", 640}, {"height", 400}});
//   svg.element("rect", {{"x", 10.0}, {"y", 20.0}, {"fill", "white"}});
//   svg.element("text", {{"x", 5.0}, {"y", 5.0}}, "a < b");   // text escaped
//   std::string file = svg.finish();
#pragma once

#include <initializer_list>
#include <string>

namespace ts {

// Text for an attribute or an element: &, <, > and " escaped.
std::string xml_escape(const std::string& s);
// A coordinate or size as written in every SVG: two decimals ("12.50").
std::string svg_number(double v);
// "x,y" for path data and polygon points.
std::string svg_point(double x, double y);

// One attribute: a double is written with svg_number, an int as an integer, text escaped.
struct SvgAttr {
  SvgAttr(const char* name, double v) : name(name), value(svg_number(v)) {}
  SvgAttr(const char* name, int v) : name(name), value(std::to_string(v)) {}
  SvgAttr(const char* name, const std::string& v) : name(name), value(xml_escape(v)) {}
  SvgAttr(const char* name, const char* v) : name(name), value(xml_escape(v)) {}
  // `a` when `on`, else nothing: an attribute written only in some cases.
  static SvgAttr when(bool on, SvgAttr a) {
    if (!on) a.name = nullptr;
    return a;
  }
  const char* name;  // nullptr: left out
  std::string value;
};
using SvgAttrs = std::initializer_list<SvgAttr>;

class SvgWriter {
 public:
  // Opens the document: <svg xmlns="http://www.w3.org/2000/svg" ...root attributes>.
  explicit SvgWriter(SvgAttrs root);

  // <tag attrs/>, or <tag attrs>text</tag> when `text` is not empty (escaped).
  void element(const char* tag, SvgAttrs attrs, const std::string& text = "");
  // <tag attrs><title>tip</title></tag>: a shape with a hover text.
  void element_with_title(const char* tag, SvgAttrs attrs, const std::string& title);
  // <tag attrs> ... </tag> around what is written between.
  void open(const char* tag, SvgAttrs attrs);
  void close(const char* tag);
  // A note in small faint type at the bottom right of a width x height document (where a
  // figure came from); nothing when `text` is empty.
  void note(double width, double height, const std::string& text);

  // The document, closed.
  std::string finish();

 private:
  void start_tag(const char* tag, SvgAttrs attrs);

  std::string out_;
};

}  // namespace ts
