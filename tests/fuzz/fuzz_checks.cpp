#include "tests/fuzz/fuzz_checks.h"

#include "core/command/command.h"
#include "core/data/idx_reader.h"
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/io/csv_writer.h"
#include "core/io/safetensors.h"
#include "core/prune/prune.h"
#include "core/run/checkpoint.h"
#include "core/run/run.h"

#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

namespace ts::fuzz {

namespace {

// A value the parser accepted broke an invariant: a finding.
[[noreturn]] void finding(const std::string& source, const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING in %s: %s\n", source.c_str(), what.c_str());
  std::abort();
}

void expect(bool ok, const std::string& source, const std::string& what) {
  if (!ok) finding(source, what);
}

template <typename F>
Outcome outcome_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

bool same_contents(const SafetensorsContents& a, const SafetensorsContents& b) {
  if (a.metadata != b.metadata || a.tensors.size() != b.tensors.size()) return false;
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    const TensorRecord& x = a.tensors[i];
    const TensorRecord& y = b.tensors[i];
    if (x.name != y.name || x.dtype != y.dtype || x.shape != y.shape || x.data != y.data)
      return false;
  }
  return true;
}

const char* kCheckpointConfig = R"({
  "name": "fuzz checkpoint",
  "data": {"dataset": "blobs", "classes": 3, "dim": 4, "train_size": 60,
           "validation_size": 12, "test_size": 12},
  "model": {"layers": [{"type": "dense", "units": 5, "activation": "relu"},
                       {"type": "dense", "units": 3}]},
  "optimizer": {"type": "adam"},
  "schedule": {"type": "constant", "lr": 0.01},
  "averaging": {"polyak": true, "ema_decay": 0.9},
  "training": {"batch_size": 6, "steps": 100, "seed": 3},
  "script": [{"at": 2, "do": "set", "lr": 0.005}]})";

std::unique_ptr<Run> make_checkpoint_run() {
  const ExperimentConfig c = parse_experiment_text(kCheckpointConfig, "fuzz-checkpoint.json");
  auto data = std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
  return std::make_unique<Run>(c, data);
}

// The checkpoint target's run and its pristine contents, built once.
struct CheckpointTarget {
  std::unique_ptr<Run> run;
  std::vector<std::byte> pristine;  // serialized contents of the untouched run
};

CheckpointTarget& checkpoint_target() {
  static CheckpointTarget t = [] {
    CheckpointTarget target;
    target.run = make_checkpoint_run();
    target.pristine = serialize_safetensors(checkpoint_contents(*target.run), "pristine");
    return target;
  }();
  return t;
}

std::vector<std::byte> run_image(const Run& run) {
  return serialize_safetensors(checkpoint_contents(run), "run");
}

std::filesystem::path scratch_file() {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::is_directory("/dev/shm", ec)
                                        ? std::filesystem::path("/dev/shm")
                                        : std::filesystem::temp_directory_path();
  return dir / ("trainscope-fuzz-" + std::to_string(::getpid()) + ".idx");
}

}  // namespace

Outcome check_idx_images(const std::filesystem::path& file) {
  const std::string source = file.string();
  IdxImages images;
  if (auto err = outcome_of([&] { images = read_idx_images(file); })) return err;
  expect(images.count > 0 && images.rows > 0 && images.cols > 0, source,
         "accepted images with an empty dimension");
  expect(images.pixels.size() == std::size_t(images.count * images.rows * images.cols), source,
         "pixel count differs from count x rows x cols");
  return std::nullopt;
}

Outcome check_idx_labels(const std::filesystem::path& file) {
  const std::string source = file.string();
  std::vector<int32_t> labels;
  if (auto err = outcome_of([&] { labels = read_idx_labels(file, 10); })) return err;
  expect(!labels.empty(), source, "accepted an empty label file");
  for (int32_t l : labels) expect(l >= 0 && l < 10, source, "accepted a label outside 0..9");
  return std::nullopt;
}

Outcome check_safetensors(std::span<const std::byte> bytes, const std::string& source) {
  SafetensorsContents c;
  if (auto err = outcome_of([&] { c = parse_safetensors(bytes, source); })) return err;
  // What a good file passes: each tensor's size matches its shape, and writing it out and
  // reading it back gives the same contents.
  for (const TensorRecord& t : c.tensors) {
    std::size_t n = safetensors_dtype_size(t.dtype);
    expect(n > 0, source, "accepted dtype " + t.dtype);
    for (int64_t d : t.shape) {
      expect(d >= 0, source, "accepted a negative dimension in " + t.name);
      n *= std::size_t(d);
    }
    expect(n == t.data.size(), source, "tensor " + t.name + " has a size unlike its shape");
  }
  std::vector<std::byte> image;
  if (auto err = outcome_of([&] { image = serialize_safetensors(c, source); }))
    finding(source, "an accepted file cannot be written back: " + *err);
  SafetensorsContents again;
  if (auto err = outcome_of([&] { again = parse_safetensors(image, source); }))
    finding(source, "a written-back file does not parse: " + *err);
  expect(same_contents(c, again), source, "the contents change on a write and re-read");
  return std::nullopt;
}

