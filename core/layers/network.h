// A sequential network built from a ModelSpec, with all parameters in one Parameters<T>.
//
// The network object holds the layers and the parameters; everything a pass produces lives
// in a Workspace, one per shard, so several shards can run forward/backward at once on the
// same network (the layers are const during a pass). Float networks train; double networks
// exist for gradient checks against central differences.
//
// Owned by the training thread (Run/Trainer). Not thread-safe for modification.
#pragma once

#include "core/layers/init.h"
#include "core/layers/layer.h"
#include "core/layers/layer_spec.h"
#include "core/params.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ts {

template <class T>
class Dense;

template <class T>
class Network {
 public:
  explicit Network(ModelSpec spec);

  const ModelSpec& spec() const { return spec_; }
  Parameters<T>& params() { return params_; }
  const Parameters<T>& params() const { return params_; }
  std::size_t num_layers() const { return layers_.size(); }
  Layer<T>& layer(std::size_t i) { return *layers_[i]; }
  const Layer<T>& layer(std::size_t i) const { return *layers_[i]; }
  // Index of the layer called `name`, or -1.
  long find_layer(const std::string& name) const;
  Shape3 input_shape() const { return spec_.input; }
  Index output_size() const {
    return layers_.empty() ? spec_.input.size() : layers_.back()->output_shape().size();
  }

  struct Workspace {
    std::vector<Matrix<T>> acts;  // acts[0]: input (features, B); acts[i+1]: output of layer i
    std::vector<LayerCache<T>> caches;
    std::vector<Matrix<T>> dacts;  // dacts[i]: gradient of the loss w.r.t. acts[i] (i >= 1);
                                   // one per layer so no buffer changes shape between steps
    AlignedVector<T> grads;        // parameter gradients of the last backward, laid out like params
    Matrix<T> part, part_out;      // infer's part of the columns, and its last wide output
  };
  void prepare(Workspace& ws) const;

