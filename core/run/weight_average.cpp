#include "core/run/weight_average.h"

#include "core/error.h"

#include <cmath>

namespace ts {

WeightAverage::WeightAverage(Kind kind, double decay) : kind_(kind), decay_(decay) {
  if (kind == Kind::ema && !(decay > 0.0 && decay < 1.0))
    throw Error("averaging.ema: decay must be in (0, 1), got " + std::to_string(decay));
}

void WeightAverage::update(std::span<const float> w) {
  if (sum_.size() != w.size()) {
    sum_.assign(w.size(), 0.0);
    count_ = 0;
  }
  ++count_;
  if (kind_ == Kind::polyak) {
    const double inv = 1.0 / double(count_);
    for (std::size_t i = 0; i < w.size(); ++i) sum_[i] += (double(w[i]) - sum_[i]) * inv;
  } else {
    const double a = decay_, b = 1.0 - decay_;
    for (std::size_t i = 0; i < w.size(); ++i) sum_[i] = a * sum_[i] + b * double(w[i]);
  }
  values_fresh_ = false;
}

const std::vector<float>& WeightAverage::values() {
  if (!values_fresh_) {
    values_.resize(sum_.size());
    const double scale =
        kind_ == Kind::ema && count_ > 0 ? 1.0 / (1.0 - std::pow(decay_, double(count_))) : 1.0;
    for (std::size_t i = 0; i < sum_.size(); ++i) values_[i] = float(sum_[i] * scale);
    values_fresh_ = true;
  }
  return values_;
}

void WeightAverage::restore(std::vector<double> sums, int64_t count) {
  if (count < 0) throw Error("weight average: negative count " + std::to_string(count));
  sum_ = std::move(sums);
  count_ = count;
  values_fresh_ = false;
}

void WeightAverage::reset() {
  sum_.clear();
  values_.clear();
  count_ = 0;
  values_fresh_ = false;
}

}  // namespace ts
