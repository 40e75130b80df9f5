#include "core/run/run_check.h"

#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_data.h"
#include "core/experiment/experiment_json.h"
#include "core/io/csv_writer.h"
#include "core/io/run_dir.h"
#include "core/run/checkpoint.h"

#include <cmath>

namespace ts {

namespace {

TableCheck check_table(const std::filesystem::path& path) {
  TableCheck t;
  t.file = path.filename().string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return t;
  t.present = true;
  try {
    const CsvTable table = parse_csv_file(path);
    if (table.torn_last_line) t.torn_bytes = table.torn_last_line->size();
    if (table.rows.empty()) return t;
    const std::size_t width = table.rows[0].size();
    for (std::size_t r = 1; r < table.rows.size(); ++r) {
      const auto& row = table.rows[r];
      const std::string where = path.string() + ": line " + std::to_string(r + 1);
      if (row.size() != width)
        throw Error(where + ": " + std::to_string(row.size()) + " cells, the header has " +
                    std::to_string(width));
      const double s = csv_to_double(row[0], where + ": step");
      if (!(s >= 0) || s != std::floor(s) || s > 0x1p62)
        throw Error(where + ": step \"" + row[0] + "\" is not a whole number >= 0");
      const auto step = int64_t(s);
      if (r == 1) {
        t.first_step = step;
      } else {
        if (step != t.last_step && step != t.last_step + 1) t.consecutive = false;
        if (step < t.last_step) t.ordered = false;
      }
      t.last_step = step;
      ++t.rows;
    }
  } catch (const std::exception& e) {
    t.error = e.what();
  }
  return t;
}

}  // namespace

bool RunCheck::ok() const {
  if (!config_error.empty() || !checkpoint_error.empty()) return false;
  for (const auto& t : tables)
    if (!t.error.empty()) return false;
  return true;
}

std::vector<std::string> RunCheck::lines() const {
  std::vector<std::string> out;
  out.push_back("config.json: " + (config_error.empty() ? std::string("ok") : config_error));
  for (const auto& t : tables) {
    if (!t.present) {
      out.push_back(t.file + ": absent");
      continue;
    }
    if (!t.error.empty()) {
      out.push_back(t.file + ": " + t.error);
      continue;
    }
    std::string line = t.file + ": " + std::to_string(t.rows) + " rows";
    if (t.rows > 0)
      line += ", steps " + std::to_string(t.first_step) + "-" + std::to_string(t.last_step) +
              (t.consecutive ? ", consecutive"
               : t.ordered   ? ", in step order"
                             : ", going back in places (rewinds)");
    if (t.torn_bytes > 0)
      line += "; a torn last line of " + std::to_string(t.torn_bytes) + " bytes (cut on resume)";
    out.push_back(line);
  }
  std::string ck = "checkpoints: " + std::to_string(checkpoints);
  if (latest_step)
    ck += ", newest " + latest_path + " (step " + std::to_string(*latest_step) + ") " +
          (checkpoint_error.empty() ? "restores" : "does not restore: " + checkpoint_error);
  out.push_back(ck);
  for (const auto& t : temporaries)
    out.push_back("leftover of an interrupted write (safe to delete): " + t);
  return out;
}

RunCheck check_run_dir(const std::filesystem::path& root, const std::filesystem::path& data_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    throw Error(root.string() + ": not a run directory (no such directory)");
  RunCheck c;
  try {
    load_experiment(root / "config.json");
  } catch (const std::exception& e) {
    c.config_error = e.what();
  }
  for (const char* name : kRunTables) c.tables.push_back(check_table(root / name));
  const std::filesystem::path ckdir = root / "checkpoints";
  if (std::filesystem::is_directory(ckdir, ec)) {
    for (const auto& e : std::filesystem::directory_iterator(ckdir, ec))
      if (e.path().filename().string().find(".tmp.") != std::string::npos)
        c.temporaries.push_back(e.path().string());
    const std::vector<CheckpointFile> all = RunDir::list_checkpoints(ckdir);
    c.checkpoints = all.size();
    if (!all.empty()) {
      const CheckpointFile& latest = all.back();
      c.latest_step = latest.step;
      c.latest_path = latest.path.string();
      try {
        const ExperimentConfig cfg = checkpoint_config(latest.path);
        Run run(cfg, load_experiment_data(cfg, data_dir));
        load_checkpoint(run, latest.path);
        if (run.steps_done() != latest.step)
          throw Error(latest.path.string() + ": holds step " + std::to_string(run.steps_done()) +
                      " but is named for step " + std::to_string(latest.step));
      } catch (const std::exception& e) {
        c.checkpoint_error = e.what();
      }
    }
  }
  return c;
}

}  // namespace ts
