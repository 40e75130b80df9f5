#include "core/io/svg_writer.h"

#include <cstdio>

namespace ts {

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string svg_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string svg_point(double x, double y) { return svg_number(x) + "," + svg_number(y); }

SvgWriter::SvgWriter(SvgAttrs root) {
  out_ = "<svg xmlns=\"http://www.w3.org/2000/svg\"";
  for (const SvgAttr& a : root) out_ += std::string(" ") + a.name + "=\"" + a.value + "\"";
  out_ += ">\n";
}

void SvgWriter::start_tag(const char* tag, SvgAttrs attrs) {
  out_ += '<';
  out_ += tag;
  for (const SvgAttr& a : attrs)
    if (a.name) out_ += std::string(" ") + a.name + "=\"" + a.value + "\"";
}

void SvgWriter::element(const char* tag, SvgAttrs attrs, const std::string& text) {
  start_tag(tag, attrs);
  if (text.empty())
    out_ += "/>\n";
  else
    out_ += ">" + xml_escape(text) + "</" + tag + ">\n";
}

void SvgWriter::element_with_title(const char* tag, SvgAttrs attrs, const std::string& title) {
  start_tag(tag, attrs);
  out_ += "><title>" + xml_escape(title) + "</title></" + tag + ">\n";
}

void SvgWriter::open(const char* tag, SvgAttrs attrs) {
  start_tag(tag, attrs);
  out_ += ">\n";
}

void SvgWriter::close(const char* tag) { out_ += std::string("</") + tag + ">\n"; }

void SvgWriter::note(double width, double height, const std::string& text) {
  if (text.empty()) return;
  element("text",
          {{"x", width - 6},
           {"y", height - 4},
           {"text-anchor", "end"},
           {"font-size", "10"},
           {"fill-opacity", "0.7"}},
          text);
}

std::string SvgWriter::finish() {
  out_ += "</svg>\n";
  return std::move(out_);
}

}  // namespace ts
