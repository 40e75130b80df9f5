// PNGs of charts for the command line (export, compare, analyze): the window's own drawing
// (app/plot/chart_png.h) rendered through an EGL context (app/render/egl_context.h) made at
// the first PNG and kept for the command's other PNGs, so no display is needed. A build
// without the renderer (TRAINSCOPE_BUILD_APP=OFF) writes no PNG: available() says so and
// write() refuses.
//
// One thread: the one that calls write().
#pragma once

#include "core/chart/svg_chart.h"

#include <filesystem>
#include <memory>

namespace ts::cli {

class ChartPngWriter {
 public:
  ChartPngWriter();
  ~ChartPngWriter();
  ChartPngWriter(const ChartPngWriter&) = delete;
  ChartPngWriter& operator=(const ChartPngWriter&) = delete;

  // Whether this build renders PNGs at all.
  static bool available();

  // `chart` as a width x height PNG at `path` (parent directories created). Throws ts::Error
  // naming the file: no renderer in this build, no EGL context, or the driver refusing.
  void write(const SvgChart& chart, int width, int height, const std::filesystem::path& path);

 private:
  struct Gl;
  std::unique_ptr<Gl> gl_;  // made at the first write
};

}  // namespace ts::cli
