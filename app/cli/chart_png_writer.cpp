#include "app/cli/chart_png_writer.h"

#include "core/error.h"

#ifdef TRAINSCOPE_HAS_RENDER
#include "app/plot/chart_png.h"
#include "app/render/egl_context.h"
#endif

namespace ts::cli {

struct ChartPngWriter::Gl {
#ifdef TRAINSCOPE_HAS_RENDER
  EglContext context;
#endif
};

ChartPngWriter::ChartPngWriter() = default;
ChartPngWriter::~ChartPngWriter() = default;

bool ChartPngWriter::available() {
#ifdef TRAINSCOPE_HAS_RENDER
  return true;
#else
  return false;
#endif
}

void ChartPngWriter::write(const SvgChart& chart, int width, int height,
                           const std::filesystem::path& path) {
#ifdef TRAINSCOPE_HAS_RENDER
  if (!gl_) {
    try {
      gl_ = std::make_unique<Gl>();
    } catch (const Error& e) {
      throw Error(path.string() + ": no OpenGL context to render it in: " + e.what());
    }
  }
  write_chart_png(chart, width, height, path);
#else
  (void)chart, (void)width, (void)height;
  throw Error(path.string() +
              ": this build has no renderer (configured with TRAINSCOPE_BUILD_APP=OFF); write "
              ".svg or .csv instead");
#endif
}

}  // namespace ts::cli
