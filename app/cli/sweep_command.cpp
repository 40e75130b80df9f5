// `trainscope-cli sweep plan`: a sweep (core/experiment/sweep.h) laid out as directories, the
// unit every backend (this machine, Slurm, GNU parallel) then runs: DIR/manifest.json (the
// sweep and its runs with their values) and DIR/<run>/config.json for each run. Planning the
// same sweep again changes nothing; another sweep into the same directory is refused unless
// --force, so runs already trained are never silently given another meaning.
#include "app/cli/commands.h"
#include "core/error.h"
#include "core/experiment/sweep.h"
#include "core/io/atomic_file.h"

#include <cstdio>

namespace ts::cli {

int sweep_plan(const SweepPlanOptions& o) {
  namespace fs = std::filesystem;
  const Sweep s = read_sweep(o.sweep);  // checked whole before anything is written
  const nlohmann::json manifest = sweep_manifest(s);
  const fs::path out = o.out;
  const fs::path path = out / "manifest.json";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    nlohmann::json old;
    const std::string text = read_file(path, std::size_t(64) << 20);  // names the file
    try {
      old = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw Error(path.string() + ": not a manifest (" + e.what() +
                  "); plan into another directory or remove it");
    }
    if (old == manifest) {
      std::printf("%s: already planned, %zu runs; nothing to change\n", out.string().c_str(),
                  s.runs.size());
      return 0;
    }
    if (!o.force)
      throw Error(path.string() +
                  ": holds another sweep (or another version of this one); plan into another "
                  "directory, or pass --force to replace the plan (trained runs are left as "
                  "they are)");
  }
  for (const SweepRun& r : s.runs)
    write_file_atomic_creating_parents(out / r.name / "config.json", r.config.dump(2) + "\n");
  write_file_atomic_creating_parents(path, manifest.dump(2) + "\n");
  std::printf("planned %zu runs of %s in %s\n", s.runs.size(), s.name.c_str(),
              out.string().c_str());
  return 0;
}

}  // namespace ts::cli
