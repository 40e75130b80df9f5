#include "core/train/series.h"

namespace ts {

void ScalarSeries::add_range(SeriesBucket& b, std::size_t from, std::size_t to) const {
  // Whole coarse blocks, then whole fine blocks, then single points, from both ends inward.
  const std::size_t coarse_have = coarse_.size(), fine_have = fine_.size();
  std::size_t i = from;
  while (i < to) {
    const SeriesBucket* s = nullptr;
    std::size_t span = 1;
    if (i % kCoarse == 0 && i + kCoarse <= to && i / kCoarse < coarse_have) {
      s = &coarse_[i / kCoarse];
      span = kCoarse;
    } else if (i % kFine == 0 && i + kFine <= to && i / kFine < fine_have) {
      s = &fine_[i / kFine];
      span = kFine;
    }
    if (s) {
      b.min = std::min(b.min, s->min);
      b.max = std::max(b.max, s->max);
    } else {
      const float v = points_[i].value;
      if (v == v && std::abs(v) != std::numeric_limits<float>::infinity()) {
        b.min = std::min(b.min, v);
        b.max = std::max(b.max, v);
      }
    }
    i += span;
  }
}

void ScalarSeries::view(std::size_t begin, std::size_t end, std::size_t buckets,
                        std::vector<SeriesBucket>& out) const {
  out.clear();
  end = std::min(end, size());
  if (begin >= end || buckets == 0) return;
  const std::size_t n = end - begin;
  buckets = std::min(buckets, n);
  out.reserve(buckets);
  for (std::size_t k = 0; k < buckets; ++k) {
    // Bucket k covers [begin + n*k/buckets, begin + n*(k+1)/buckets): every point once.
    const std::size_t a = begin + n * k / buckets, z = begin + n * (k + 1) / buckets;
    SeriesBucket b{points_[a].step, points_[z - 1].step, std::numeric_limits<float>::infinity(),
                   -std::numeric_limits<float>::infinity()};
    add_range(b, a, z);
    out.push_back(b);
  }
}

}  // namespace ts
