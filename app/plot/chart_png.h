// Charts rendered to PNG offscreen, at any size: the same drawing code as the window's plots
// (app/plot/xy_plot.h) run in a private ImGui context into an OpenGL framebuffer, read back
// and written with stb. Used by the window's export menu and by `trainscope-cli export`
// (with the EGL context of app/render/egl_context.h, no display needed).
//
// Needs an OpenGL 3.3 core context current on the calling thread; leaves the caller's ImGui
// context, framebuffer binding and viewport as they were.
#pragma once

#include "core/chart/svg_chart.h"

#include <imgui.h>

#include <filesystem>
#include <functional>

namespace ts {

// Renders `chart` into a width x height PNG at `path` (written atomically, parent directories
// created). Text and lines scale with the size. Throws ts::Error naming the file or what the
// OpenGL driver refused.
void write_chart_png(const SvgChart& chart, int width, int height,
                     const std::filesystem::path& path);

// The same for any plot widget: `draw` is called once inside a private ImGui window of
// width x height and draws into a box of the size it is given.
void write_widget_png(const std::function<void(ImVec2 size)>& draw, int width, int height,
                      const std::filesystem::path& path);

}  // namespace ts
