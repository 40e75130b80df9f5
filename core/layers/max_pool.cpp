#include "core/layers/max_pool.h"

#include "core/error.h"

namespace ts {

namespace {
Shape3 pool_output(const LayerSpec& spec, Shape3 in) {
  if (spec.pool < 1 || spec.pool_stride < 1)
    throw Error(spec.name + ": max_pool needs pool >= 1 and stride >= 1");
  if (spec.pool > in.height || spec.pool > in.width)
    throw Error(spec.name + ": pool window " + std::to_string(spec.pool) +
                " is larger than the input " + to_string(in));
  return Shape3{(in.height - spec.pool) / spec.pool_stride + 1,
                (in.width - spec.pool) / spec.pool_stride + 1, in.channels};
}
}  // namespace

template <class T>
MaxPool<T>::MaxPool(const LayerSpec& spec, Shape3 input)
    : Layer<T>(spec, input, pool_output(spec, input)) {}

template <class T>
void MaxPool<T>::forward(std::span<const T>, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>& cache,
                         const PassContext&) const {
  const Index p = this->spec_.pool, s = this->spec_.pool_stride;
  const Index w_in = this->input_.width, c_n = this->input_.channels;
  const Index oh = this->output_.height, ow = this->output_.width;
  const Index out = this->output_.size();
  y.resize(out, x.cols());
  cache.indices.resize(static_cast<std::size_t>(out * x.cols()));
  // Each output pixel's channels are taken together, window position after window position
  // in row order, so the channel loop vectorizes; per channel the comparisons are the same,
  // in the same order: the first of equal maxima wins, and a NaN wins only where it comes
  // first (no comparison with it is true).
  for (Index b = 0; b < x.cols(); ++b) {
    const T* xs = x.data() + b * x.rows();
    for (Index oy = 0; oy < oh; ++oy)
      for (Index ox = 0; ox < ow; ++ox) {
        const Index o = (oy * ow + ox) * c_n;
        T* best = y.data() + b * out + o;
        int32_t* at = cache.indices.data() + b * out + o;
        const Index f00 = ((oy * s) * w_in + ox * s) * c_n;
        for (Index c = 0; c < c_n; ++c) {
          best[c] = xs[f00 + c];
          at[c] = static_cast<int32_t>(f00 + c);
        }
        for (Index ky = 0; ky < p; ++ky)
          for (Index kx = ky == 0 ? 1 : 0; kx < p; ++kx) {
            const Index f0 = ((oy * s + ky) * w_in + ox * s + kx) * c_n;
            const T* v = xs + f0;
            for (Index c = 0; c < c_n; ++c) {
              const bool more = v[c] > best[c];
              best[c] = more ? v[c] : best[c];
              at[c] = more ? static_cast<int32_t>(f0 + c) : at[c];
            }
          }
      }
  }
}

template <class T>
void MaxPool<T>::backward(std::span<const T>, const Matrix<T>& x, const Matrix<T>&,
                          const Matrix<T>& dy, Matrix<T>* dx, std::span<T>,
                          LayerCache<T>& cache) const {
  if (!dx) return;
  const Index p = this->spec_.pool, s = this->spec_.pool_stride;
  const Index w_in = this->input_.width, c_n = this->input_.channels;
  const Index oh = this->output_.height, ow = this->output_.width;
  const Index out = this->output_.size();
  dx->resize(x.rows(), x.cols());
  // Windows that tile the input exactly (stride = pool, no remainder) give each input one
  // window: it is written once, 0 + its output's gradient where it was the arg-max and 0
  // elsewhere, which is what adding into zeros gives, in one streaming pass.
  if (s == p && oh * p == this->input_.height && ow * p == w_in) {
    for (Index b = 0; b < x.cols(); ++b) {
      T* d = dx->data() + b * x.rows();
      for (Index oy = 0; oy < oh; ++oy)
        for (Index ox = 0; ox < ow; ++ox) {
          const Index o = b * out + (oy * ow + ox) * c_n;
          const int32_t* at = cache.indices.data() + o;
          const T* g = dy.data() + o;
          for (Index ky = 0; ky < p; ++ky)
            for (Index kx = 0; kx < p; ++kx) {
              const Index f0 = ((oy * p + ky) * w_in + ox * p + kx) * c_n;
              for (Index c = 0; c < c_n; ++c)
                d[f0 + c] = at[c] == static_cast<int32_t>(f0 + c) ? T(0) + g[c] : T(0);
            }
        }
    }
    return;
  }
  dx->setZero();
  for (Index b = 0; b < x.cols(); ++b) {
    const int32_t* idx = cache.indices.data() + b * out;
    T* d = dx->data() + b * x.rows();
    const T* g = dy.data() + b * out;
    for (Index o = 0; o < out; ++o) d[idx[o]] += g[o];
  }
}

template class MaxPool<float>;
template class MaxPool<double>;

}  // namespace ts
