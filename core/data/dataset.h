// A labelled dataset held in memory, and the few operations the trainer needs on it.
//
// A Dataset is a plain value: whoever loads or generates it owns it, and once built it is
// read-only, so any number of threads may read it at once (fill_batch only reads). Image
// sets keep their pixels as uint8 (MNIST's 60000 images are 47 MB, not 188 MB) and are
// normalised per batch in fill_batch; float sets (synthetic) store features directly.
//
// Invariants (checked by `validate`):
//   - labels.size() is the number of samples n; each label is in [0, num_classes);
//   - exactly one of pixels / features holds the samples, n * sample_size() values,
//     sample-major, each sample laid out height-width-channel with the channel fastest;
//     for an empty set (n == 0) both are empty;
//   - stddev > 0.
#pragma once

#include "core/tensor.h"

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ts {

struct Dataset {
  std::string name;     // "mnist/train", "spirals/test"
  Shape3 sample_shape;  // {28, 28, 1} for MNIST, {1, 1, 2} for 2-D sets
  int num_classes = 0;
  std::vector<uint8_t> pixels;           // image sets: n * sample_size, sample-major (else empty)
  std::vector<float> features;           // float sets: n * sample_size, sample-major (else empty)
  std::vector<int32_t> labels;           // n, each in [0, num_classes)
  float mean = 0.f, stddev = 1.f;        // pixel normalisation: x = (p / 255 - mean) / stddev
  std::vector<std::string> class_names;  // optional, num_classes entries when present

  Index size() const { return static_cast<Index>(labels.size()); }
  // True for sets stored as pixels. An empty set counts as an image set when its samples
  // have more than one row (float sets have one: {1, 1, dim}, or XORD's {1, d, 2}).
  bool is_image() const { return !pixels.empty() || (features.empty() && sample_shape.height > 1); }
  Index sample_size() const { return sample_shape.size(); }
};

// What a run trains, selects on and reports on. `synthetic` sets were generated from a seed;
// `note` says where the data came from, for the window's status line and run logs.
struct DataSplits {
  Dataset train, validation, test;
  bool synthetic = false;
  std::string note;
};

// Throws ts::Error naming the set (d.name) when an invariant above does not hold.
void validate(const Dataset& d);

// Copies samples `indices` into x, one sample per column, and their labels into y.
//   x: resized to (sample_size, indices.size()) only when its shape differs, so a trainer
//      that reuses x with a constant batch size never allocates here.
//   y: must have exactly indices.size() elements.
// Pixels are normalised here as (p / 255 - mean) / stddev; float features are copied.
// Throws ts::Error for an index out of range or a y of the wrong size.
void fill_batch(const Dataset& d, std::span<const uint32_t> indices, Matrix<float>& x,
                std::span<int32_t> y);

// Asks the caches for the stored samples at `indices`, which fill_batch will read soon: a
// training batch's rows are scattered over the whole set, and each one read cold waits for main
// memory (32 MNIST rows take 12 us cold, under 2 us prefetched). Indices out of range are left
// out (fill_batch reports them).
void prefetch_samples(const Dataset& d, std::span<const uint32_t> indices);

// The first n samples of d (all of them when fewer) in file order, in batches of at most `size`
// filled by fill_batch: the fixed sample sets the analyses evaluate a network on.
struct SampleBatch {
  Matrix<float> x;
  std::vector<int32_t> y;
};
std::vector<SampleBatch> batches_in_order(const Dataset& d, Index n, Index size);

// A new dataset of the samples `indices` of d, in that order, with the same shape, classes
// and normalisation. Throws ts::Error for an index out of range.
Dataset select_samples(const Dataset& d, std::span<const uint32_t> indices, std::string name);

// Splits `all` into (train, validation): round(validation_fraction * n) samples chosen by a
// Fisher-Yates shuffle seeded with `seed` go to validation, the rest to train; each part
// keeps the original order of its samples. Same inputs, same split, on every platform.
// validation_fraction must be in [0, 1). The validation part is named after `all` with a
// trailing "/train" replaced by "/validation" (or "/validation" appended).
std::pair<Dataset, Dataset> split_validation(const Dataset& all, double validation_fraction,
                                             uint64_t seed);

// Mean and standard deviation of p / 255 over every pixel of an image set (population
// statistics, exact: computed from a 256-bin histogram). A set whose pixels are all equal
// gets stddev 1, so normalising never divides by zero. Throws for a float or empty set.
struct PixelStats {
  float mean = 0.f;
  float stddev = 1.f;
};
PixelStats compute_pixel_stats(const Dataset& d);

}  // namespace ts
