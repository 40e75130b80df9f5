#include "core/io/run_recorder.h"

#include "core/error.h"
#include "core/io/atomic_file.h"

namespace ts {

namespace {
const std::filesystem::path& fresh_or_append(const std::filesystem::path& root, bool append) {
  std::error_code ec;
  if (!append && std::filesystem::exists(root / "metrics.csv", ec))
    throw Error(root.string() + ": already holds a run (metrics.csv); choose another --out, or "
                "--resume one of its checkpoints to continue it");
  return root;
}
}  // namespace

RunRecorder::RunRecorder(const std::filesystem::path& root, const ExperimentConfig& config,
                         bool append)
    : dir_(fresh_or_append(root, append)),
      metrics_(dir_.metrics_path(),
               {"step", "epoch", "lr", "train_loss", "train_accuracy", "grad_norm",
                "validation_loss", "validation_accuracy", "test_loss", "test_accuracy"},
               append ? CsvWriter::Mode::kAppend : CsvWriter::Mode::kTruncate),
      events_(dir_.events_path(), {"step", "kind", "detail"},
              append ? CsvWriter::Mode::kAppend : CsvWriter::Mode::kTruncate) {
  write_file_atomic(dir_.config_path(), to_json(config).dump(2) + "\n");
}

void RunRecorder::record_step(const StepReport& r, const std::optional<EvalPoint>& eval) {
  using Cell = CsvWriter::Cell;
  auto opt = [&](bool have, double v) { return have ? Cell{v} : Cell{std::string()}; };
  const bool has_val = eval && eval->validation.samples > 0;
  const bool has_test = eval && eval->test.samples > 0;
  metrics_.write_row({Cell{r.step}, Cell{r.epoch}, Cell{r.lr}, Cell{r.loss}, Cell{r.accuracy},
                      Cell{r.grad_norm}, opt(has_val, eval ? eval->validation.loss : 0),
                      opt(has_val, eval ? eval->validation.accuracy : 0),
                      opt(has_test, eval ? eval->test.loss : 0),
                      opt(has_test, eval ? eval->test.accuracy : 0)});
  if (++pending_ >= 256 || eval) flush();
}

void RunRecorder::record_event(int64_t step, const std::string& kind, const std::string& detail) {
  events_.write_row({CsvWriter::Cell{step}, CsvWriter::Cell{kind}, CsvWriter::Cell{detail}});
  events_.flush();
}

void RunRecorder::flush() {
  metrics_.flush();
  events_.flush();
  pending_ = 0;
}

}  // namespace ts
