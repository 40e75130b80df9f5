#include "core/layers/maxout.h"

#include "core/error.h"

namespace ts {

namespace {
Shape3 maxout_output(const LayerSpec& spec, Shape3 in) {
  if (spec.pieces < 1) throw Error(spec.name + ": maxout needs pieces >= 1");
  if (in.channels % spec.pieces != 0)
    throw Error(spec.name + ": maxout with " + std::to_string(spec.pieces) +
                " pieces needs a channel count divisible by it, got " +
                std::to_string(in.channels));
  return Shape3{in.height, in.width, in.channels / spec.pieces};
}
}  // namespace

template <class T>
Maxout<T>::Maxout(const LayerSpec& spec, Shape3 input)
    : Layer<T>(spec, input, maxout_output(spec, input)) {}

template <class T>
void Maxout<T>::forward(std::span<const T>, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>& cache,
                        const PassContext&) const {
  const Index k = this->spec_.pieces;
  const Index out = this->output_.size();
  y.resize(out, x.cols());
  cache.indices.resize(static_cast<std::size_t>(out * x.cols()));
  for (Index b = 0; b < x.cols(); ++b) {
    const T* xs = x.data() + b * x.rows();
    for (Index j = 0; j < out; ++j) {
      Index best = j * k;
      for (Index i = 1; i < k; ++i)
        if (xs[j * k + i] > xs[best]) best = j * k + i;
      y(j, b) = xs[best];
      cache.indices[static_cast<std::size_t>(b * out + j)] = static_cast<int32_t>(best);
    }
  }
}

template <class T>
void Maxout<T>::backward(std::span<const T>, const Matrix<T>& x, const Matrix<T>&,
                         const Matrix<T>& dy, Matrix<T>* dx, std::span<T>,
                         LayerCache<T>& cache) const {
  if (!dx) return;
  const Index out = this->output_.size();
  dx->setZero(x.rows(), x.cols());
  for (Index b = 0; b < x.cols(); ++b)
    for (Index j = 0; j < out; ++j)
      (*dx)(cache.indices[static_cast<std::size_t>(b * out + j)], b) = dy(j, b);
}

template class Maxout<float>;
template class Maxout<double>;

}  // namespace ts
