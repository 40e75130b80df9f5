// The datasets trainscope knows by name ("mnist", "fashion-mnist") and where their files live.
//
// Data directory: the --data flag wins, else the environment variable TRAINSCOPE_DATA, else
// the build's TRAINSCOPE_DEFAULT_DATA_DIR (<source dir>/data).
//   MNIST:          <data>/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte (plain), installed
//                   by `make data` or third_party/fetch-datasets.sh.
//   Fashion-MNIST:  <data>/fashion-mnist/*-ubyte.gz when all four are there, else
//                   /usr/share/datasets/fashion-mnist/*-ubyte.gz (Debian dataset-fashion-mnist).
//
// Free functions without shared state; any thread may call them (data_dir reads the
// environment, so do not race it with setenv).
#pragma once

#include "core/data/dataset.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ts {

std::filesystem::path data_dir(std::optional<std::string> flag);

struct BuiltinFiles {
  std::filesystem::path train_images, train_labels, test_images, test_labels;
};

// Where the four files of `name` are looked for under `dir` (for Fashion-MNIST: the first
// complete location, else the preferred one <dir>/fashion-mnist). Throws ts::Error for an
// unknown name.
BuiltinFiles builtin_files(std::string_view name, const std::filesystem::path& dir);

// True when all four files of `name` exist (it does not read them). False for unknown names.
bool builtin_available(std::string_view name, const std::filesystem::path& dir);

// Loads `name`: its training file split into train and validation (split_validation with
// validation_fraction and seed) and its test file as test. All three are normalised with the
// pixel statistics of the train part. Throws ts::Error naming a missing file and the command
// that installs it, or whatever the IDX reader reports for a bad file.
DataSplits load_builtin(std::string_view name, const std::filesystem::path& dir,
                        double validation_fraction, uint64_t seed);

}  // namespace ts
