#include "app/cli/commands.h"

#include "core/data/builtin_datasets.h"
#include "core/run/run_check.h"

#include <cstdio>

namespace ts::cli {

int check(const CheckOptions& o) {
  const RunCheck c = check_run_dir(o.run_dir, data_dir(o.data_dir));
  for (const std::string& line : c.lines()) std::printf("%s\n", line.c_str());
  std::printf("%s\n", c.ok() ? "run directory ok" : "run directory has faults");
  return c.ok() ? 0 : 1;
}

}  // namespace ts::cli
