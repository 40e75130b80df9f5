#include "app/panels/analysis_files.h"

#include "core/error.h"
#include "core/io/atomic_file.h"

namespace ts {

std::string save_analysis(const std::filesystem::path& run_dir, int64_t step,
                          const std::vector<std::pair<std::string, SvgChart>>& figures) {
  if (run_dir.empty() || figures.empty()) return "";
  const std::filesystem::path dir = run_dir / "analysis" / ("step-" + std::to_string(step));
  try {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error(dir.string() + ": cannot create the analysis directory: " + ec.message());
    for (const auto& [name, chart] : figures) {
      write_svg(dir / (name + ".svg"), chart);
      write_file_atomic(dir / (name + ".csv"), chart_csv(chart));
    }
  } catch (const std::exception& e) {
    return std::string("analysis not saved: ") + e.what();
  }
  const std::string where =
      figures.size() == 1 ? (dir / (figures.front().first + ".svg")).string() : dir.string();
  return "analysis saved " + where;
}

}  // namespace ts