  // Runs every layer on ws.acts[0]; returns the output (logits).
  const Matrix<T>& forward(Workspace& ws, const PassContext& ctx) const;
  // An inference pass (no dropout; nothing kept for a backward pass) of the layers from `from`
  // on, on x, with `params` laid out like params(): the network's own, or other weights for
  // it. Outputs go to ws.acts[i + 1] as forward()'s do; returns the last layer's. Where the
  // layers before the next dense one have wide outputs (a convolution's feature maps), x's
  // columns would give them far more than a core's L2 holds (Conv-2: 51 MB a layer for 256
  // images), and each layer would stream its output through memory: they run on a part of
  // the columns at a time instead, kInferPartFloats of their widest output, and the parts are
  // joined at the dense layer, which takes all the columns at once (its weights are read
  // once, not once a part). The parts are of one width, the last filled out with zero
  // columns. Those layers' acts hold their last part's output, the last one's all the columns.
  // A layer that works in place (an activation) is run on the output of the layer before,
  // and its own acts are not written: Conv-2's two ReLUs wrote 200 KB an image into buffers
  // of their own, which pushed a part's buffers out of L2 and took 6% of a slice's time.
  // Every column gets the values forward() would give it outside training.
  const Matrix<T>& infer(std::span<const T> params, const Matrix<T>& x, Workspace& ws,
                         std::size_t from = 0) const;
  // 256 KB: a part's input, each layer's output and a convolution's scratch are all in L2 at
  // once, so the elementwise layers between the convolutions (ReLU, max-pool) read them there.
  // Conv-2's feature maps (50,176 floats an image) go an image a part; at 1 MB a part (five
  // images) its 5 x 5 slice over 2,000 images took 10.2 s on a Xeon, against 9.5 s.
  static constexpr Index kInferPartFloats = 65536;
  // Parts are taken only where the widest output of all the columns passes 1 MB: below that
  // it stays in L2 whole, and cutting it (LeNet-300-100's 300 ReLUs of a 256-column chunk in
  // the slice's first-layer path) only added copies: 6.9 s -> 7.7 s for that 41 x 41 slice.
  static constexpr Index kInferWholeFloats = 262144;
  // The same pass in three parts around the layer whose weight gradient can be deferred
  // (deferred_weight() >= 0), whose forward is then taken by rows as well: the layers before
  // it, with its output sized; rows [r0, r1) of its output (any thread, distinct rows); and
  // the layers after it, returning the logits. Together they give forward()'s values. The rows
  // read the deferred layer's input: deferred_input(ws), or the caller's own copy of it.
  void forward_to_deferred(Workspace& ws, const PassContext& ctx) const;
  void deferred_forward_rows(Workspace& ws, ConstColumnsRef<T> input, Index r0, Index r1) const;
  const Matrix<T>& forward_after_deferred(Workspace& ws, const PassContext& ctx) const;
  // The deferred layer's input on `ws` after forward_to_deferred.
  const Matrix<T>& deferred_input(const Workspace& ws) const;
  // True when the layers before the deferred one only reshape (flattens), so that its input
  // is the batch exactly as fill_batch lays it out in acts[0]. A caller that keeps that input
  // itself (a copy in each thread's cache, say) may then call enter_deferred instead of
  // forward_to_deferred: it sizes the deferred layer's output for `samples` and runs nothing.
  bool deferred_input_is_batch() const;
  void enter_deferred(Workspace& ws, Index samples) const;
  // Back-propagates dlogits through the layers of the last forward on `ws`, assigning
  // ws.grads. Gradients stop at the first layer with parameters: its input gradient and
  // the layers before it (a flatten, say) are not computed, and their dacts are left as
  // they were.
  void backward(Workspace& ws, const Matrix<T>& dlogits) const;
  // The same, with the parameter gradients assigned to `grads`, or with `accumulate` added
  // to it exactly (see Layer::backward_accumulate; needs can_accumulate()).
  // With `defer_weight` (needs deferred_weight() >= 0) the first layer's weight gradient is
  // left out, for deferred_weight_grad to take later by rows.
  void backward(Workspace& ws, const Matrix<T>& dlogits, std::span<T> grads, bool accumulate,
                bool defer_weight = false) const;
  // The tensor whose gradient backward can defer: the weight of the first layer with
  // parameters when it is a dense layer that can add its gradients (else -1). Taking it by
  // rows after every shard's pass lets each thread compute the rows it then updates, with no
  // per-shard copies of the largest gradient to sum.
  long deferred_weight() const;
  // Rows [r0, r1) of that weight's gradient for one shard's last pass on `ws` (dlogits as
  // given to its backward; `input` as given to its deferred_forward_rows), assigned to
  // `grads` or added to it. Each row gets the values a backward without deferring would
  // give, and adding shard after shard gives the bits of summing the shards' buffers in order.
  void deferred_weight_grad(const Workspace& ws, ConstColumnsRef<T> input, const Matrix<T>& dlogits,
                            std::span<T> grads, Index r0, Index r1, bool accumulate) const;
  // True when every layer with parameters can add its gradients to a buffer.
  bool can_accumulate() const;

  // Initializes weights with `weights` (per-layer overrides by layer name), biases with
  // `bias`, PReLU slopes with 0.25. A weight spec with auto_gain takes the gain of the
  // activation between its layer and the next layer with weights (activation_gain; none: 1).
  // Masks are applied afterwards.
  void initialize(const InitSpec& weights, const InitSpec& bias, Rng& rng,
                  const std::map<std::string, InitSpec>& per_layer = {});

  double flops_per_sample() const;
  // Floats a forward and backward pass keeps per sample (activations and their gradients),
  // for sizing evaluation chunks.
  double floats_per_sample() const;

 private:
  ModelSpec spec_;
  std::vector<std::unique_ptr<Layer<T>>> layers_;
  Parameters<T> params_;
  std::vector<bool> has_params_;          // per layer: declared some parameters
  long first_trainable_ = -1;             // the first layer that declares parameters, or -1
  const Dense<T>* deferred_ = nullptr;    // that layer, when its weight gradient can be deferred
  bool deferred_input_is_batch_ = false;  // see deferred_input_is_batch(), set with deferred_

  void check_input(const Workspace& ws) const;
  void forward_layers(Workspace& ws, const PassContext& ctx, std::size_t from,
                      std::size_t to) const;
};

template <class T>
std::unique_ptr<Layer<T>> make_layer(const LayerSpec& spec, Shape3 input);

}  // namespace ts
