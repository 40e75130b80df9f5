// Tests for core/data: IDX reading (valid and every malformed case), the builtin datasets
// (real MNIST and Fashion-MNIST, which setup installs), fill_batch, split_validation and pixel
// statistics. (Synthetic sets: test_synthetic.cpp; the Batcher: test_batcher.cpp.)
#include <doctest/doctest.h>

#include "core/data/batcher.h"
#include "core/data/builtin_datasets.h"
#include "core/data/dataset.h"
#include "core/data/idx_reader.h"
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_data.h"
#include "core/experiment/experiment_json.h"
#include "tests/error_of.h"
#include "tests/temp_dir.h"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using ts::Index;
using ts::testing::contains;
using ts::testing::error_of;

namespace {

using ts::testing::TempDir;

using Bytes = std::vector<uint8_t>;

void put_u32(Bytes& b, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(v >> shift));
}

Bytes idx_images(uint32_t n, uint32_t rows, uint32_t cols, const Bytes& pixels) {
  Bytes b;
  put_u32(b, 0x00000803);
  put_u32(b, n);
  put_u32(b, rows);
  put_u32(b, cols);
  b.insert(b.end(), pixels.begin(), pixels.end());
  return b;
}

Bytes idx_labels(uint32_t n, const Bytes& labels) {
  Bytes b;
  put_u32(b, 0x00000801);
  put_u32(b, n);
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

Bytes gzip(const Bytes& in) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  Bytes out(deflateBound(&z, static_cast<uLong>(in.size())) + 64);
  z.next_in = const_cast<Bytes::value_type*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

fs::path write(const fs::path& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
  return path;
}

// The message of the ts::Error `f` throws, or a marker when it throws nothing.
// Three 2x2 images with distinct pixel values, and their labels.
const Bytes kPixels = {0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 254, 255};
const Bytes kLabels = {7, 0, 9};

}  // namespace

// ---------------------------------------------------------------------------------------------
// IDX reader

TEST_CASE("idx: valid plain and gzip files read back exactly") {
  TempDir dir;
  for (const bool compressed : {false, true}) {
    CAPTURE(compressed);
    const Bytes img = idx_images(3, 2, 2, kPixels);
    const Bytes lab = idx_labels(3, kLabels);
    const std::string ext = compressed ? ".gz" : "";
    const fs::path ip = write(dir / ("img" + ext), compressed ? gzip(img) : img);
    const fs::path lp = write(dir / ("lab" + ext), compressed ? gzip(lab) : lab);

    const ts::IdxImages images = ts::read_idx_images(ip);
    CHECK(images.count == 3);
    CHECK(images.rows == 2);
    CHECK(images.cols == 2);
    CHECK(images.pixels == kPixels);
    CHECK(ts::read_idx_labels(lp) == std::vector<int32_t>{7, 0, 9});

    const ts::Dataset d = ts::load_idx_pair(ip, lp, "tiny", 10);
    CHECK(d.name == "tiny");
    CHECK(d.sample_shape == ts::Shape3{2, 2, 1});
    CHECK(d.num_classes == 10);
    CHECK(d.size() == 3);
    CHECK(d.is_image());
    CHECK(d.pixels == kPixels);
    CHECK(d.features.empty());
    CHECK_NOTHROW(ts::validate(d));
  }
}

