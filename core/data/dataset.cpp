#include "core/data/dataset.h"

#include "core/error.h"
#include "core/rng.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace ts {

namespace {

std::string describe(const Dataset& d) { return d.name.empty() ? "dataset" : "dataset " + d.name; }

void check_index(const Dataset& d, uint32_t index, std::size_t position) {
  if (static_cast<Index>(index) >= d.size()) {
    throw Error(describe(d) + ": sample index " + std::to_string(index) + " (batch position " +
                std::to_string(position) + ") is out of range: the set has " +
                std::to_string(d.size()) + " samples");
  }
}

// The storage checks of `validate` that cost O(1); fill_batch runs these on every call.
void check_storage(const Dataset& d) {
  const Index n = d.size();
  const Index s = d.sample_size();
  if (d.sample_shape.height < 1 || d.sample_shape.width < 1 || d.sample_shape.channels < 1) {
    throw Error(describe(d) + ": sample shape has a dimension below 1");
  }
  const auto expected = static_cast<std::size_t>(n * s);
  if (!d.pixels.empty() && !d.features.empty()) {
    throw Error(describe(d) + ": holds both pixels and float features");
  }
  const std::size_t held = d.pixels.empty() ? d.features.size() : d.pixels.size();
  if (held != expected) {
    throw Error(describe(d) + ": holds " + std::to_string(held) + " values but " +
                std::to_string(n) + " labels of samples of size " + std::to_string(s) + " need " +
                std::to_string(expected));
  }
  if (!(d.stddev > 0.f) || !std::isfinite(d.stddev) || !std::isfinite(d.mean)) {
    throw Error(describe(d) +
                ": pixel normalisation needs a finite mean and stddev > 0, got mean " +
                std::to_string(d.mean) + " and stddev " + std::to_string(d.stddev));
  }
}

}  // namespace

void validate(const Dataset& d) {
  check_storage(d);
  if (d.num_classes < 1) {
    throw Error(describe(d) + ": num_classes is " + std::to_string(d.num_classes) +
                ", expected at least 1");
  }
  for (std::size_t i = 0; i < d.labels.size(); ++i) {
    if (d.labels[i] < 0 || d.labels[i] >= d.num_classes) {
      throw Error(describe(d) + ": label of sample " + std::to_string(i) + " is " +
                  std::to_string(d.labels[i]) + ", outside [0, " + std::to_string(d.num_classes) +
                  ")");
    }
  }
  if (!d.class_names.empty() && static_cast<int>(d.class_names.size()) != d.num_classes) {
    throw Error(describe(d) + ": has " + std::to_string(d.class_names.size()) +
                " class names for " + std::to_string(d.num_classes) + " classes");
  }
}

void prefetch_samples(const Dataset& d, std::span<const uint32_t> indices) {
  constexpr std::size_t kLine = 64;
  const std::size_t s = static_cast<std::size_t>(d.sample_size());
  const bool pixels = !d.pixels.empty();
  const std::size_t bytes = pixels ? s : s * sizeof(float);
  const auto* base = pixels ? reinterpret_cast<const char*>(d.pixels.data())
                            : reinterpret_cast<const char*>(d.features.data());
  const std::size_t held = pixels ? d.pixels.size() : d.features.size() * sizeof(float);
  for (uint32_t i : indices) {
    if ((std::size_t(i) + 1) * bytes > held) continue;  // beyond what is stored
    const char* row = base + std::size_t(i) * bytes;
    for (std::size_t off = 0; off < bytes; off += kLine) __builtin_prefetch(row + off);
  }
}

std::vector<SampleBatch> batches_in_order(const Dataset& d, Index n, Index size) {
  n = std::min(n, d.size());
  std::vector<SampleBatch> out;
  for (Index start = 0; start < n; start += size) {
    std::vector<uint32_t> idx(static_cast<std::size_t>(std::min(size, n - start)));
    std::iota(idx.begin(), idx.end(), uint32_t(start));
    SampleBatch b;
    b.y.resize(idx.size());
    fill_batch(d, idx, b.x, b.y);
    out.push_back(std::move(b));
  }
  return out;
}

