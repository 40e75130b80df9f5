#include "app/plot/heatmap.h"

#include "app/plot/export_menu.h"
#include "app/plot/frame_signature.h"
#include "app/plot/plot_frame.h"
#include "app/plot/shaders.h"

#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>

#include <cmath>
#include <cstdio>

namespace ts::plot {

namespace {

// The colormap program, built on first use in the window's GL context.
struct Program {
  GLuint id = 0;
  GLint proj = -1, texture = -1, lo = -1, hi = -1, stops = -1, stop_count = -1, no_value = -1;
  bool failed = false;
};

GLuint compile(GLenum kind, const char* source, const char* name) {
  const GLuint s = glCreateShader(kind);
  glShaderSource(s, 1, &source, nullptr);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char log[1024] = {};
    glGetShaderInfoLog(s, sizeof log, nullptr, log);
    std::fprintf(stderr, "trainscope: shaders/%s does not compile: %s\n", name, log);
    glDeleteShader(s);
    return 0;
  }
  return s;
}

Program& program() {
  static Program p;
  if (p.id || p.failed) return p;
  const GLuint v = compile(GL_VERTEX_SHADER, shaders::kColormapVert, "colormap.vert");
  const GLuint f = compile(GL_FRAGMENT_SHADER, shaders::kColormapFrag, "colormap.frag");
  if (!v || !f) {
    p.failed = true;
    return p;
  }
  p.id = glCreateProgram();
  glAttachShader(p.id, v);
  glAttachShader(p.id, f);
  // Built inside a draw callback, where ImGui's program is current and its vertex arrays
  // point at its own attribute locations: take the same ones.
  GLint imgui_program = 0;
  glGetIntegerv(GL_CURRENT_PROGRAM, &imgui_program);
  for (const char* name : {"Position", "UV", "Color"}) {
    const GLint at = imgui_program ? glGetAttribLocation(GLuint(imgui_program), name) : -1;
    if (at >= 0) glBindAttribLocation(p.id, GLuint(at), name);
  }
  glLinkProgram(p.id);
  glDeleteShader(v);
  glDeleteShader(f);
  GLint ok = 0;
  glGetProgramiv(p.id, GL_LINK_STATUS, &ok);
  if (!ok) {
    char log[1024] = {};
    glGetProgramInfoLog(p.id, sizeof log, nullptr, log);
    std::fprintf(stderr, "trainscope: shaders/colormap.vert and colormap.frag do not link: %s\n",
                 log);
    glDeleteProgram(p.id);
    p.id = 0;
    p.failed = true;
    return p;
  }
  p.proj = glGetUniformLocation(p.id, "ProjMtx");
  p.texture = glGetUniformLocation(p.id, "Texture");
  p.lo = glGetUniformLocation(p.id, "Lo");
  p.hi = glGetUniformLocation(p.id, "Hi");
  p.stops = glGetUniformLocation(p.id, "Stops");
  p.stop_count = glGetUniformLocation(p.id, "StopCount");
  p.no_value = glGetUniformLocation(p.id, "NoValue");
  return p;
}

}  // namespace

void Heatmap::upload(int rows, int cols, std::span<const float> values) {
  rows_ = rows;
  cols_ = cols;
  values_.assign(values.begin(), values.end());
  values_.resize(std::size_t(rows) * std::size_t(cols), NAN);
  if (empty()) return;
  texture_.upload(cols, rows, std::span<const float>(values_));
}

void Heatmap::render_callback(const ImDrawList*, const ImDrawCmd* cmd) {
  const Heatmap* h = static_cast<const Heatmap*>(cmd->UserCallbackData);
  Program& p = program();
  if (!p.id) return;  // ImGui's own program stays: the texture shows as plain red
  const ImDrawData* dd = ImGui::GetDrawData();
  const float l = dd->DisplayPos.x, r = l + dd->DisplaySize.x, t = dd->DisplayPos.y,
              b = t + dd->DisplaySize.y;
  const float ortho[16] = {
      2.f / (r - l),     0, 0,  0, 0, 2.f / (t - b), 0, 0, 0, 0, -1.f, 0, (r + l) / (l - r),
      (t + b) / (b - t), 0, 1.f};
  glUseProgram(p.id);
  glUniformMatrix4fv(p.proj, 1, GL_FALSE, ortho);
  glUniform1i(p.texture, 0);
  glUniform1f(p.lo, h->lo_);
  glUniform1f(p.hi, h->hi_);
  const auto stops = colormap_stops(Colormap(h->map_));
  glUniform3fv(p.stops, GLsizei(stops.size()), stops.front().data());
  glUniform1i(p.stop_count, GLint(stops.size()));
  glUniform3fv(p.no_value, 1, kNoValue.data());
}

