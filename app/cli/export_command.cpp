#include "app/cli/chart_png_writer.h"
#include "app/cli/commands.h"
#include "core/chart/overlay_chart.h"
#include "core/chart/run_charts.h"
#include "core/error.h"
#include "core/io/atomic_file.h"

#include <cstdio>
#include <filesystem>

namespace ts::cli {

namespace {

void check_outputs(const char* command, const std::vector<std::string>& out) {
  if (out.empty()) throw Error(std::string(command) + ": give --out FILE (.png, .svg or .csv)");
  for (const auto& f : out) {
    const std::string ext = std::filesystem::path(f).extension().string();
    if (ext != ".png" && ext != ".svg" && ext != ".csv")
      throw Error(std::string(command) + ": --out " + f +
                  ": the extension must be .png, .svg or .csv");
  }
}

// The chart into each file, in the format its extension names.
void write_chart_files(const SvgChart& chart, const std::vector<std::string>& out, int width,
                       int height) {
  ChartPngWriter png;
  for (const auto& f : out) {
    const std::filesystem::path path(f);
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    const std::string ext = path.extension().string();
    if (ext == ".svg")
      write_svg(path, chart);
    else if (ext == ".csv")
      write_file_atomic(path, chart_csv(chart));
    else
      png.write(chart, width, height, path);
    std::printf("wrote %s\n", f.c_str());
  }
}

}  // namespace

int export_chart(const ExportOptions& o) {
  if (o.list) {
    for (const auto& k : run_chart_kinds()) std::printf("%-16s %s\n", k.name, k.description);
    return 0;
  }
  if (o.run_dir.empty())
    throw Error(
        "export: give the run directory (e.g. trainscope-cli export runs/lenet --out loss.png)");
  const ChartFiles& f = o.files;
  check_outputs("export", f.out);
  write_chart_files(run_chart(o.run_dir, f.chart, f.layers, f.smoothing), f.out, f.width, f.height);
  return 0;
}

int compare(const CompareOptions& o) {
  const ChartFiles& f = o.files;
  check_outputs("compare", f.out);
  std::vector<RunChart> runs;
  for (const auto& d : o.run_dirs) {
    const std::filesystem::path dir(d);
    const auto name = (dir.filename().empty() ? dir.parent_path() : dir).filename().string();
    runs.push_back({name, run_chart(dir, f.chart, f.layers, f.smoothing)});
  }
  write_chart_files(overlay_charts(runs), f.out, f.width, f.height);
  return 0;
}

}  // namespace ts::cli
