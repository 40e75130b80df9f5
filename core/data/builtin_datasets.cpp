#include "core/data/builtin_datasets.h"

#include "core/data/idx_reader.h"
#include "core/error.h"

#include <cstdlib>
#include <system_error>

#ifndef TRAINSCOPE_DEFAULT_DATA_DIR
#define TRAINSCOPE_DEFAULT_DATA_DIR "data"
#endif

namespace ts {

namespace {

constexpr std::string_view kMnist = "mnist";
constexpr std::string_view kFashion = "fashion-mnist";
constexpr const char* kFashionSystemDir = "/usr/share/datasets/fashion-mnist";

BuiltinFiles files_in(const std::filesystem::path& dir, const std::string& suffix) {
  return {dir / ("train-images-idx3-ubyte" + suffix), dir / ("train-labels-idx1-ubyte" + suffix),
          dir / ("t10k-images-idx3-ubyte" + suffix), dir / ("t10k-labels-idx1-ubyte" + suffix)};
}

bool exists_file(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

bool complete(const BuiltinFiles& f) {
  return exists_file(f.train_images) && exists_file(f.train_labels) && exists_file(f.test_images) &&
         exists_file(f.test_labels);
}

std::string first_missing(const BuiltinFiles& f) {
  for (const auto* p : {&f.train_images, &f.train_labels, &f.test_images, &f.test_labels}) {
    if (!exists_file(*p)) return p->string();
  }
  return {};
}

}  // namespace

std::filesystem::path data_dir(std::optional<std::string> flag) {
  if (flag && !flag->empty()) return *flag;
  if (const char* env = std::getenv("TRAINSCOPE_DATA"); env != nullptr && *env != '\0') return env;
  return TRAINSCOPE_DEFAULT_DATA_DIR;
}

BuiltinFiles builtin_files(std::string_view name, const std::filesystem::path& dir) {
  if (name == kMnist) return files_in(dir / "mnist", "");
  if (name == kFashion) {
    const BuiltinFiles local = files_in(dir / "fashion-mnist", ".gz");
    if (complete(local)) return local;
    const BuiltinFiles system = files_in(kFashionSystemDir, ".gz");
    if (complete(system)) return system;
    return local;
  }
  throw Error("unknown builtin dataset '" + std::string(name) +
              "': expected mnist or fashion-mnist");
}

bool builtin_available(std::string_view name, const std::filesystem::path& dir) {
  if (name != kMnist && name != kFashion) return false;
  return complete(builtin_files(name, dir));
}

DataSplits load_builtin(std::string_view name, const std::filesystem::path& dir,
                        double validation_fraction, uint64_t seed) {
  const BuiltinFiles files = builtin_files(name, dir);
  if (!complete(files)) {
    if (name == kMnist) {
      throw Error(first_missing(files) +
                  ": missing MNIST file; install MNIST with `make data` "
                  "or third_party/fetch-datasets.sh " +
                  dir.string());
    }
    throw Error(first_missing(files) + ": missing Fashion-MNIST file (also not found in " +
                kFashionSystemDir +
                "); install the Debian package dataset-fashion-mnist "
                "(third_party/install-deps.sh) or copy the four *-ubyte.gz files into " +
                (dir / "fashion-mnist").string());
  }

  const std::string prefix(name);
  Dataset all = load_idx_pair(files.train_images, files.train_labels, prefix + "/train", 10);
  DataSplits splits;
  splits.test = load_idx_pair(files.test_images, files.test_labels, prefix + "/test", 10);
  auto [train, validation] = split_validation(all, validation_fraction, seed);
  all = Dataset{};  // release the unsplit copy before computing statistics
  splits.train = std::move(train);
  splits.validation = std::move(validation);

  const PixelStats stats = compute_pixel_stats(splits.train);
  std::vector<std::string> class_names;
  if (name == kFashion) {
    class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  } else {
    for (int c = 0; c < 10; ++c) class_names.push_back(std::to_string(c));
  }
  for (Dataset* d : {&splits.train, &splits.validation, &splits.test}) {
    d->mean = stats.mean;
    d->stddev = stats.stddev;
    d->class_names = class_names;
  }
  splits.synthetic = false;
  splits.note = prefix + " from " + files.train_images.parent_path().string() + ": " +
                std::to_string(splits.train.size()) + " train, " +
                std::to_string(splits.validation.size()) + " validation, " +
                std::to_string(splits.test.size()) + " test";
  return splits;
}

}  // namespace ts
