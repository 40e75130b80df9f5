#include "app/panels/analysis_files.h"

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/io/csv_writer.h"

namespace ts {

namespace {
bool has_svg(const AnalysisFile& f) {
  return !f.charts.empty() && !f.charts.front().series.empty();
}
}  // namespace

std::string save_analysis_into(const std::filesystem::path& run_dir, int64_t step,
                               const std::function<void(const std::filesystem::path&)>& write) {
  if (run_dir.empty()) return "";
  const std::filesystem::path dir = run_dir / "analysis" / ("step-" + std::to_string(step));
  try {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error(dir.string() + ": cannot create the analysis directory: " + ec.message());
    write(dir);
  } catch (const std::exception& e) {
    return std::string("analysis not saved: ") + e.what();
  }
  return "analysis saved " + dir.string();
}

std::string save_analysis(const std::filesystem::path& run_dir, int64_t step,
                          const std::vector<AnalysisFile>& files) {
  if (files.empty()) return "";
  const std::string line = save_analysis_into(run_dir, step, [&](const auto& dir) {
    for (const AnalysisFile& f : files) {
      if (has_svg(f) && f.charts.size() == 1)
        write_svg(dir / (f.name + ".svg"), f.charts.front());
      else if (has_svg(f))
        write_svg(dir / (f.name + ".svg"), f.charts);
      if (!f.table.empty()) write_file_atomic(dir / (f.name + ".csv"), csv_text(f.table));
    }
  });
  if (files.size() != 1 || line.rfind("analysis saved ", 0) != 0) return line;
  const auto& f = files.front();
  return line + "/" + f.name + (has_svg(f) ? ".svg" : ".csv");
}

}  // namespace ts
