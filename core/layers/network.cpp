#include "core/layers/network.h"

#include "core/error.h"
#include "core/layers/activation.h"
#include "core/layers/conv2d.h"
#include "core/layers/dense.h"
#include "core/layers/dropout.h"
#include "core/layers/flatten.h"
#include "core/layers/max_pool.h"
#include "core/layers/maxout.h"
#include "core/layers/prelu.h"

#include <algorithm>

namespace ts {

template <class T>
std::unique_ptr<Layer<T>> make_layer(const LayerSpec& spec, Shape3 input) {
  switch (spec.kind) {
    case LayerKind::dense:
      return std::make_unique<Dense<T>>(spec, input);
    case LayerKind::conv2d:
      return std::make_unique<Conv2d<T>>(spec, input);
    case LayerKind::max_pool:
      return std::make_unique<MaxPool<T>>(spec, input);
    case LayerKind::flatten:
      return std::make_unique<Flatten<T>>(spec, input);
    case LayerKind::dropout:
      return std::make_unique<Dropout<T>>(spec, input);
    case LayerKind::activation:
      return std::make_unique<Activation<T>>(spec, input);
    case LayerKind::prelu:
      return std::make_unique<PRelu<T>>(spec, input);
    case LayerKind::maxout:
      return std::make_unique<Maxout<T>>(spec, input);
  }
  throw Error(spec.name + ": unknown layer kind");
}

template <class T>
Network<T>::Network(ModelSpec spec) : spec_(std::move(spec)) {
  if (spec_.input.size() <= 0) throw Error("model.input: the input shape must not be empty");
  assign_names(spec_);
  Shape3 shape = spec_.input;
  for (const auto& ls : spec_.layers) {
    layers_.push_back(make_layer<T>(ls, shape));
    const std::size_t before = params_.count();
    layers_.back()->declare(params_);
    has_params_.push_back(params_.count() > before);
    if (first_trainable_ < 0 && has_params_.back()) first_trainable_ = long(layers_.size()) - 1;
    shape = layers_.back()->output_shape();
  }
  params_.finalize();
  if (first_trainable_ >= 0)
    if (const auto* d = dynamic_cast<const Dense<T>*>(layers_[std::size_t(first_trainable_)].get());
        d && d->can_accumulate()) {
      deferred_ = d;
      deferred_input_is_batch_ = true;
      for (long i = 0; i < first_trainable_; ++i)
        if (!dynamic_cast<const Flatten<T>*>(layers_[std::size_t(i)].get()))
          deferred_input_is_batch_ = false;
    }
}

template <class T>
long Network<T>::find_layer(const std::string& name) const {
  for (std::size_t i = 0; i < layers_.size(); ++i)
    if (layers_[i]->name() == name) return long(i);
  return -1;
}

template <class T>
void Network<T>::prepare(Workspace& ws) const {
  ws.acts.resize(layers_.size() + 1);
  ws.dacts.resize(layers_.size() + 1);
  ws.caches.resize(layers_.size());
  ws.grads.resize(params_.total_size());
}

template <class T>
void Network<T>::check_input(const Workspace& ws) const {
  if (ws.acts[0].rows() != spec_.input.size())
    throw Error("network input has " + std::to_string(ws.acts[0].rows()) + " features, expected " +
                std::to_string(spec_.input.size()));
}

template <class T>
void Network<T>::forward_layers(Workspace& ws, const PassContext& ctx, std::size_t from,
                                std::size_t to) const {
  const auto p = params_.values();
  for (std::size_t i = from; i < to; ++i)
    layers_[i]->forward(p, ws.acts[i], ws.acts[i + 1], ws.caches[i], ctx);
}

template <class T>
const Matrix<T>& Network<T>::forward(Workspace& ws, const PassContext& ctx) const {
  if (ws.acts.size() != layers_.size() + 1) prepare(ws);
  check_input(ws);
  forward_layers(ws, ctx, 0, layers_.size());
  return ws.acts.back();
}

template <class T>
const Matrix<T>& Network<T>::infer(std::span<const T> params, const Matrix<T>& x, Workspace& ws,
                                   std::size_t from) const {
  if (params.size() != params_.total_size())
    throw Error("infer: " + std::to_string(params.size()) + " parameters for a network of " +
                std::to_string(params_.total_size()));
  if (from > layers_.size()) throw Error("infer: no layer " + std::to_string(from));
  const Index rows = from == 0 ? spec_.input.size() : layers_[from - 1]->output_shape().size();
  if (x.rows() != rows)
    throw Error("infer: an input of " + std::to_string(x.rows()) + " features, expected " +
                std::to_string(rows));
  if (ws.acts.size() != layers_.size() + 1) prepare(ws);
  const PassContext ctx{false, nullptr};
  // The layers [from, end) before the next dense one, and the widest of their outputs.
  std::size_t end = from;
  Index widest = 0;
  while (end < layers_.size() && layers_[end]->spec().kind != LayerKind::dense)
    widest = std::max(widest, layers_[end++]->output_shape().size());
  const Matrix<T>* in = &x;
  // Past kInferWholeFloats a part (kInferPartFloats, a quarter of it) is narrower than x.
  if (end > from && widest * x.cols() > kInferWholeFloats) {
    const Index columns = std::max<Index>(1, kInferPartFloats / widest);
    Matrix<T>& joined = ws.acts[end];
    joined.resize(layers_[end - 1]->output_shape().size(), x.cols());
    // Parts of one width, the last filled out with zero columns whose outputs are dropped (each
    // column's values are its own): the parts' buffers then keep their size from part to part
    // and from chunk to chunk, where a narrower last part had them freed and allocated twice a
    // chunk (7 MB a chunk of 256 for 16 filters on 12 x 12).
    const Index parts = (x.cols() + columns - 1) / columns;
    const Index width = (x.cols() + parts - 1) / parts;
    for (Index c0 = 0; c0 < x.cols(); c0 += width) {
      const Index c1 = std::min(x.cols(), c0 + width);
      ws.part.resize(x.rows(), width);
      ws.part.leftCols(c1 - c0) = x.middleCols(c0, c1 - c0);
      if (c1 - c0 < width) ws.part.rightCols(width - (c1 - c0)).setZero();
      Matrix<T>* part = &ws.part;
      // After the first part, the layers' packed or transformed weights are still right.
      const PassContext part_ctx{false, nullptr, c0 > 0};
      for (std::size_t i = from; i < end; ++i) {
        if (layers_[i]->works_in_place()) {
          layers_[i]->forward(params, *part, *part, ws.caches[i], part_ctx);
          continue;
        }
        // The last wide layer's output is the part's own; its columns go to the joined matrix.
        Matrix<T>& out = i + 1 == end ? ws.part_out : ws.acts[i + 1];
        layers_[i]->forward(params, *part, out, ws.caches[i], part_ctx);
        part = &out;
      }
      joined.middleCols(c0, c1 - c0) = part->leftCols(c1 - c0);
    }
    in = &joined;
    from = end;
  }
  Matrix<T>* own = nullptr;  // *in when it is a buffer of ws's, not the caller's x
  for (std::size_t i = from; i < layers_.size(); ++i) {
    if (own && layers_[i]->works_in_place()) {
      layers_[i]->forward(params, *own, *own, ws.caches[i], ctx);
      continue;
    }
    layers_[i]->forward(params, *in, ws.acts[i + 1], ws.caches[i], ctx);
    in = own = &ws.acts[i + 1];
  }
  return *in;
}

template <class T>
void Network<T>::forward_to_deferred(Workspace& ws, const PassContext& ctx) const {
  if (!deferred_) throw Error("forward_to_deferred: this network defers no weight gradient");
  if (ws.acts.size() != layers_.size() + 1) prepare(ws);
  check_input(ws);
  const std::size_t first = std::size_t(first_trainable_);
  forward_layers(ws, ctx, 0, first);
  ws.acts[first + 1].resize(deferred_->fan_out(), ws.acts[first].cols());
}

template <class T>
void Network<T>::deferred_forward_rows(Workspace& ws, ConstColumnsRef<T> input, Index r0,
                                       Index r1) const {
  if (!deferred_) throw Error("deferred_forward_rows: this network defers no weight gradient");
  const std::size_t first = std::size_t(first_trainable_);
  deferred_->forward_rows(params_.values(), input, ws.acts[first + 1], r0, r1);
}

template <class T>
const Matrix<T>& Network<T>::deferred_input(const Workspace& ws) const {
  if (!deferred_) throw Error("deferred_input: this network defers no weight gradient");
  return ws.acts[std::size_t(first_trainable_)];
}

template <class T>
bool Network<T>::deferred_input_is_batch() const {
  return deferred_input_is_batch_;
}

template <class T>
void Network<T>::enter_deferred(Workspace& ws, Index samples) const {
  if (!deferred_input_is_batch())
    throw Error("enter_deferred: the deferred layer's input is not the batch as filled");
  if (ws.acts.size() != layers_.size() + 1) prepare(ws);
  const std::size_t first = std::size_t(first_trainable_);
  ws.acts[first + 1].resize(deferred_->fan_out(), samples);
}

template <class T>
const Matrix<T>& Network<T>::forward_after_deferred(Workspace& ws, const PassContext& ctx) const {
  if (!deferred_) throw Error("forward_after_deferred: this network defers no weight gradient");
  forward_layers(ws, ctx, std::size_t(first_trainable_) + 1, layers_.size());
  return ws.acts.back();
}

template <class T>
void Network<T>::backward(Workspace& ws, const Matrix<T>& dlogits) const {
  ws.grads.resize(params_.total_size());
  backward(ws, dlogits, std::span<T>(ws.grads), false);
}

template <class T>
void Network<T>::backward(Workspace& ws, const Matrix<T>& dlogits, std::span<T> g, bool accumulate,
                          bool defer_weight) const {
  if (defer_weight && !deferred_)
    throw Error("backward: this network's first weight gradient cannot be deferred");
  if (g.size() != params_.total_size())
    throw Error("backward: a gradient buffer of " + std::to_string(g.size()) + " for " +
                std::to_string(params_.total_size()) + " parameters");
  if (accumulate && !can_accumulate())
    throw Error("backward: a layer of this network cannot add its gradients to a buffer");
  const auto p = params_.values();
  if (ws.dacts.size() != layers_.size() + 1) ws.dacts.resize(layers_.size() + 1);
  const Matrix<T>* dy = &dlogits;
  // Layers before the first one with parameters need no gradient, and that layer needs no
  // input gradient.
  const std::size_t first = std::size_t(std::max(first_trainable_, 0L));
  for (std::size_t i = layers_.size(); i-- > first;) {
    Matrix<T>* dx = i > first ? &ws.dacts[i] : nullptr;
    if (defer_weight && i == first)
      deferred_->backward_bias(*dy, g, accumulate);
    else if (accumulate && has_params_[i])
      layers_[i]->backward_accumulate(p, ws.acts[i], ws.acts[i + 1], *dy, dx, g, ws.caches[i]);
    else
      layers_[i]->backward(p, ws.acts[i], ws.acts[i + 1], *dy, dx, g, ws.caches[i]);
    if (dx) dy = dx;
  }
}

template <class T>
long Network<T>::deferred_weight() const {
  return deferred_ ? deferred_->weight_index() : -1;
}

template <class T>
void Network<T>::deferred_weight_grad(const Workspace& ws, ConstColumnsRef<T> input,
                                      const Matrix<T>& dlogits, std::span<T> g, Index r0, Index r1,
                                      bool accumulate) const {
  if (!deferred_) throw Error("deferred_weight_grad: this network defers no weight gradient");
  if (g.size() != params_.total_size())
    throw Error("deferred_weight_grad: a gradient buffer of " + std::to_string(g.size()) + " for " +
                std::to_string(params_.total_size()) + " parameters");
  const std::size_t first = std::size_t(first_trainable_);
  const Matrix<T>& dy = first + 1 == layers_.size() ? dlogits : ws.dacts[first + 1];
  deferred_->weight_grad_rows(input, dy, g, r0, r1, accumulate);
}

template <class T>
bool Network<T>::can_accumulate() const {
  for (std::size_t i = 0; i < layers_.size(); ++i)
    if (has_params_[i] && !layers_[i]->can_accumulate()) return false;
  return true;
}

template <class T>
void Network<T>::initialize(const InitSpec& weights, const InitSpec& bias, Rng& rng,
                            const std::map<std::string, InitSpec>& per_layer) {
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    auto& layer = layers_[i];
    if (layer->weight_index() >= 0) {
      const auto it = per_layer.find(layer->name());
      InitSpec ws = it != per_layer.end() ? it->second : weights;
      if (ws.auto_gain) {
        // The activation between this layer and the next one with weights, if any.
        const LayerSpec* act = nullptr;
        for (std::size_t k = i + 1; k < layers_.size() && layers_[k]->weight_index() < 0 && !act;
             ++k) {
          const LayerKind kind = layers_[k]->spec().kind;
          if (kind == LayerKind::activation || kind == LayerKind::prelu ||
              kind == LayerKind::maxout)
            act = &layers_[k]->spec();
        }
        ws.gain = activation_gain(act);
      }
      init_tensor<T>(params_.values(std::size_t(layer->weight_index())), ws, layer->fan_in(),
                     layer->fan_out(), rng);
    }
    if (layer->bias_index() >= 0)
      init_tensor<T>(params_.values(std::size_t(layer->bias_index())), bias, layer->fan_in(),
                     layer->fan_out(), rng);
    if (auto* pr = dynamic_cast<PRelu<T>*>(layer.get()))
      for (auto& v : params_.values(std::size_t(pr->slope_index()))) v = T(0.25);
  }
  params_.apply_masks();
}

template <class T>
double Network<T>::flops_per_sample() const {
  double f = 0;
  for (const auto& l : layers_) f += l->flops_per_sample();
  // The first parameterized layer computes no input gradient: a third of its cost.
  for (const auto& l : layers_)
    if (l->flops_per_sample() > 0) {
      f -= l->flops_per_sample() / 3.0;
      break;
    }
  return f;
}

template <class T>
double Network<T>::floats_per_sample() const {
  double f = double(spec_.input.size());
  // A convolution's columns are walked in chunks of a fixed size, not kept per sample.
  for (const auto& l : layers_) f += 2.0 * double(l->output_shape().size());
  return f;
}

template class Network<float>;
template class Network<double>;
template std::unique_ptr<Layer<float>> make_layer<float>(const LayerSpec&, Shape3);
template std::unique_ptr<Layer<double>> make_layer<double>(const LayerSpec&, Shape3);

}  // namespace ts