Outcome check_checkpoint(std::span<const std::byte> bytes, const std::string& source) {
  CheckpointTarget& t = checkpoint_target();
  Run& run = *t.run;
  const std::vector<std::byte> before = run_image(run);
  const Outcome err = outcome_of([&] {
    const SafetensorsContents c = parse_safetensors(bytes, source);
    restore_checkpoint(run, c, source);
  });
  if (err) {
    expect(run_image(run) == before, source, "a rejected checkpoint changed the run");
    return err;
  }
  // Accepted: the restored run saves to a checkpoint that restores to the same run.
  const std::vector<std::byte> after = run_image(run);
  if (auto again =
          outcome_of([&] { restore_checkpoint(run, parse_safetensors(after, source), source); }))
    finding(source, "the restored run's own checkpoint is rejected: " + *again);
  expect(run_image(run) == after, source, "a save and restore changes the run");
  // The next input starts from the same run.
  restore_checkpoint(run, parse_safetensors(t.pristine, "pristine"), "pristine");
  return std::nullopt;
}

Outcome check_config(std::string_view text, const std::string& source) {
  ExperimentConfig c;
  if (auto err = outcome_of([&] { c = parse_experiment_text(std::string(text), source); }))
    return err;
  const nlohmann::json j = to_json(c);
  ExperimentConfig again;
  if (auto err = outcome_of([&] { again = parse_experiment(j, source + " (written back)"); }))
    finding(source, "an accepted config does not parse when written back: " + *err);
  expect(to_json(again) == j, source, "the config changes on a write and re-read");
  return std::nullopt;
}

Outcome check_script(std::string_view text, const std::string& source) {
  std::vector<ScriptedCommand> script;
  const Outcome err = outcome_of([&] {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw Error(source + ": not valid JSON: " + e.what());
    }
    script = parse_script(j, source);
  });
  if (err) return err;
  nlohmann::json written = nlohmann::json::array();
  for (std::size_t i = 0; i < script.size(); ++i) {
    if (i > 0) expect(script[i - 1].at <= script[i].at, source, "the script is not in step order");
    written.push_back(to_json(script[i]));
  }
  std::vector<ScriptedCommand> again;
  if (auto e = outcome_of([&] { again = parse_script(written, source + " (written back)"); }))
    finding(source, "an accepted script does not parse when written back: " + *e);
  nlohmann::json rewritten = nlohmann::json::array();
  for (const auto& s : again) rewritten.push_back(to_json(s));
  expect(rewritten == written, source, "the script changes on a write and re-read");
  return std::nullopt;
}

Outcome check_csv(std::string_view text, const std::string& source) {
  CsvTable table;
  if (auto err = outcome_of([&] { table = parse_csv(text, source); })) return err;
  // Written back field by field as CsvWriter writes strings, the rows read the same.
  const std::string written = csv_text(table.rows);
  CsvTable again;
  if (auto err = outcome_of([&] { again = parse_csv(written, source + " (written back)"); }))
    finding(source, "accepted rows do not parse when written back: " + *err);
  expect(again.rows == table.rows, source, "the rows change on a write and re-read");
  expect(!again.torn_last_line, source, "whole rows written back read as a torn line");
  return std::nullopt;
}

const std::vector<std::string>& targets() {
  static const std::vector<std::string> names{"idx",    "safetensors", "checkpoint",
                                              "config", "script",      "csv"};
  return names;
}

std::vector<std::string> check_input(std::string_view target, std::span<const std::byte> bytes,
                                     const std::string& source) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<std::string> errors;
  auto keep = [&](Outcome o) {
    if (o) errors.push_back(std::move(*o));
  };
  if (target == "idx") {
    static const std::filesystem::path scratch = scratch_file();
    {
      std::ofstream out(scratch, std::ios::binary | std::ios::trunc);
      out.write(text.data(), std::streamsize(text.size()));
      if (!out) finding(source, "cannot write the scratch file " + scratch.string());
    }
    keep(check_idx_images(scratch));
    keep(check_idx_labels(scratch));
  } else if (target == "safetensors") {
    keep(check_safetensors(bytes, source));
  } else if (target == "checkpoint") {
    keep(check_checkpoint(bytes, source));
  } else if (target == "config") {
    keep(check_config(text, source));
  } else if (target == "script") {
    keep(check_script(text, source));
  } else if (target == "csv") {
    keep(check_csv(text, source));
  } else {
    finding(source, "unknown fuzz target " + std::string(target));
  }
  return errors;
}

std::vector<std::byte> checkpoint_seed(int steps) {
  const std::unique_ptr<Run> made = make_checkpoint_run();
  Run& run = *made;
  for (int i = 0; i < steps; ++i) run.train_step();
  // Prune a third of fc1 so the seed carries a mask, and freeze fc2.
  PruneRequest request;
  request.layers = {"fc1"};
  request.amount = 1.0 / 3.0;
  prune(run.network(), run.optimizer(), request);
  run.set_frozen("fc2", true);
  run.set_scripts_applied(1);
  return run_image(run);
}

}  // namespace ts::fuzz