std::optional<std::string> Heatmap::draw(const char* id, ImVec2 size, float lo, float hi,
                                         Colormap map,
                                         const std::function<std::string(int, int, float)>& tooltip,
                                         const std::string& export_stem,
                                         const HeatmapLabels& labels,
                                         const std::function<void(const char*)>& report,
                                         std::span<const HeatmapLine> lines) {
  const PlotFrame f = begin_plot_frame(id, size);
  if (report) report(id);
  if (empty()) {
    f.dl->AddText(ImVec2(f.p0.x + 6, f.p0.y + 4), kPlotText, "no data yet");
    end_plot_frame();
    return std::nullopt;
  }
  const float hi_used = hi > lo ? hi : lo + 1e-6f;
  // The callback's uniforms are not in the draw data: a new range or map is a new frame.
  if (lo != lo_ || hi_used != hi_ || int(map) != map_) note_offscreen_change();
  lo_ = lo;
  hi_ = hi_used;
  map_ = int(map);
  f.dl->AddCallback(&Heatmap::render_callback, this);
  f.dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture_.id())), f.p0, f.p1);
  f.dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
  if (!lines.empty()) {
    f.dl->PushClipRect(f.p0, f.p1, true);
    const float ux = size.x / float(cols_), uy = size.y / float(rows_);
    for (const HeatmapLine& line : lines) {
      const ImU32 col = parse_color(line.color, int(std::lround(255 * line.opacity)));
      auto at_px = [&](const std::pair<double, double>& p) {
        return ImVec2(f.p0.x + float(p.first) * ux, f.p0.y + float(p.second) * uy);
      };
      const std::size_t step = line.segments ? 2 : 1;
      for (std::size_t i = 0; i + 1 < line.points.size(); i += step)
        f.dl->AddLine(at_px(line.points[i]), at_px(line.points[i + 1]), col, float(line.width));
      if (line.dots)
        for (std::size_t i = 0; i < line.points.size(); ++i)
          f.dl->AddCircleFilled(at_px(line.points[i]), i == 0 ? 5.f : 3.f, col);
    }
    f.dl->PopClipRect();
  }
  f.dl->AddRect(f.p0, f.p1, kPlotBorder);
  if (f.hovered) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    const int c = std::clamp(int((m.x - f.p0.x) / size.x * float(cols_)), 0, cols_ - 1);
    const int r = std::clamp(int((m.y - f.p0.y) / size.y * float(rows_)), 0, rows_ - 1);
    const float v = at(r, c);
    if (tooltip) {
      const std::string text = tooltip(r, c, v);
      if (!text.empty()) ImGui::SetTooltip("%s", text.c_str());
    } else {
      ImGui::SetTooltip("row %d, column %d: %.4g", r, c, double(v));
    }
  }
  std::optional<std::string> written;
  if (!export_stem.empty()) {
    const HeatmapGrid grid{rows_, cols_, values_, lo_, hi_, map, lines};
    written = export_menu(
        f.hovered, export_stem,
        {[&](const std::string& p) { write_heatmap_png(p, grid, 800, 400, labels.square_cells); },
         [&](const std::string& p) { write_heatmap_svg(p, grid, labels); },
         [&](const std::string& p) { write_heatmap_csv(p, grid, labels); }},
        report);
  }
  end_plot_frame();
  return written;
}

void colormap_bar(const char* id, ImVec2 size, float lo, float hi, Colormap map) {
  // One texture for every bar, never freed: it lives as long as the window's GL context.
  static Heatmap* ramp = nullptr;
  if (!ramp) {
    ramp = new Heatmap;
    float v[64];
    for (int i = 0; i < 64; ++i) v[i] = float(i) / 63.f;
    ramp->upload(1, 64, v);
  }
  const float label_w = 140.f;
  ImGui::PushID(id);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ramp->draw("ramp", ImVec2(std::max(20.f, size.x - label_w), size.y), 0.f, 1.f, map,
             [&](int, int c, float) {
               char buf[48];
               std::snprintf(buf, sizeof buf, "%.4g", double(lo + (hi - lo) * float(c) / 63.f));
               return std::string(buf);
             });
  char text[64];
  std::snprintf(text, sizeof text, "%.3g .. %.3g", double(lo), double(hi));
  ImGui::GetWindowDrawList()->AddText(
      ImVec2(p.x + std::max(20.f, size.x - label_w) + 6, p.y + (size.y - 13) / 2), kPlotText, text);
  ImGui::PopID();
}

}  // namespace ts::plot
