// Checks a run directory the way a crash or a half-copied download could have left it: the
// config parses, every table (metrics, layers, histograms, events) parses with the same
// number of cells in every row and a numeric step, and the newest checkpoint restores into
// the run its own config builds. A torn last line (a write cut by a crash) is reported but
// is not a fault: the next resume cuts it. `trainscope-cli check` prints the report.
// A free function without shared state; it only reads the directory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ts {

struct TableCheck {
  std::string file;  // "metrics.csv"
  bool present = false;
  std::size_t rows = 0;  // data rows, header excluded
  int64_t first_step = 0, last_step = 0;
  bool consecutive = true;     // each row's step is the previous row's or one more
  bool ordered = true;         // no row's step is below the previous row's (no rewind)
  std::size_t torn_bytes = 0;  // bytes after the last newline
  std::string error;           // empty when the table reads
};

struct RunCheck {
  std::string config_error;  // empty when config.json parses
  std::vector<TableCheck> tables;
  std::size_t checkpoints = 0;
  std::optional<int64_t> latest_step;
  std::string latest_path;
  std::string checkpoint_error;          // empty when the newest checkpoint restores
  std::vector<std::string> temporaries;  // leftovers of interrupted atomic writes

  bool ok() const;
  // One line per item: "metrics.csv: 1200 rows, steps 1-1200, consecutive".
  std::vector<std::string> lines() const;
};

// `data_dir` is where image datasets are read from to build the run for the checkpoint.
RunCheck check_run_dir(const std::filesystem::path& root, const std::filesystem::path& data_dir);

}  // namespace ts
