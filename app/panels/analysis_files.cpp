#include "app/panels/analysis_files.h"

#include "core/error.h"
#include "core/io/atomic_file.h"

namespace ts {

std::string save_analysis(const std::filesystem::path& run_dir, int64_t step,
                          const std::string& name, const SvgChart& chart) {
  if (run_dir.empty()) return "";
  const std::filesystem::path dir = run_dir / "analysis" / ("step-" + std::to_string(step));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot create the analysis directory: " + ec.message());
  const std::filesystem::path svg = dir / (name + ".svg");
  write_svg(svg, chart);
  write_file_atomic(dir / (name + ".csv"), chart_csv(chart));
  return svg.string();
}

}  // namespace ts
