#include "core/layers/dropout.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ts {

template <class T>
Dropout<T>::Dropout(const LayerSpec& spec, Shape3 input) : Layer<T>(spec, input, input), rate_(0) {
  set_rate(spec.rate);
}

template <class T>
void Dropout<T>::set_rate(double p) {
  if (!(p >= 0.0 && p < 1.0))
    throw Error(this->name() + ": dropout rate must be in [0, 1), got " + std::to_string(p));
  rate_ = p;
  this->spec_.rate = p;
}

template <class T>
void Dropout<T>::forward(std::span<const T>, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>& cache,
                         const PassContext& ctx) const {
  if (!ctx.training || rate_ == 0.0) {
    y = x;
    cache.a.resize(0, 0);
    return;
  }
  if (!ctx.rng) throw Error(this->name() + ": dropout in training needs a random generator");
  const T scale = T(1.0 / (1.0 - rate_));
  cache.a.resize(x.rows(), x.cols());
  T* m = cache.a.data();
  const Index n = x.size();
  // A feature is kept when its draw's uniform() is at least the rate. uniform() is
  // (u >> 11) * 2^-53, so that holds exactly when u >= ceil(rate * 2^53) * 2^11 (scaling by
  // a power of two is exact), which compares integers. The draws are taken in runs and
  // compared afterwards: the generator's loop alone runs three times as fast as one that
  // also converts and stores each draw (Conv-2's dropout of 12,544 features a sample took
  // 4% of its step).
  const uint64_t keep_from = uint64_t(std::ceil(rate_ * 0x1.0p53)) << 11;
  constexpr Index kRun = 256;
  uint64_t draws[kRun];
  for (Index at = 0; at < n; at += kRun) {
    const Index run = std::min(kRun, n - at);
    for (Index i = 0; i < run; ++i) draws[i] = ctx.rng->next_u64();
    for (Index i = 0; i < run; ++i) m[at + i] = draws[i] >= keep_from ? scale : T(0);
  }
  y.resize(x.rows(), x.cols());
  y.array() = x.array() * cache.a.array();
}

template <class T>
void Dropout<T>::backward(std::span<const T>, const Matrix<T>&, const Matrix<T>&,
                          const Matrix<T>& dy, Matrix<T>* dx, std::span<T>,
                          LayerCache<T>& cache) const {
  if (!dx) return;
  if (cache.a.size() == 0) {
    *dx = dy;
    return;
  }
  dx->resize(dy.rows(), dy.cols());
  dx->array() = dy.array() * cache.a.array();
}

template class Dropout<float>;
template class Dropout<double>;

}  // namespace ts