void fill_batch(const Dataset& d, std::span<const uint32_t> indices, Matrix<float>& x,
                std::span<int32_t> y) {
  check_storage(d);
  if (y.size() != indices.size()) {
    throw Error(describe(d) + ": fill_batch got " + std::to_string(indices.size()) +
                " indices but room for " + std::to_string(y.size()) + " labels");
  }
  for (std::size_t j = 0; j < indices.size(); ++j) check_index(d, indices[j], j);

  const Index s = d.sample_size();
  const auto batch = static_cast<Index>(indices.size());
  if (x.rows() != s || x.cols() != batch) x.resize(s, batch);

  if (!d.pixels.empty()) {
    // (p / 255 - mean) / stddev as one multiply-add; a 256-entry table would do as well,
    // but this keeps the arithmetic identical for every pixel value and every batch.
    const float scale = 1.f / (255.f * d.stddev);
    const float offset = -d.mean / d.stddev;
    for (Index j = 0; j < batch; ++j) {
      const uint8_t* src = d.pixels.data() + static_cast<std::size_t>(indices[j]) * s;
      float* dst = x.col(j).data();
      for (Index f = 0; f < s; ++f) dst[f] = static_cast<float>(src[f]) * scale + offset;
    }
  } else {
    for (Index j = 0; j < batch; ++j) {
      const float* src = d.features.data() + static_cast<std::size_t>(indices[j]) * s;
      std::copy(src, src + s, x.col(j).data());
    }
  }
  for (std::size_t j = 0; j < indices.size(); ++j) y[j] = d.labels[indices[j]];
}

Dataset select_samples(const Dataset& d, std::span<const uint32_t> indices, std::string name) {
  check_storage(d);
  for (std::size_t j = 0; j < indices.size(); ++j) check_index(d, indices[j], j);
  Dataset out;
  out.name = std::move(name);
  out.sample_shape = d.sample_shape;
  out.num_classes = d.num_classes;
  out.mean = d.mean;
  out.stddev = d.stddev;
  out.class_names = d.class_names;
  const auto s = static_cast<std::size_t>(d.sample_size());
  out.labels.reserve(indices.size());
  if (!d.pixels.empty()) out.pixels.reserve(indices.size() * s);
  if (!d.features.empty()) out.features.reserve(indices.size() * s);
  for (const uint32_t i : indices) {
    out.labels.push_back(d.labels[i]);
    if (!d.pixels.empty()) {
      const auto first = d.pixels.begin() + static_cast<std::ptrdiff_t>(i * s);
      out.pixels.insert(out.pixels.end(), first, first + static_cast<std::ptrdiff_t>(s));
    }
    if (!d.features.empty()) {
      const auto first = d.features.begin() + static_cast<std::ptrdiff_t>(i * s);
      out.features.insert(out.features.end(), first, first + static_cast<std::ptrdiff_t>(s));
    }
  }
  return out;
}

std::pair<Dataset, Dataset> split_validation(const Dataset& all, double validation_fraction,
                                             uint64_t seed) {
  if (!(validation_fraction >= 0.0 && validation_fraction < 1.0)) {
    throw Error(describe(all) + ": validation fraction must be in [0, 1), got " +
                std::to_string(validation_fraction));
  }
  const auto n = static_cast<uint64_t>(all.size());
  if (n > UINT32_MAX) throw Error(describe(all) + ": too many samples to index with 32 bits");

  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  Rng rng(seed);
  for (uint64_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);

  const auto n_val =
      static_cast<std::size_t>(std::llround(validation_fraction * static_cast<double>(n)));
  std::vector<uint32_t> val(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_val));
  std::vector<uint32_t> train(order.begin() + static_cast<std::ptrdiff_t>(n_val), order.end());
  std::sort(val.begin(), val.end());
  std::sort(train.begin(), train.end());

  std::string val_name = all.name;
  const std::string suffix = "/train";
  if (val_name.size() >= suffix.size() &&
      val_name.compare(val_name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    val_name.resize(val_name.size() - suffix.size());
  }
  val_name += "/validation";
  return {select_samples(all, train, all.name), select_samples(all, val, std::move(val_name))};
}

PixelStats compute_pixel_stats(const Dataset& d) {
  if (d.pixels.empty()) {
    throw Error(describe(d) + ": pixel statistics need an image set with at least one sample");
  }
  std::array<uint64_t, 256> histogram{};
  for (const uint8_t p : d.pixels) ++histogram[p];
  const auto count = static_cast<double>(d.pixels.size());
  double sum = 0.0;
  for (int v = 0; v < 256; ++v) sum += static_cast<double>(histogram[v]) * (v / 255.0);
  const double mean = sum / count;
  double squares = 0.0;
  for (int v = 0; v < 256; ++v) {
    const double dev = v / 255.0 - mean;
    squares += static_cast<double>(histogram[v]) * dev * dev;
  }
  const double stddev = std::sqrt(squares / count);
  PixelStats stats;
  stats.mean = static_cast<float>(mean);
  stats.stddev = stddev > 1e-6 ? static_cast<float>(stddev) : 1.f;
  return stats;
}

}  // namespace ts