TEST_CASE("idx: every malformed file is rejected with its name and the problem") {
  TempDir dir;
  const Bytes img = idx_images(3, 2, 2, kPixels);

  SUBCASE("missing file") {
    const fs::path p = dir / "nope";
    const std::string msg = error_of([&] { ts::read_idx_images(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "cannot open"));
  }
  SUBCASE("empty file") {
    const fs::path p = write(dir / "empty", {});
    const std::string msg = error_of([&] { ts::read_idx_images(p); });
    CHECK(msg == p.string() + ": empty file (0 bytes)");
    CHECK(error_of([&] { ts::read_idx_labels(p); }) == msg);
  }
  SUBCASE("empty gzip content") {
    const fs::path p = write(dir / "empty.gz", gzip({}));
    const std::string msg = error_of([&] { ts::read_idx_images(p); });
    CHECK(contains(msg, p.string() + ": empty file"));
    CHECK(contains(msg, "decompresses to 0 bytes"));
  }
  SUBCASE("zero images in the header") {
    const fs::path p = write(dir / "zero", idx_images(0, 28, 28, {}));
    CHECK(error_of([&] { ts::read_idx_images(p); }) ==
          p.string() + ": empty: the header says 0 images");
  }
  SUBCASE("truncated header") {
    const fs::path p = write(dir / "short-header", Bytes(img.begin(), img.begin() + 10));
    CHECK(error_of([&] { ts::read_idx_images(p); }) ==
          p.string() +
              ": truncated header: an IDX image file starts with a 16-byte header but the file "
              "has 10 bytes");
    const fs::path q = write(dir / "three-bytes", {0, 0, 8});
    CHECK(contains(error_of([&] { ts::read_idx_labels(q); }),
                   q.string() + ": truncated header: an IDX label file starts with a 8-byte "
                                "header but the file has 3 bytes"));
  }
  SUBCASE("truncated data") {
    const fs::path p = write(dir / "short-data", Bytes(img.begin(), img.end() - 7));
    CHECK(error_of([&] { ts::read_idx_images(p); }) ==
          p.string() +
              ": truncated: header says 3 images of 2x2 (28 bytes) but the file has 21 "
              "bytes");
  }
  SUBCASE("a header claiming 60000 MNIST images in a 1000-byte file") {
    Bytes big = idx_images(60000, 28, 28, Bytes(984, 0));
    const fs::path p = write(dir / "train-images-idx3-ubyte", big);
    CHECK(error_of([&] { ts::read_idx_images(p); }) ==
          p.string() +
              ": truncated: header says 60000 images of 28x28 (47040016 bytes) but the "
              "file has 1000 bytes");
  }
  SUBCASE("a gzip header claiming 4 billion images is not believed") {
    const fs::path p = write(dir / "huge.gz", gzip(idx_images(0xffffffffu, 28, 28, Bytes(84, 1))));
    CHECK(error_of([&] { ts::read_idx_images(p); }) ==
          p.string() +
              ": truncated: header says 4294967295 images of 28x28 (3367254359296 "
              "bytes) but the file decompresses to 100 bytes");
    const fs::path r =
        write(dir / "overflow", idx_images(0xffffffffu, 0xffffffffu, 0xffffffffu, Bytes(4, 1)));
    CHECK(error_of([&] { ts::read_idx_images(r); }) ==
          r.string() +
              ": truncated: header says 4294967295 images of 4294967295x4294967295 (more "
              "than 2^62 bytes) but the file has 20 bytes");
    const fs::path q = write(dir / "big.gz", gzip(idx_images(60000, 28, 28, Bytes(984, 1))));
    CHECK(error_of([&] { ts::read_idx_images(q); }) ==
          q.string() +
              ": truncated: header says 60000 images of 28x28 (47040016 bytes) but the "
              "file decompresses to 1000 bytes");
  }
  SUBCASE("wrong magic") {
    Bytes bad = img;
    bad[2] = 0x0d;  // float data instead of unsigned byte
    const fs::path p = write(dir / "float-idx", bad);
    CHECK(error_of([&] { ts::read_idx_images(p); }) ==
          p.string() +
              ": wrong magic 0x00000d03: expected 0x00000803 (IDX unsigned-byte images); not an "
              "IDX image file");
    const fs::path q = write(dir / "text", {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'});
    CHECK(contains(error_of([&] { ts::read_idx_labels(q); }),
                   q.string() + ": wrong magic 0x68656c6c: expected 0x00000801"));
  }
  SUBCASE("wrong number of dimensions") {
    const fs::path labels = write(dir / "labels", idx_labels(3, kLabels));
    CHECK(error_of([&] { ts::read_idx_images(labels); }) ==
          labels.string() +
              ": wrong number of dimensions: magic 0x00000801 declares 1 but an IDX image file "
              "has 3 (count, rows, cols); is this a label file?");
    const fs::path images = write(dir / "images", img);
    CHECK(contains(error_of([&] { ts::read_idx_labels(images); }),
                   images.string() +
                       ": wrong number of dimensions: magic 0x00000803 declares 3 "
                       "but an IDX label file has 1 (count); is this an image file?"));
    Bytes two = img;
    two[3] = 2;
    const fs::path p = write(dir / "two-dims", two);
    CHECK(contains(error_of([&] { ts::read_idx_images(p); }),
                   p.string() + ": wrong number of dimensions: magic 0x00000802 declares 2"));
  }
  SUBCASE("trailing bytes") {
    Bytes longer = img;
    longer.insert(longer.end(), {1, 2, 3});
    const fs::path p = write(dir / "trailing", longer);
    CHECK(error_of([&] { ts::read_idx_images(p); }) ==
          p.string() +
              ": trailing bytes: header says 3 images of 2x2 (28 bytes) but the file "
              "has 31 bytes");
    Bytes labels = idx_labels(3, kLabels);
    labels.push_back(0);
    const fs::path gz = write(dir / "trailing-labels.gz", gzip(labels));
    CHECK(error_of([&] { ts::read_idx_labels(gz); }) ==
          gz.string() +
              ": trailing bytes: header says 3 labels (11 bytes) but the file "
              "decompresses to 12 bytes");
  }
  SUBCASE("bytes after the end of the gzip stream") {
    Bytes gz = gzip(img);
    gz.insert(gz.end(), {0xde, 0xad});
    const fs::path p = write(dir / "after-stream.gz", gz);
    CHECK(error_of([&] { ts::read_idx_images(p); }) ==
          p.string() + ": trailing bytes: 2 bytes follow the end of the gzip stream");
  }
  SUBCASE("count mismatch between images and labels") {
    const fs::path ip = write(dir / "images", img);
    const fs::path lp = write(dir / "labels", idx_labels(2, {1, 2}));
    const std::string msg = error_of([&] { ts::load_idx_pair(ip, lp, "x", 10); });
    CHECK(msg == ip.string() + ": count mismatch: 3 images but " + lp.string() +
                     " has 2 labels (labels for another set?)");
  }
  SUBCASE("label out of range") {
    const fs::path p = write(dir / "labels", idx_labels(3, {1, 10, 2}));
    CHECK(error_of([&] { ts::read_idx_labels(p); }) ==
          p.string() + ": label out of range: label 1 is 10 but the set has 10 classes (0..9)");
    CHECK(ts::read_idx_labels(p, 11) == std::vector<int32_t>{1, 10, 2});
    const fs::path ip = write(dir / "images", img);
    CHECK(contains(error_of([&] { ts::load_idx_pair(ip, p, "x", 10); }), p.string()));
    CHECK(contains(error_of([&] { ts::read_idx_labels(p, 0); }), "num_classes"));
  }
  SUBCASE("corrupt gzip") {
    Bytes gz = gzip(img);
    for (std::size_t i = 10; i < gz.size() - 8; ++i) gz[i] = 0xff;  // the deflate data
    const fs::path p = write(dir / "corrupt.gz", gz);
    const std::string msg = error_of([&] { ts::read_idx_images(p); });
    CHECK(contains(msg, p.string() + ": corrupt gzip data at compressed byte "));

    Bytes bad_crc = gzip(img);
    bad_crc[bad_crc.size() - 6] ^= 0x55;  // CRC-32 in the trailer
    const fs::path q = write(dir / "bad-crc.gz", bad_crc);
    CHECK(
        error_of([&] { ts::read_idx_images(q); }) ==
        q.string() + ": corrupt gzip data at compressed byte " +
            std::to_string(bad_crc.size() - 4) +
            ": incorrect data check (expected a deflate stream with a matching CRC-32 and length)");

    Bytes bad_method = gzip(img);
    bad_method[2] = 7;  // compression method other than deflate
    const fs::path r = write(dir / "bad-method.gz", bad_method);
    CHECK(contains(error_of([&] { ts::read_idx_images(r); }), r.string() + ": corrupt gzip data"));
  }
  SUBCASE("gzip file cut short") {
    const Bytes gz = gzip(img);
    for (const std::size_t keep : {std::size_t{2}, std::size_t{12}, gz.size() - 4}) {
      CAPTURE(keep);
      const fs::path p = write(dir / "cut.gz", Bytes(gz.begin(), gz.begin() + keep));
      const std::string msg = error_of([&] { ts::read_idx_images(p); });
      CHECK(contains(msg, p.string() + ": truncated gzip stream: the compressed data ends after " +
                              std::to_string(keep) + " bytes"));
    }
  }
  SUBCASE("gzip whose content is truncated") {
    const fs::path p = write(dir / "short-content.gz", gzip(Bytes(img.begin(), img.end() - 5)));
    CHECK(error_of([&] { ts::read_idx_images(p); }) ==
          p.string() +
              ": truncated: header says 3 images of 2x2 (28 bytes) but the file "
              "decompresses to 23 bytes");
    const fs::path q = write(dir / "short-header.gz", gzip(Bytes(img.begin(), img.begin() + 9)));
    CHECK(error_of([&] { ts::read_idx_images(q); }) ==
          q.string() +
              ": truncated header: an IDX image file starts with a 16-byte header but "
              "the file decompresses to 9 bytes");
  }
  SUBCASE("a directory") {
    CHECK(contains(error_of([&] { ts::read_idx_images(dir.path()); }), "is a directory"));
  }
}

// ---------------------------------------------------------------------------------------------
// Builtin datasets. Setup (third_party/fetch-datasets.sh and the Debian package
// dataset-fashion-mnist) installs the real files, so their absence is a failure here.

TEST_CASE("builtin: data_dir prefers the flag, then TRAINSCOPE_DATA, then the build default") {
  const char* old = std::getenv("TRAINSCOPE_DATA");
  const std::string saved = old ? old : "";
  ::unsetenv("TRAINSCOPE_DATA");
  const fs::path fallback = ts::data_dir(std::nullopt);
  CHECK(!fallback.empty());
  CHECK(ts::data_dir(std::string("")) == fallback);
  ::setenv("TRAINSCOPE_DATA", "/from/env", 1);
  CHECK(ts::data_dir(std::nullopt) == fs::path("/from/env"));
  CHECK(ts::data_dir(std::string("/from/flag")) == fs::path("/from/flag"));
  if (old) {
    ::setenv("TRAINSCOPE_DATA", saved.c_str(), 1);
  } else {
    ::unsetenv("TRAINSCOPE_DATA");
  }
}

TEST_CASE("builtin: a missing file is named with the command that installs it") {
  TempDir dir;
  CHECK_FALSE(ts::builtin_available("mnist", dir.path()));
  CHECK_FALSE(ts::builtin_available("cifar", dir.path()));
  const std::string msg = error_of([&] { ts::load_builtin("mnist", dir.path(), 0.1, 1); });
  CHECK(contains(msg, (dir.path() / "mnist" / "train-images-idx3-ubyte").string()));
  CHECK(contains(msg, "make data"));
  CHECK(contains(msg, "third_party/fetch-datasets.sh"));
  CHECK(contains(error_of([&] { ts::load_builtin("cifar", dir.path(), 0.1, 1); }),
                 "unknown builtin dataset 'cifar'"));

  // A corrupt local file is reported by the reader, naming it.
  fs::create_directories(dir.path() / "mnist");
  for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    write(dir / (std::string("mnist/") + f), {0, 0, 8, 3, 0});
  }
  CHECK(ts::builtin_available("mnist", dir.path()));
  CHECK(contains(error_of([&] { ts::load_builtin("mnist", dir.path(), 0.1, 1); }),
                 "mnist/train-labels-idx1-ubyte: wrong number of dimensions"));
}

TEST_CASE("builtin: real MNIST") {
  const fs::path dir = ts::data_dir(std::nullopt);
  INFO("MNIST is installed by `make data` / third_party/fetch-datasets.sh into " << dir);
  REQUIRE(ts::builtin_available("mnist", dir));

  const ts::DataSplits s = ts::load_builtin("mnist", dir, 0.1, 7);
  CHECK_FALSE(s.synthetic);
  CHECK(s.train.name == "mnist/train");
  CHECK(s.validation.name == "mnist/validation");
  CHECK(s.test.name == "mnist/test");
  CHECK(s.train.size() == 54000);
  CHECK(s.validation.size() == 6000);
  CHECK(s.test.size() == 10000);
  for (const ts::Dataset* d : {&s.train, &s.validation, &s.test}) {
    CHECK(d->sample_shape == ts::Shape3{28, 28, 1});
    CHECK(d->num_classes == 10);
    CHECK(d->class_names.size() == 10);
    CHECK(d->mean == s.train.mean);
    CHECK(d->stddev == s.train.stddev);
    CHECK_NOTHROW(ts::validate(*d));
  }
  CHECK(s.test.labels[0] == 7);  // the first t10k digit is a 7
  std::vector<int> test_counts(10);
  for (const int32_t l : s.test.labels) ++test_counts[l];
  CHECK(test_counts == std::vector<int>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009});

  // The whole training file: known label counts and pixel statistics (0.1307, 0.3081).
  const ts::BuiltinFiles f = ts::builtin_files("mnist", dir);
  const ts::Dataset all = ts::load_idx_pair(f.train_images, f.train_labels, "all", 10);
  CHECK(all.labels[0] == 5);
  std::vector<int> train_counts(10);
  for (const int32_t l : all.labels) ++train_counts[l];
  CHECK(train_counts ==
        std::vector<int>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949});
  const ts::PixelStats stats = ts::compute_pixel_stats(all);
  CHECK(stats.mean == doctest::Approx(0.1307).epsilon(0.001));
  CHECK(stats.stddev == doctest::Approx(0.3081).epsilon(0.001));
  // The split's train part has nearly the same statistics.
  CHECK(s.train.mean == doctest::Approx(0.1307).epsilon(0.01));
  CHECK(s.train.stddev == doctest::Approx(0.3081).epsilon(0.01));

  // A normalised batch has roughly zero mean and unit variance.
  std::vector<uint32_t> idx(256);
  std::iota(idx.begin(), idx.end(), 0u);
  ts::Matrix<float> x;
  std::vector<int32_t> y(idx.size());
  ts::fill_batch(s.train, idx, x, y);
  CHECK(x.rows() == 784);
  CHECK(x.cols() == 256);
  CHECK(x.mean() == doctest::Approx(0.0).epsilon(0.1).scale(1.0));
}

