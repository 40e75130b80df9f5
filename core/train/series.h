// Append-only series that one thread writes and any number of threads read without locks.
//
// `Series<T>` stores its elements in segments of doubling size (256, 512, 1024, ...), so an
// element never moves once written and the storage is at most twice what is used. The
// writer constructs element i, then publishes the count i + 1 with a release store; a
// reader loads the count with acquire and may read every element below it. Published
// elements are never written again, so readers never see a torn value and the writer never
// waits for a reader.
//
// `ScalarSeries` is a series of (step, value) points plus min/max summaries over blocks of
// 64 and 4096 points, kept by the writer as it appends, so a level-of-detail view of a
// million points costs what a few thousand do.
//
// Threads: push() from one writer thread only; everything const from any thread.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace ts {

template <class T>
class Series {
 public:
  Series() = default;
  Series(const Series&) = delete;
  Series& operator=(const Series&) = delete;

  // Writer only. Allocates when a segment fills (1 in 2^k pushes), never otherwise.
  void push(const T& v) {
    const std::size_t n = count_.load(std::memory_order_relaxed);
    const auto [seg, off] = locate(n);
    if (!segments_[seg]) segments_[seg] = std::make_unique_for_overwrite<T[]>(segment_size(seg));
    segments_[seg][off] = v;
    count_.store(n + 1, std::memory_order_release);
  }

  // Any thread: the number of elements published so far.
  std::size_t size() const { return count_.load(std::memory_order_acquire); }

  // Any thread, i < a size() it has loaded.
  const T& operator[](std::size_t i) const {
    const auto [seg, off] = locate(i);
    return segments_[seg][off];
  }

  // Any thread: appends the elements [out.size(), size()) to out; returns how many.
  std::size_t copy_new(std::vector<T>& out) const {
    const std::size_t n = size();
    const std::size_t have = out.size();
    if (have >= n) return 0;
    out.reserve(n);
    for (std::size_t i = have; i < n; ++i) out.push_back((*this)[i]);
    return n - have;
  }

 private:
  static constexpr std::size_t kFirstBits = 8;  // the first segment holds 256 elements
  static constexpr std::size_t kSegments = 48;
  static constexpr std::size_t segment_size(std::size_t seg) {
    return std::size_t(1) << (seg + kFirstBits);
  }
  struct Place {
    std::size_t seg, off;
  };
  static Place locate(std::size_t i) {
    const std::size_t j = i + (std::size_t(1) << kFirstBits);
    const std::size_t top = std::size_t(std::bit_width(j)) - 1;  // floor(log2 j)
    return {top - kFirstBits, j - (std::size_t(1) << top)};
  }

  // Written by the writer before the release store of the count that covers them.
  std::array<std::unique_ptr<T[]>, kSegments> segments_{};
  std::atomic<std::size_t> count_{0};
};

// Plain aggregates without default member initializers, so a new segment is not written
// when it is allocated: its pages are touched one at a time by the pushes that fill them
// instead of all at once inside one push.
struct SeriesPoint {
  int64_t step;
  float value;
};

// Min and max of the values of one bucket of a level-of-detail view, and its step range.
struct SeriesBucket {
  int64_t first_step;
  int64_t last_step;
  float min;
  float max;
};

class ScalarSeries {
 public:
  // Writer only. Steps should not decrease (a rewind starts a new series).
  void push(int64_t step, float value) {
    points_.push(SeriesPoint{step, value});
    fold(fine_acc_, fine_, step, value, kFine);
    fold(coarse_acc_, coarse_, step, value, kCoarse);
  }

  std::size_t size() const { return points_.size(); }
  const SeriesPoint& operator[](std::size_t i) const { return points_[i]; }
  std::size_t copy_new(std::vector<SeriesPoint>& out) const { return points_.copy_new(out); }
  // The point of the highest finite value (the first of equals), or null; any thread, like
  // the others.
  const SeriesPoint* highest() const {
    const std::size_t n = size();
    const SeriesPoint* best = nullptr;
    for (std::size_t i = 0; i < n; ++i)
      if (std::isfinite(points_[i].value) && (!best || points_[i].value > best->value))
        best = &points_[i];
    return best;
  }
  // The last published point, or nullptr when empty.
  const SeriesPoint* last() const {
    const std::size_t n = size();
    return n ? &points_[n - 1] : nullptr;
  }

  // Any thread: the points [begin, end) of the first `count` published ones cut into at most
  // `buckets` buckets of consecutive points, each with its min and max. Buckets spanning
  // whole blocks read the writer's summaries instead of the points. NaN and infinite values
  // are skipped (a bucket of only such values has min > max).
  void view(std::size_t begin, std::size_t end, std::size_t buckets,
            std::vector<SeriesBucket>& out) const;

 private:
  static constexpr std::size_t kFine = 64, kCoarse = 4096;
  struct Acc {
    SeriesBucket b{};
    std::size_t n = 0;
  };
  static void fold(Acc& acc, Series<SeriesBucket>& into, int64_t step, float value,
                   std::size_t block) {
    if (acc.n == 0)
      acc.b = SeriesBucket{step, step, std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity()};
    acc.b.last_step = step;
    if (value == value && std::abs(value) != std::numeric_limits<float>::infinity()) {
      acc.b.min = std::min(acc.b.min, value);
      acc.b.max = std::max(acc.b.max, value);
    }
    if (++acc.n == block) {
      into.push(acc.b);
      acc.n = 0;
    }
  }
  void add_range(SeriesBucket& b, std::size_t from, std::size_t to) const;

  Series<SeriesPoint> points_;
  Series<SeriesBucket> fine_;    // summary k covers points [64k, 64k + 64)
  Series<SeriesBucket> coarse_;  // summary k covers points [4096k, 4096k + 4096)
  Acc fine_acc_, coarse_acc_;    // writer only
};

}  // namespace ts
