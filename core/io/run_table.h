// One table of a run directory (metrics.csv, layers.csv, events.csv, ...) read back: its
// header and complete rows, a torn last line (a run still writing) left out. For the charts
// and summaries drawn from the files. Reads files only; any thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ts {

struct RunTable {
  std::filesystem::path path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  // The column's index; throws ts::Error naming the file when there is none.
  std::size_t column(const std::string& name) const;
  // The cell as a number; an empty cell (a value not taken at that step) is NaN. Throws
  // ts::Error naming the file, line and column when it is not a number.
  double number(std::size_t row, std::size_t col) const;
};

// Throws ts::Error naming the file when it is missing ("is DIR a run directory written by
// trainscope?"), empty, or has a row of another width than its header.
RunTable read_run_table(const std::filesystem::path& run, const char* file);

}  // namespace ts
