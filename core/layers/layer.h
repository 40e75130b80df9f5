// The layer interface: a forward/backward pair over a shard of a batch.
//
// Shapes: x is (input features, B) and y is (output features, B), column-major, one sample
// a column (see core/tensor.h for the height-width-channel feature order).
//
// A layer object holds only its description and where its tensors sit in the flat
// parameter buffer; everything a pass produces lives in the caller's per-shard
// `LayerCache` and activation matrices. So one network serves several shards at once:
// forward and backward are const and may run concurrently on different caches.
//
// forward resizes y only when its shape changes, so after the first step nothing is
// allocated. backward ASSIGNS this layer's parameter gradients into `grads` (a flat buffer
// laid out like the parameters, one per shard) and, when dx is not null, assigns dx;
// backward_accumulate, where a layer has it, adds them instead.
#pragma once

#include "core/error.h"
#include "core/layers/layer_spec.h"
#include "core/params.h"
#include "core/rng.h"
#include "core/tensor.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ts {

template <class T>
struct LayerCache {
  Matrix<T> a;                   // layer-defined scratch kept from forward to backward
  Matrix<T> b;                   // second scratch (e.g. the column gradient of a conv)
  Matrix<T> c;                   // third scratch (e.g. a conv's transposed weights, and its
                                 // transposed weight gradient)
  std::vector<int32_t> indices;  // e.g. the arg-max of a max-pool or maxout
};

struct PassContext {
  bool training = false;
  Rng* rng = nullptr;  // per shard, for dropout; required when training
  // The parameters are those of the layer's forward just before on the same cache, unchanged
  // (Network::infer's second part of the columns on): a layer that keeps a packed or
  // transformed copy of its weights in the cache may use it as it is.
  bool same_weights = false;
};

template <class T>
class Layer {
 public:
  Layer(LayerSpec spec, Shape3 input, Shape3 output)
      : spec_(std::move(spec)), input_(input), output_(output) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const LayerSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  Shape3 input_shape() const { return input_; }
  Shape3 output_shape() const { return output_; }

  // Registers this layer's tensors ("<name>.weight", ...) and remembers their indices.
  virtual void declare(Parameters<T>&) {}
  // Index of the weight tensor in the parameters, or -1 for layers without one.
  virtual long weight_index() const { return -1; }
  virtual long bias_index() const { return -1; }
  // Fan-in and fan-out of the weight tensor, for initializers.
  virtual Index fan_in() const { return 0; }
  virtual Index fan_out() const { return 0; }

  virtual void forward(std::span<const T> params, const Matrix<T>& x, Matrix<T>& y,
                       LayerCache<T>& cache, const PassContext& ctx) const = 0;
  virtual void backward(std::span<const T> params, const Matrix<T>& x, const Matrix<T>& y,
                        const Matrix<T>& dy, Matrix<T>* dx, std::span<T> grads,
                        LayerCache<T>& cache) const = 0;

  // backward, except that this layer's parameter gradients are ADDED to `grads`: each entry
  // becomes exactly old + (what backward would assign), so shards accumulated in one buffer
  // equal shards reduced from separate buffers, bit for bit. Only layers with parameters
  // whose can_accumulate() is true implement it.
  virtual bool can_accumulate() const { return false; }
  virtual void backward_accumulate(std::span<const T>, const Matrix<T>&, const Matrix<T>&,
                                   const Matrix<T>&, Matrix<T>*, std::span<T>,
                                   LayerCache<T>&) const {
    throw Error(name() + ": this layer cannot add its gradients to a buffer");
  }

  // Multiply-adds times two of forward plus backward for one sample (dx included).
  virtual double flops_per_sample() const { return 0.0; }

  // True when forward may be given one matrix as both input and output (an elementwise
  // activation): Network::infer then runs it on the output of the layer before, in place.
  virtual bool works_in_place() const { return false; }

  // Live-settable dropout rate; other layers ignore it.
  virtual void set_rate(double) {}

 protected:
  LayerSpec spec_;
  Shape3 input_;
  Shape3 output_;
};

}  // namespace ts
