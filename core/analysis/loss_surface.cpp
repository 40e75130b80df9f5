#include "core/analysis/loss_surface.h"

#include "core/error.h"

#include <oneapi/tbb/parallel_for.h>

#include <cmath>

namespace ts {

namespace {
constexpr Index kChunk = 256;
}

template <class T>
LossSurface<T>::LossSurface(const ModelSpec& spec, LossKind loss, const Dataset& data,
                            Index samples, std::span<const float> masks)
    : net_(spec), loss_(loss), samples_(std::min(samples, data.size())) {
  if (samples < 1)
    throw Error("loss surface: needs at least 1 sample, got " + std::to_string(samples));
  if (samples_ < 1)
    throw Error("loss surface: no samples (the dataset " + data.name + " is empty)");
  const std::size_t n = net_.params().total_size();
  masks_.assign(n, T(1));
  if (!masks.empty()) set_masks(masks);
  for (SampleBatch& batch : batches_in_order(data, samples_, kChunk)) {
    Chunk c;
    c.y = std::move(batch.y);
    c.x = batch.x.cast<T>();
    chunks_.push_back(std::move(c));
  }
  shifted_.resize(n);
  g_plus_.resize(n);
  g_minus_.resize(n);
}

template <class T>
void LossSurface<T>::set_masks(std::span<const float> masks) {
  if (masks.size() != masks_.size())
    throw Error("loss surface: " + std::to_string(masks.size()) + " masks for " +
                std::to_string(masks_.size()) + " parameters");
  for (std::size_t i = 0; i < masks.size(); ++i) masks_[i] = T(masks[i]);
}

template <class T>
typename LossSurface<T>::Scratch& LossSurface<T>::scratch() {
  Scratch& s = scratch_.local();
  if (s.ws.acts.empty()) net_.prepare(s.ws);
  return s;
}

template <class T>
typename LossSurface<T>::Value LossSurface<T>::evaluate(std::span<const T> w, std::span<T> grad) {
  const std::size_t n = size();
  if (w.size() != n || (!grad.empty() && grad.size() != n))
    throw Error("loss surface: weights or gradient of the wrong size");
  std::span<T> values = net_.params().values();
  for (std::size_t i = 0; i < n; ++i) values[i] = w[i] * masks_[i];
  const bool want_grad = !grad.empty();
  const T scale = T(1) / T(samples_);
  tbb::parallel_for(std::size_t(0), chunks_.size(), [&](std::size_t k) {
    Chunk& c = chunks_[k];
    Scratch& s = scratch();
    if (!want_grad) {  // by parts where the layers are wide (Network::infer): the same values
      c.sum = loss_and_gradient<T>(loss_, net_.infer(values, c.x, s.ws), c.y, nullptr, scale);
      return;
    }
    s.ws.acts[0] = c.x;
    const Matrix<T>& logits = net_.forward(s.ws, PassContext{});
    Matrix<T> dlogits;
    c.sum = loss_and_gradient<T>(loss_, logits, c.y, &dlogits, scale);
    c.grad.resize(n);
    net_.backward(s.ws, dlogits, c.grad, false);
  });
  Value v;
  double loss = 0;
  Index correct = 0;
  for (const Chunk& c : chunks_) {
    loss += c.sum.loss;
    correct += c.sum.correct;
  }
  v.loss = loss / double(samples_);
  v.accuracy = double(correct) / double(samples_);
  if (want_grad) {
    std::fill(grad.begin(), grad.end(), T(0));
    for (const Chunk& c : chunks_)  // in chunk order: the same bits on any number of threads
      for (std::size_t i = 0; i < n; ++i) grad[i] += c.grad[i];
    for (std::size_t i = 0; i < n; ++i) grad[i] *= masks_[i];
  }
  return v;
}

template <class T>
void LossSurface<T>::hessian_vector(std::span<const T> w, std::span<const T> v, std::span<T> hv,
                                    double eps) {
  const std::size_t n = size();
  if (v.size() != n || hv.size() != n) throw Error("loss surface: direction of the wrong size");
  double norm = 0;
  for (std::size_t i = 0; i < n; ++i) norm += double(v[i] * masks_[i]) * double(v[i] * masks_[i]);
  norm = std::sqrt(norm);
  if (norm == 0) {
    std::fill(hv.begin(), hv.end(), T(0));
    return;
  }
  const double e = eps / norm;  // a step of length eps
  for (std::size_t i = 0; i < n; ++i) shifted_[i] = T(double(w[i]) + e * double(v[i] * masks_[i]));
  evaluate(shifted_, g_plus_);
  for (std::size_t i = 0; i < n; ++i) shifted_[i] = T(double(w[i]) - e * double(v[i] * masks_[i]));
  evaluate(shifted_, g_minus_);
  for (std::size_t i = 0; i < n; ++i)
    hv[i] = T((double(g_plus_[i]) - double(g_minus_[i])) / (2 * e));
}

template <class T>
void LossSurface<T>::exact_hessian_vector(std::span<const T> w, std::span<const T> v,
                                          std::span<T> hv) {
  const std::size_t n = size();
  if (w.size() != n || v.size() != n || hv.size() != n)
    throw Error("loss surface: weights or direction of the wrong size");
  masked_w_.resize(n);
  masked_v_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    masked_w_[i] = w[i] * masks_[i];
    masked_v_[i] = v[i] * masks_[i];
  }
  zero_biases<T>(net_, masked_w_, unbiased_w_);
  const T scale = T(1) / T(samples_);
  tbb::parallel_for(std::size_t(0), chunks_.size(), [&](std::size_t k) {
    Chunk& c = chunks_[k];
    Scratch& s = scratch();
    c.grad.resize(n);
    c.sum = hessian_vector_chunk<T>(net_, loss_, masked_w_, unbiased_w_, masked_v_, c.x, c.y, scale,
                                    s.ws, s.tangent, c.grad);
  });
  std::fill(hv.begin(), hv.end(), T(0));
  for (const Chunk& c : chunks_)  // in chunk order: the same bits on any number of threads
    for (std::size_t i = 0; i < n; ++i) hv[i] += c.grad[i];
  for (std::size_t i = 0; i < n; ++i) hv[i] *= masks_[i];
}

template class LossSurface<float>;
template class LossSurface<double>;

}  // namespace ts
