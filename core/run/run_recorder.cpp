#include "core/run/run_recorder.h"

#include "core/error.h"
#include "core/experiment/experiment_json.h"
#include "core/io/atomic_file.h"

#include <signal.h>

#include <cerrno>
#include <cmath>

namespace ts {

namespace {
// Cuts the trailing rows whose step (first column) is after `step` from a table, and a torn
// last line with them; returns how many rows went. The file is replaced atomically.
std::size_t drop_rows_after(const std::filesystem::path& path, int64_t step) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return 0;
  const CsvTable table = parse_csv_file(path);
  std::size_t keep = table.rows.size();
  while (keep > 1) {  // row 0 is the header
    const auto& row = table.rows[keep - 1];
    const double s = csv_to_double(row.empty() ? "" : row[0],
                                   path.string() + ": line " + std::to_string(keep) + ": step");
    if (!(s > double(step))) break;
    --keep;
  }
  const std::size_t dropped = table.rows.size() - keep;
  if (dropped == 0) return 0;
  write_file_atomic(path, csv_text({table.rows.begin(), table.rows.begin() + long(keep)}));
  return dropped;
}

// Removes "<name>.tmp.<pid>" files that a killed writer left (core/io/atomic_file.h) when
// that process is gone; the lock is held, so no live writer of this run owns them.
void remove_stale_temporaries(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const auto at = name.rfind(".tmp.");
    if (at == std::string::npos) continue;
    const std::string pid = name.substr(at + 5);
    if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos)
      continue;
    if (::kill(pid_t(std::stol(pid)), 0) != 0 && errno == ESRCH)
      std::filesystem::remove(e.path(), ec);
  }
}

// Locks the directory, then checks that a new run does not overwrite an old one, or trims
// what a crashed run wrote after the step it resumes from; then writes the config, before any
// table exists: a run killed between the two must not leave tables without their config.
RunLock lock_and_prepare(const RunDir& dir, const ExperimentConfig& config, bool append,
                         int64_t resume_step, std::size_t& dropped) {
  const std::filesystem::path& root = dir.root();
  RunLock lock(root);
  std::error_code ec;
  if (!append && std::filesystem::exists(root / "metrics.csv", ec))
    throw Error(root.string() +
                ": already holds a run (metrics.csv); choose another --out, or "
                "--resume one of its checkpoints to continue it");
  if (append)
    for (const char* table : kRunTables) dropped += drop_rows_after(root / table, resume_step);
  remove_stale_temporaries(root / "checkpoints");
  write_file_atomic(dir.config_path(), to_json(config).dump(2) + "\n");
  return lock;
}

std::vector<std::string> metric_columns(const std::vector<std::string>& layers) {
  std::vector<std::string> c{"step",       "epoch",           "lr",
                             "train_loss", "train_accuracy",  "grad_norm",
                             "sparsity",   "validation_loss", "validation_accuracy",
                             "test_loss",  "test_accuracy"};
  for (const auto& l : layers) c.push_back("grad_norm." + l);
  for (const auto& l : layers) c.push_back("update_ratio." + l);
  c.push_back("seconds");
  return c;
}

std::vector<std::string> histogram_columns() {
  std::vector<std::string> c{"step", "layer", "lo", "hi"};
  for (std::size_t i = 0; i < kHistogramBins; ++i) c.push_back("bin" + std::to_string(i));
  return c;
}

CsvWriter::Cell number_or_empty(double v) {
  return std::isfinite(v) ? CsvWriter::Cell{v} : CsvWriter::Cell{std::string()};
}
}  // namespace

RunRecorder::RunRecorder(const std::filesystem::path& root, const ExperimentConfig& config,
                         bool append, std::vector<std::string> layers, int64_t resume_step)
    : dir_(root),
      lock_(lock_and_prepare(dir_, config, append, resume_step, dropped_rows_)),
      layers_(std::move(layers)),
      metrics_(dir_.metrics_path(), metric_columns(layers_),
               append ? CsvWriter::Mode::kAppend : CsvWriter::Mode::kTruncate),
      layer_stats_(dir_.root() / "layers.csv",
                   {"step", "layer", "act_mean", "act_std", "saturated", "dead", "weight_norm",
                    "distance_init", "frame_potential"},
                   append ? CsvWriter::Mode::kAppend : CsvWriter::Mode::kTruncate),
      histograms_(dir_.root() / "histograms.csv", histogram_columns(),
                  append ? CsvWriter::Mode::kAppend : CsvWriter::Mode::kTruncate),
      spectra_(dir_.root() / "spectra.csv", {"step", "layer", "index", "singular_value"},
               append ? CsvWriter::Mode::kAppend : CsvWriter::Mode::kTruncate),
      sharpness_(dir_.root() / "sharpness.csv",
                 {"step", "top_eigenvalue", "iterations", "loss", "lr"},
                 append ? CsvWriter::Mode::kAppend : CsvWriter::Mode::kTruncate),
      events_(dir_.events_path(), {"step", "kind", "detail", "before", "after"},
              append ? CsvWriter::Mode::kAppend : CsvWriter::Mode::kTruncate) {}

