// Fully connected layer: y = W x + b.
//   W: "<name>.weight", (out, in) row-major, so unit i's weight vector is row i.
//   b: "<name>.bias", (out).
//   x: (in, B), y: (out, B).
// Caches nothing: backward reads x. In float, backward_accumulate adds the gradients.
#pragma once

#include "core/layers/layer.h"

#include <type_traits>

namespace ts {

template <class T>
class Dense final : public Layer<T> {
 public:
  Dense(const LayerSpec& spec, Shape3 input);

  void declare(Parameters<T>& p) override;
  long weight_index() const override { return weight_; }
  long bias_index() const override { return bias_; }
  Index fan_in() const override { return in_; }
  Index fan_out() const override { return out_; }

  void forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y, LayerCache<T>& cache,
               const PassContext& ctx) const override;
  void backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& y,
                const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                LayerCache<T>& cache) const override;
  // Only the AVX-512 kernels add a whole shard's sum at once; Eigen's += adds in depth blocks.
  bool can_accumulate() const override;
  void backward_accumulate(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& y,
                           const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                           LayerCache<T>& cache) const override;
  double flops_per_sample() const override { return 6.0 * double(in_) * double(out_); }

  // Rows [r0, r1) of the forward pass's output, into a y already sized (outputs, x's
  // columns): a first layer's forward taken a piece of its units at a time, each piece by the
  // thread that then takes the same rows of its weight gradient and update (StepRunner). Float
  // with the vectorized kernels only; the values are those forward() gives. x's columns must
  // be contiguous (a Matrix, or a block of its columns).
  void forward_rows(std::span<const T> params, ConstColumnsRef<T> x, Matrix<T>& y, Index r0,
                    Index r1) const;

  // The backward pass in two parts, for a first layer whose weight gradient is taken after
  // every shard's pass (Network::backward with defer_weight): the bias gradient now, and
  // later the weight gradient's rows [r0, r1) for one shard's x and dy. Float with the
  // vectorized kernels only (can_accumulate()); the values are those backward() gives.
  void backward_bias(const Matrix<T>& dy, std::span<T> grads, bool accumulate) const;
  void weight_grad_rows(ConstColumnsRef<T> x, const Matrix<T>& dy, std::span<T> grads, Index r0,
                        Index r1, bool accumulate) const;

 private:
  void backward_impl(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& dy,
                     Matrix<T>* dx, std::span<T> grads, bool accumulate) const;
  Index in_ = 0;
  Index out_ = 0;
  long weight_ = -1;
  long bias_ = -1;
  std::size_t w_off_ = 0;
  std::size_t b_off_ = 0;
};

}  // namespace ts
