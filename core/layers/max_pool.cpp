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
  for (Index b = 0; b < x.cols(); ++b) {
    const T* xs = x.data() + b * x.rows();
    T* ys = y.data() + b * out;
    int32_t* idx = cache.indices.data() + b * out;
    for (Index oy = 0; oy < oh; ++oy)
      for (Index ox = 0; ox < ow; ++ox)
        for (Index c = 0; c < c_n; ++c) {
          Index best = ((oy * s) * w_in + ox * s) * c_n + c;
          for (Index ky = 0; ky < p; ++ky)
            for (Index kx = 0; kx < p; ++kx) {
              const Index f = ((oy * s + ky) * w_in + ox * s + kx) * c_n + c;
              if (xs[f] > xs[best]) best = f;
            }
          const Index o = (oy * ow + ox) * c_n + c;
          ys[o] = xs[best];
          idx[o] = static_cast<int32_t>(best);
        }
  }
}

template <class T>
void MaxPool<T>::backward(std::span<const T>, const Matrix<T>& x, const Matrix<T>&,
                          const Matrix<T>& dy, Matrix<T>* dx, std::span<T>,
                          LayerCache<T>& cache) const {
  if (!dx) return;
  const Index out = this->output_.size();
  dx->setZero(x.rows(), x.cols());
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
