#include "core/data/synthetic.h"

#include "core/error.h"
#include "core/rng.h"

#include <cmath>
#include <numbers>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace ts {

namespace {

constexpr Index kMaxSamples = 10'000'000;
constexpr Index kMaxValues = Index{1} << 28;  // floats per split: 1 GiB
constexpr uint64_t kFixedStream = 0;
constexpr uint64_t kSplitStreams[3] = {1, 2, 3};
constexpr const char* kSplitNames[3] = {"train", "validation", "test"};

template <class T>
void check_range(const char* generator, const char* field, T value, T lo, T hi) {
  if (!(value >= lo && value <= hi)) {
    std::ostringstream msg;
    msg << generator << ": " << field << " must be in [" << lo << ", " << hi << "], got " << value;
    throw Error(msg.str());
  }
}

void check_sizes(const char* generator, const SplitSizes& s, Index sample_size) {
  check_range<Index>(generator, "sizes.train", s.train, 1, kMaxSamples);
  check_range<Index>(generator, "sizes.validation", s.validation, 0, kMaxSamples);
  check_range<Index>(generator, "sizes.test", s.test, 0, kMaxSamples);
  for (const Index n : {s.train, s.validation, s.test}) {
    if (n * sample_size > kMaxValues) {
      throw Error(std::string(generator) + ": " + std::to_string(n) + " samples of " +
                  std::to_string(sample_size) + " values exceed the limit of " +
                  std::to_string(kMaxValues) + " values per split");
    }
  }
}

Index split_size(const SplitSizes& s, int split) {
  return split == 0 ? s.train : split == 1 ? s.validation : s.test;
}

Dataset empty_set(const std::string& generator, int split, Shape3 shape, int num_classes, Index n) {
  Dataset d;
  d.name = generator + "/" + kSplitNames[split];
  d.sample_shape = shape;
  d.num_classes = num_classes;
  d.labels.resize(static_cast<std::size_t>(n));
  d.features.resize(static_cast<std::size_t>(n * shape.size()));
  return d;
}

// Balanced labels (0, 1, ..., k-1, 0, ...) shuffled, then draw(rng, label, out) writes one
// sample of that label into out[0 .. sample_size).
template <class Draw>
Dataset generate_balanced(const std::string& generator, int split, Shape3 shape, int num_classes,
                          Index n, Rng rng, Draw&& draw) {
  Dataset d = empty_set(generator, split, shape, num_classes, n);
  for (Index i = 0; i < n; ++i) d.labels[i] = static_cast<int32_t>(i % num_classes);
  for (Index i = n; i > 1; --i) {
    std::swap(d.labels[i - 1], d.labels[rng.below(static_cast<uint64_t>(i))]);
  }
  const Index s = shape.size();
  for (Index i = 0; i < n; ++i) draw(rng, d.labels[i], d.features.data() + i * s);
  return d;
}

template <class Draw>
DataSplits balanced_splits(const std::string& generator, Shape3 shape, int num_classes,
                           const SplitSizes& sizes, uint64_t seed, std::string note, Draw&& draw) {
  const Rng base(seed);
  DataSplits out;
  Dataset* sets[3] = {&out.train, &out.validation, &out.test};
  for (int split = 0; split < 3; ++split) {
    *sets[split] = generate_balanced(generator, split, shape, num_classes, split_size(sizes, split),
                                     base.fork(kSplitStreams[split]), draw);
  }
  out.synthetic = true;
  out.note = generator + " (" + note + "), seed " + std::to_string(seed) + ": " +
             std::to_string(sizes.train) + " train, " + std::to_string(sizes.validation) +
             " validation, " + std::to_string(sizes.test) + " test";
  return out;
}

std::string fmt(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

DataSplits make_xord(const XordParams& p, uint64_t seed) {
  check_range("xord", "pairs", p.pairs, 1, 64);
  const int d = p.pairs;
  check_sizes("xord", p.sizes, 2 * d);
  auto draw = [d](Rng& rng, int32_t label, float* x) {
    if (label == 0) {
      for (int j = 0; j < d; ++j) {
        const float a = rng.below(2) ? 1.f : -1.f;
        x[2 * j] = a;
        x[2 * j + 1] = -a;
      }
      return;
    }
    bool positive = false;
    while (!positive) {
      for (int i = 0; i < 2 * d; ++i) x[i] = rng.below(2) ? 1.f : -1.f;
      for (int j = 0; j < d && !positive; ++j) positive = x[2 * j] == x[2 * j + 1];
    }
  };
  return balanced_splits("xord", Shape3{1, d, 2}, 2, p.sizes, seed,
                         "d=" + std::to_string(d) + ", " + std::to_string(2 * d) + " inputs", draw);
}

DataSplits make_teacher_student(const TeacherStudentParams& p, uint64_t seed) {
  const char* g = "teacher-student";
  check_range(g, "input_dim", p.input_dim, 1, 4096);
  check_range(g, "hidden", p.hidden, 1, 4096);
  check_range(g, "num_classes", p.num_classes, 2, 256);
  check_sizes(g, p.sizes, p.input_dim);
  const int in = p.input_dim, hid = p.hidden, k = p.num_classes;

  // The teacher, from stream 0: row-major W1 (hid, in), b1 (hid), W2 (k, hid); b2 = 0.
  const Rng base(seed);
  Rng teacher_rng = base.fork(kFixedStream);
  std::vector<double> w1(static_cast<std::size_t>(hid) * in), b1(hid),
      w2(static_cast<std::size_t>(k) * hid);
  for (double& w : w1) w = teacher_rng.normal(0.0, 1.0 / std::sqrt(static_cast<double>(in)));
  for (double& b : b1) b = teacher_rng.normal(0.0, 0.1);
  for (double& w : w2) w = teacher_rng.normal(0.0, 1.0 / std::sqrt(static_cast<double>(hid)));

  DataSplits out;
  Dataset* sets[3] = {&out.train, &out.validation, &out.test};
  std::vector<double> h(hid);
  for (int split = 0; split < 3; ++split) {
    const Index n = split_size(p.sizes, split);
    Dataset d = empty_set(g, split, Shape3{1, 1, in}, k, n);
    Rng rng = base.fork(kSplitStreams[split]);
    for (Index i = 0; i < n; ++i) {
      float* x = d.features.data() + i * in;
      for (int f = 0; f < in; ++f) x[f] = static_cast<float>(rng.normal());
      for (int u = 0; u < hid; ++u) {
        double z = b1[u];
        for (int f = 0; f < in; ++f) z += w1[static_cast<std::size_t>(u) * in + f] * x[f];
        h[u] = z > 0.0 ? z : 0.0;
      }
      int best = 0;
      double best_logit = 0.0;
      for (int c = 0; c < k; ++c) {
        double logit = 0.0;
        for (int u = 0; u < hid; ++u) logit += w2[static_cast<std::size_t>(c) * hid + u] * h[u];
        if (c == 0 || logit > best_logit) {
          best = c;
          best_logit = logit;
        }
      }
      d.labels[i] = best;
    }
    *sets[split] = std::move(d);
  }
  out.synthetic = true;
  out.note = std::string(g) + " (" + std::to_string(in) + " inputs, " + std::to_string(hid) +
             " hidden, " + std::to_string(k) + " classes), seed " + std::to_string(seed) + ": " +
             std::to_string(p.sizes.train) + " train, " + std::to_string(p.sizes.validation) +
             " validation, " + std::to_string(p.sizes.test) + " test";
  return out;
}

DataSplits make_spirals(const SpiralsParams& p, uint64_t seed) {
  check_range("spirals", "num_classes", p.num_classes, 2, 16);
  check_range("spirals", "turns", p.turns, 1e-9, 10.0);
  check_range("spirals", "noise", p.noise, 0.0, 10.0);
  check_sizes("spirals", p.sizes, 2);
  const int k = p.num_classes;
  auto draw = [&p, k](Rng& rng, int32_t label, float* x) {
    const double t = rng.uniform(0.05, 1.0);
    const double angle = 2.0 * std::numbers::pi * (p.turns * t + static_cast<double>(label) / k);
    x[0] = static_cast<float>(t * std::cos(angle) + rng.normal(0.0, p.noise));
    x[1] = static_cast<float>(t * std::sin(angle) + rng.normal(0.0, p.noise));
  };
  return balanced_splits(
      "spirals", Shape3{1, 1, 2}, k, p.sizes, seed,
      std::to_string(k) + " arms, " + fmt(p.turns) + " turns, noise " + fmt(p.noise), draw);
}

DataSplits make_circles(const CirclesParams& p, uint64_t seed) {
  check_range("circles", "outer_radius", p.outer_radius, 1e-9, 1e6);
  if (!(p.inner_radius > 0.0 && p.inner_radius < p.outer_radius)) {
    throw Error("circles: inner_radius must be in (0, outer_radius = " + fmt(p.outer_radius) +
                "), got " + fmt(p.inner_radius));
  }
  check_range("circles", "noise", p.noise, 0.0, 10.0);
  check_sizes("circles", p.sizes, 2);
  auto draw = [&p](Rng& rng, int32_t label, float* x) {
    const double r = label == 0 ? p.inner_radius : p.outer_radius;
    const double angle = rng.uniform(0.0, 2.0 * std::numbers::pi);
    x[0] = static_cast<float>(r * std::cos(angle) + rng.normal(0.0, p.noise));
    x[1] = static_cast<float>(r * std::sin(angle) + rng.normal(0.0, p.noise));
  };
  return balanced_splits(
      "circles", Shape3{1, 1, 2}, 2, p.sizes, seed,
      "radii " + fmt(p.inner_radius) + " and " + fmt(p.outer_radius) + ", noise " + fmt(p.noise),
      draw);
}

DataSplits make_blobs(const BlobsParams& p, uint64_t seed) {
  check_range("blobs", "num_classes", p.num_classes, 2, 256);
  check_range("blobs", "dim", p.dim, 2, 4096);
  check_range("blobs", "centre_radius", p.centre_radius, 1e-9, 1e6);
  check_range("blobs", "stddev", p.stddev, 0.0, 1e6);
  check_sizes("blobs", p.sizes, p.dim);
  const int k = p.num_classes;
  Rng fixed = Rng(seed).fork(kFixedStream);
  const double turn = fixed.uniform(0.0, 2.0 * std::numbers::pi);
  std::vector<std::pair<double, double>> centres(k);
  for (int c = 0; c < k; ++c) {
    const double angle = turn + 2.0 * std::numbers::pi * c / k;
    centres[c] = {p.centre_radius * std::cos(angle), p.centre_radius * std::sin(angle)};
  }
  auto draw = [&p, &centres](Rng& rng, int32_t label, float* x) {
    for (int f = 0; f < p.dim; ++f) {
      const double centre = f == 0 ? centres[label].first : f == 1 ? centres[label].second : 0.0;
      x[f] = static_cast<float>(rng.normal(centre, p.stddev));
    }
  };
  return balanced_splits("blobs", Shape3{1, 1, p.dim}, k, p.sizes, seed,
                         std::to_string(k) + " classes in " + std::to_string(p.dim) +
                             " dims, centre radius " + fmt(p.centre_radius) + ", stddev " +
                             fmt(p.stddev),
                         draw);
}

DataSplits make_xor(const XorParams& p, uint64_t seed) {
  check_range("xor", "margin", p.margin, 0.0, 0.999999);
  check_range("xor", "noise", p.noise, 0.0, 10.0);
  check_sizes("xor", p.sizes, 2);
  auto draw = [&p](Rng& rng, int32_t label, float* x) {
    // Label 0: quadrants (+, +) and (-, -); label 1: (+, -) and (-, +).
    const double sx = rng.below(2) ? 1.0 : -1.0;
    const double sy = label == 0 ? sx : -sx;
    x[0] = static_cast<float>(sx * rng.uniform(p.margin, 1.0) + rng.normal(0.0, p.noise));
    x[1] = static_cast<float>(sy * rng.uniform(p.margin, 1.0) + rng.normal(0.0, p.noise));
  };
  return balanced_splits("xor", Shape3{1, 1, 2}, 2, p.sizes, seed,
                         "margin " + fmt(p.margin) + ", noise " + fmt(p.noise), draw);
}

DataSplits make_synthetic(const SyntheticParams& p, uint64_t seed) {
  return std::visit(
      [seed](const auto& params) -> DataSplits {
        using T = std::decay_t<decltype(params)>;
        if constexpr (std::is_same_v<T, XordParams>) {
          return make_xord(params, seed);
        } else if constexpr (std::is_same_v<T, TeacherStudentParams>) {
          return make_teacher_student(params, seed);
        } else if constexpr (std::is_same_v<T, SpiralsParams>) {
          return make_spirals(params, seed);
        } else if constexpr (std::is_same_v<T, CirclesParams>) {
          return make_circles(params, seed);
        } else if constexpr (std::is_same_v<T, BlobsParams>) {
          return make_blobs(params, seed);
        } else {
          static_assert(std::is_same_v<T, XorParams>, "a SyntheticParams type without a generator");
          return make_xor(params, seed);
        }
      },
      p);
}

}  // namespace ts