TEST_CASE("builtin: real Fashion-MNIST") {
  const fs::path dir = ts::data_dir(std::nullopt);
  INFO(
      "Fashion-MNIST comes from the Debian package dataset-fashion-mnist "
      "(third_party/install-deps.sh) or "
      << dir / "fashion-mnist");
  REQUIRE(ts::builtin_available("fashion-mnist", dir));
  const ts::DataSplits s = ts::load_builtin("fashion-mnist", dir, 0.0, 1);
  CHECK(s.train.size() == 60000);
  CHECK(s.validation.size() == 0);
  CHECK(s.validation.is_image());
  CHECK(s.test.size() == 10000);
  CHECK(s.train.class_names[9] == "Ankle boot");
  CHECK(s.train.class_names[0] == "T-shirt/top");
  CHECK(s.train.labels[0] == 9);
  std::vector<int> train_counts(10), test_counts(10);
  for (const int32_t l : s.train.labels) ++train_counts[l];
  for (const int32_t l : s.test.labels) ++test_counts[l];
  CHECK(train_counts == std::vector<int>(10, 6000));
  CHECK(test_counts == std::vector<int>(10, 1000));
  CHECK(s.train.mean == doctest::Approx(0.2860).epsilon(0.001));
  CHECK(s.train.stddev == doctest::Approx(0.3530).epsilon(0.001));
}