void RunRecorder::record_step(const StepReport& r, const std::optional<EvalPoint>& eval,
                              std::span<const double> layer_grad_norms,
                              std::span<const double> layer_update_ratios, double seconds) {
  using Cell = CsvWriter::Cell;
  auto opt = [&](bool have, double v) { return have ? Cell{v} : Cell{std::string()}; };
  const bool has_val = eval && eval->validation.samples > 0;
  const bool has_test = eval && eval->test.samples > 0;
  row_.clear();
  row_.insert(
      row_.end(),
      {Cell{r.step}, Cell{r.epoch}, Cell{r.lr}, Cell{r.loss}, Cell{r.accuracy}, Cell{r.grad_norm},
       Cell{r.sparsity}, opt(has_val, eval ? eval->validation.loss : 0),
       opt(has_val, eval ? eval->validation.accuracy : 0),
       opt(has_test, eval ? eval->test.loss : 0), opt(has_test, eval ? eval->test.accuracy : 0)});
  for (std::size_t i = 0; i < layers_.size(); ++i)
    row_.push_back(i < layer_grad_norms.size() ? number_or_empty(layer_grad_norms[i])
                                               : Cell{std::string()});
  for (std::size_t i = 0; i < layers_.size(); ++i)
    row_.push_back(i < layer_update_ratios.size() ? number_or_empty(layer_update_ratios[i])
                                                  : Cell{std::string()});
  row_.push_back(number_or_empty(seconds));
  metrics_.write_row(row_);
  if (++pending_ >= 256 || eval ||
      std::chrono::steady_clock::now() - flushed_at_ > std::chrono::milliseconds(500))
    flush();
}

void RunRecorder::record_layers(int64_t step, std::span<const LayerProbe> probes) {
  using Cell = CsvWriter::Cell;
  if (probes.size() != layers_.size())
    throw Error("record_layers: " + std::to_string(probes.size()) + " probes for " +
                std::to_string(layers_.size()) + " layers");
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const LayerProbe& p = probes[i];
    layer_stats_.write_row({Cell{step}, Cell{layers_[i]}, number_or_empty(p.mean),
                            number_or_empty(p.std), number_or_empty(p.saturated),
                            number_or_empty(p.dead), number_or_empty(p.weight_norm),
                            number_or_empty(p.distance_init), number_or_empty(p.frame_potential)});
    row_.clear();
    row_.insert(row_.end(), {Cell{step}, Cell{layers_[i]}, Cell{double(p.histogram.lo)},
                             Cell{double(p.histogram.hi)}});
    for (uint32_t c : p.histogram.counts) row_.push_back(Cell{int64_t(c)});
    histograms_.write_row(row_);
  }
}

void RunRecorder::record_spectrum(int64_t step, const std::string& layer,
                                  std::span<const float> singular_values) {
  using Cell = CsvWriter::Cell;
  for (std::size_t i = 0; i < singular_values.size(); ++i)
    spectra_.write_row(
        {Cell{step}, Cell{layer}, Cell{int64_t(i)}, Cell{double(singular_values[i])}});
}

void RunRecorder::record_sharpness(int64_t step, double top_eigenvalue, int iterations, double loss,
                                   double lr) {
  using Cell = CsvWriter::Cell;
  sharpness_.write_row({Cell{step}, number_or_empty(top_eigenvalue), Cell{int64_t(iterations)},
                        number_or_empty(loss), Cell{lr}});
  // Flushed with the other tables, after metrics.csv: a follower reading a sharpness row
  // before the metrics rows of its step would take them for a rewind.
}

void RunRecorder::record_event(int64_t step, const std::string& kind, const std::string& detail,
                               const std::string& before, const std::string& after) {
  events_.write_row({CsvWriter::Cell{step}, CsvWriter::Cell{kind}, CsvWriter::Cell{detail},
                     CsvWriter::Cell{before}, CsvWriter::Cell{after}});
  flush();
}

void RunRecorder::flush() {
  metrics_.flush();
  layer_stats_.flush();
  histograms_.flush();
  spectra_.flush();
  sharpness_.flush();
  events_.flush();
  pending_ = 0;
  flushed_at_ = std::chrono::steady_clock::now();
}

}  // namespace ts
