#include "core/layers/dropout.h"

#include "core/error.h"

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
  for (Index i = 0; i < n; ++i) m[i] = ctx.rng->uniform() >= rate_ ? scale : T(0);
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