// ---------------------------------------------------------------------------------------------
// Dataset operations

TEST_CASE("fill_batch normalises pixels per batch and reuses x") {
  ts::Dataset d;
  d.name = "hand";
  d.sample_shape = {2, 2, 1};
  d.num_classes = 3;
  d.pixels = {0,   255, 51, 102,   // sample 0
              204, 153, 0,  255};  // sample 1
  d.labels = {2, 1};
  d.mean = 0.5f;
  d.stddev = 0.25f;
  REQUIRE_NOTHROW(ts::validate(d));

  ts::Matrix<float> x(4, 3);
  const float* storage = x.data();
  std::vector<int32_t> y(3);
  const std::vector<uint32_t> idx = {1, 0, 1};
  ts::fill_batch(d, idx, x, y);
  CHECK(x.data() == storage);  // same shape: no reallocation
  // x = (p / 255 - 0.5) / 0.25
  const float expected0[] = {-2.f, 2.f, -1.2f, -0.4f};
  const float expected1[] = {1.2f, 0.4f, -2.f, 2.f};
  for (int f = 0; f < 4; ++f) {
    CHECK(x(f, 1) == doctest::Approx(expected0[f]).epsilon(1e-6));
    CHECK(x(f, 0) == doctest::Approx(expected1[f]).epsilon(1e-6));
    CHECK(x(f, 2) == x(f, 0));
  }
  CHECK(y == std::vector<int32_t>{1, 2, 1});

  ts::Matrix<float> small;
  std::vector<int32_t> y1(1);
  const std::vector<uint32_t> one = {0};
  ts::fill_batch(d, one, small, y1);
  CHECK(small.rows() == 4);
  CHECK(small.cols() == 1);

  const std::vector<uint32_t> out_of_range = {0, 2};
  std::vector<int32_t> y2(2);
  CHECK(error_of([&] { ts::fill_batch(d, out_of_range, x, y2); }) ==
        "dataset hand: sample index 2 (batch position 1) is out of range: the set has 2 samples");
  CHECK(contains(error_of([&] { ts::fill_batch(d, idx, x, y2); }), "room for 2 labels"));

  ts::Dataset f;
  f.name = "floats";
  f.sample_shape = {1, 1, 2};
  f.num_classes = 2;
  f.features = {0.25f, -3.5f, 7.f, 1e-3f};
  f.labels = {0, 1};
  CHECK_FALSE(f.is_image());
  ts::fill_batch(f, std::vector<uint32_t>{1, 0}, x, y2);
  CHECK(x.rows() == 2);
  CHECK(x.cols() == 2);
  CHECK(x(0, 0) == 7.f);
  CHECK(x(1, 0) == 1e-3f);
  CHECK(x(0, 1) == 0.25f);
  CHECK(x(1, 1) == -3.5f);
  CHECK(y2 == std::vector<int32_t>{1, 0});

  f.features.pop_back();
  CHECK(contains(error_of([&] { ts::validate(f); }), "dataset floats: holds 3 values"));
}

