// What every fuzz harness asserts about one input, shared by the libFuzzer harnesses
// (fuzz_harness.cpp) and by the corpus test (tests/test_corpus.cpp).
//
// Each check runs one of the project's parsers on untrusted bytes. The parser must either
// throw ts::Error, whose message the check returns, or return a value that passes the same
// validation a good file passes (its invariants hold and it survives a write and re-read
// unchanged); then the check returns nullopt. Anything else is a finding: a value that
// fails validation aborts with a message, and any other exception propagates (libFuzzer
// reports it as a crash, doctest as a failure). Hangs and oversized allocations are caught
// by libFuzzer's -timeout and -malloc_limit_mb.
//
// The targets:
//   idx          IDX images and labels, plain or gzip (core/data/idx_reader.h), from a file
//   safetensors  the container (core/io/safetensors.h)
//   checkpoint   a checkpoint restored into a small live run (core/run/checkpoint.h); a
//                rejected one must leave the run exactly as it was
//   config       an experiment config (core/experiment/experiment_config.h)
//   script       a list of scripted commands (core/command/command.h)
//   csv          the metrics and events tables (core/io/csv_writer.h)
// Not thread-safe: the checkpoint target keeps one run for the process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ts::fuzz {

// nullopt: accepted and valid. Otherwise the parser's error message.
using Outcome = std::optional<std::string>;

Outcome check_idx_images(const std::filesystem::path& file);
Outcome check_idx_labels(const std::filesystem::path& file);
Outcome check_safetensors(std::span<const std::byte> bytes, const std::string& source);
Outcome check_checkpoint(std::span<const std::byte> bytes, const std::string& source);
Outcome check_config(std::string_view text, const std::string& source);
Outcome check_script(std::string_view text, const std::string& source);
Outcome check_csv(std::string_view text, const std::string& source);

// The names above, for harnesses and the corpus layout (tests/fuzz/corpus/<target>/).
const std::vector<std::string>& targets();

// Runs every check of `target` on one input as a harness does. For idx the bytes go to a
// scratch file first (under /dev/shm when it exists) and are read as images and as labels.
// Returns the error messages (empty when every check accepted the input).
std::vector<std::string> check_input(std::string_view target, std::span<const std::byte> bytes,
                                     const std::string& source);

// The checkpoint target's run: a small dense network on a synthetic set, with Adam and weight
// averaging, so every part of a checkpoint is present. The corpus writer saves it.
std::vector<std::byte> checkpoint_seed(int steps);

}  // namespace ts::fuzz
