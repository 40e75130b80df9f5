#include "core/run/run_summary.h"

#include "core/error.h"
#include "core/io/run_table.h"

#include <cmath>

namespace ts {

RunSummary summarize_run(const std::filesystem::path& run_dir) {
  const RunTable t = read_run_table(run_dir, "metrics.csv");
  const std::size_t step = t.column("step"), loss = t.column("train_loss"),
                    val = t.column("validation_accuracy"), test = t.column("test_accuracy");
  RunSummary s;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const double at = t.number(i, step);
    if (!std::isfinite(at))
      throw Error(t.path.string() + ": line " + std::to_string(i + 2) + ": no step");
    s.steps = int64_t(at);
    if (const double v = t.number(i, loss); !std::isnan(v)) s.train_loss = v;
    if (const double v = t.number(i, val); std::isfinite(v)) {
      s.validation_accuracy = v;
      if (!s.best_validation_accuracy || v > *s.best_validation_accuracy) {
        s.best_validation_accuracy = v;
        s.best_validation_step = s.steps;
      }
    }
    if (const double v = t.number(i, test); std::isfinite(v)) s.test_accuracy = v;
  }
  return s;
}

}  // namespace ts