TEST_CASE("compute_pixel_stats") {
  ts::Dataset d;
  d.sample_shape = {1, 2, 1};
  d.num_classes = 1;
  d.pixels = {0, 255, 0, 255};
  d.labels = {0, 0};
  ts::PixelStats s = ts::compute_pixel_stats(d);
  CHECK(s.mean == doctest::Approx(0.5).epsilon(1e-7));
  CHECK(s.stddev == doctest::Approx(0.5).epsilon(1e-7));
  d.pixels = {51, 51, 51, 51};
  s = ts::compute_pixel_stats(d);
  CHECK(s.mean == doctest::Approx(0.2).epsilon(1e-7));
  CHECK(s.stddev == 1.f);  // constant images: no division by zero
  d.pixels.clear();
  d.labels.clear();
  CHECK_THROWS_AS(ts::compute_pixel_stats(d), ts::Error);
}

TEST_CASE("split_validation is disjoint, covering, deterministic and order-keeping") {
  ts::Dataset all;
  all.name = "set/train";
  all.sample_shape = {1, 1, 1};
  all.num_classes = 5;
  for (int i = 0; i < 100; ++i) {
    all.features.push_back(static_cast<float>(i));
    all.labels.push_back(i % 5);
  }
  const auto [train, val] = ts::split_validation(all, 0.2, 42);
  CHECK(train.name == "set/train");
  CHECK(val.name == "set/validation");
  CHECK(train.size() == 80);
  CHECK(val.size() == 20);
  std::set<int> seen;
  for (const ts::Dataset* d : {&train, &val}) {
    CHECK_NOTHROW(ts::validate(*d));
    CHECK(std::is_sorted(d->features.begin(), d->features.end()));
    for (Index i = 0; i < d->size(); ++i) {
      const int id = static_cast<int>(d->features[i]);
      CHECK(d->labels[i] == id % 5);
      CHECK(seen.insert(id).second);  // disjoint
    }
  }
  CHECK(seen.size() == 100);  // covering

  const auto [train2, val2] = ts::split_validation(all, 0.2, 42);
  CHECK(val2.features == val.features);
  const auto [train3, val3] = ts::split_validation(all, 0.2, 43);
  CHECK(val3.features != val.features);
  CHECK(ts::split_validation(all, 0.0, 1).second.size() == 0);
  CHECK(contains(error_of([&] { ts::split_validation(all, 1.0, 1); }), "[0, 1)"));
  CHECK(contains(error_of([&] { ts::split_validation(all, -0.1, 1); }), "[0, 1)"));
}

