// The on-disk layout of one training run:
//
//   <root>/config.json                         the run's configuration
//   <root>/metrics.csv                         per-step metrics
//   <root>/events.csv                          pruning, schedule changes, divergence, ...
//   <root>/checkpoints/step-<N>.safetensors    checkpoints, N without leading zeros
//
// RunDir only names paths and lists checkpoints; it owns no open files. Constructing it
// creates the root and checkpoints/ (or throws ts::Error naming the path and the reason).
// It is an immutable value after construction, so any thread may call its const methods;
// latest_checkpoint() reads the directory, which the training thread may be writing, so a
// caller on another thread sees some consistent recent state (checkpoints appear atomically
// through write_file_atomic, and its temporary files are never listed).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ts {

// The tables a run directory holds, each keyed by step in its first column.
inline constexpr const char* kRunTables[] = {"metrics.csv", "layers.csv",    "histograms.csv",
                                             "spectra.csv", "sharpness.csv", "events.csv"};
// Copies each table of `from` that exists into `to` (a fork's beginning: its parent's rows);
// throws ts::Error naming the file that cannot be copied.
void copy_run_tables(const std::filesystem::path& from, const std::filesystem::path& to);

struct CheckpointFile {
  std::int64_t step = 0;
  std::filesystem::path path;
};

// "<name>-<YYYYmmdd>-<HHMMSS>" in local time: the name of a new run directory.
std::string timestamped_run_name(const std::string& name);
// Creates a new directory `parent`/`name`, or `name`-2, `name`-3, ... up to -99 when that
// exists, and returns it. create_directory claims a name atomically (it fails on one that
// exists), so two programs starting a run in the same second never share a directory. Creates
// `parent` if needed; throws ts::Error naming it and the reason when it cannot.
std::filesystem::path claim_run_dir(const std::filesystem::path& parent, const std::string& name);

class RunDir {
 public:
  explicit RunDir(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path config_path() const { return root_ / "config.json"; }
  std::filesystem::path metrics_path() const { return root_ / "metrics.csv"; }
  std::filesystem::path events_path() const { return root_ / "events.csv"; }
  std::filesystem::path checkpoints_dir() const { return root_ / "checkpoints"; }
  // checkpoints/step-<step>.safetensors; throws ts::Error for a negative step.
  std::filesystem::path checkpoint_path(std::int64_t step) const;

  // Every checkpoints/step-<N>.safetensors regular file, sorted by step. Other names
  // (temporary files, "step-007.safetensors", steps beyond int64) are ignored.
  std::vector<CheckpointFile> checkpoints() const;
  // The same for any checkpoints directory, without creating anything.
  static std::vector<CheckpointFile> list_checkpoints(const std::filesystem::path& dir);
  // The highest-step checkpoint, or nullopt when there is none.
  std::optional<CheckpointFile> latest_checkpoint() const;

 private:
  std::filesystem::path root_;
};

}  // namespace ts