TEST_CASE("data.train_size keeps the first images of the training split, and says when too many") {
  const fs::path dir = ts::data_dir(std::nullopt);
  REQUIRE(ts::builtin_available("mnist", dir));
  ts::ExperimentConfig c = ts::parse_experiment_text(
      R"({"data": {"dataset": "mnist", "validation_fraction": 0.1, "train_size": 5000},
          "model": {"layers": [{"type": "dense", "units": 10}]}, "training": {"seed": 7}})",
      "subset.json");
  CHECK(c.data.train_size == 5000);
  const auto whole = ts::load_builtin("mnist", dir, 0.1, 7);
  const auto part = ts::load_experiment_data(c, dir);
  REQUIRE(part->train.size() == 5000);
  CHECK(part->train.pixels.size() == 5000u * 784u);
  CHECK(
      std::equal(part->train.labels.begin(), part->train.labels.end(), whole.train.labels.begin()));
  CHECK(
      std::equal(part->train.pixels.begin(), part->train.pixels.end(), whole.train.pixels.begin()));
  CHECK(part->train.mean == whole.train.mean);  // normalized as the whole split
  CHECK(part->validation.size() == 6000);
  CHECK(part->test.size() == 10000);
  c.data.train_size = 60000;
  CHECK(contains(error_of([&] { ts::load_experiment_data(c, dir); }),
                 "data.train_size: 60000, but mnist/train has 54000 images after the validation "
                 "split"));
  CHECK(contains(error_of([&] {
                   ts::parse_experiment_text(
                       R"({"data": {"dataset": "mnist", "train_size": -3},
                           "model": {"layers": [{"type": "dense", "units": 10}]}})",
                       "bad.json");
                 }),
                 "train_size"));
}
