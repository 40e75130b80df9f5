#include "core/analysis/hessian_vector.h"

#include "core/error.h"
#include "core/layers/activation.h"
#include "core/layers/prelu.h"

#include <cmath>

namespace ts {

namespace {

// f''(x) of an element-wise activation, from x and y = f(x); zero for the piecewise linear.
template <class T>
void second_derivative(const LayerSpec& spec, const Matrix<T>& x, const Matrix<T>& y,
                       Matrix<T>& out) {
  out.resize(x.rows(), x.cols());
  const auto xa = x.array();
  const auto ya = y.array();
  auto o = out.array();
  const T alpha = T(activation_alpha(spec));
  switch (spec.activation) {
    case ActivationKind::identity:
    case ActivationKind::relu:
    case ActivationKind::leaky_relu:
      o = T(0);
      break;
    case ActivationKind::sigmoid:  // y (1 - y) (1 - 2 y)
      o = ya * (T(1) - ya) * (T(1) - T(2) * ya);
      break;
    case ActivationKind::tanh:  // -2 y (1 - y^2)
      o = T(-2) * ya * (T(1) - ya.square());
      break;
    case ActivationKind::elu:  // a e^x = y + a below zero
      o = (xa > T(0)).select(T(0), ya + alpha);
      break;
    case ActivationKind::selu:  // l a e^x = y + l a below zero
      o = (xa > T(0)).select(T(0), ya + T(kSeluLambda * kSeluAlpha));
      break;
    case ActivationKind::gelu:  // phi(x) (2 - x^2)
      o = xa.unaryExpr(
          [](T v) { return std::exp(T(-0.5) * v * v) * T(0.3989422804014327) * (T(2) - v * v); });
      break;
  }
}

// out[o, b] = in[indices[b * rows(out) + o], b]: a max-pool's or maxout's forward routing.
template <class T>
void gather(const Matrix<T>& in, const std::vector<int32_t>& indices, Index out_rows,
            Matrix<T>& out) {
  out.resize(out_rows, in.cols());
  for (Index b = 0; b < in.cols(); ++b) {
    const int32_t* idx = indices.data() + b * out_rows;
    const T* src = in.data() + b * in.rows();
    T* dst = out.data() + b * out_rows;
    for (Index o = 0; o < out_rows; ++o) dst[o] = src[idx[o]];
  }
}

// The PReLU's tangents, forward (x' to y') and backward (g, g' to dx', and da' into hv).
template <class T>
void prelu_forward_tangent(const PRelu<T>& layer, std::size_t slope_offset, std::span<const T> w,
                           std::span<const T> v, const Matrix<T>& x, const Matrix<T>* tx,
                           Matrix<T>& ty) {
  const Index channels = layer.input_shape().channels;
  const T* a = w.data() + slope_offset;
  const T* va = v.data() + slope_offset;
  ty.resize(x.rows(), x.cols());
  for (Index b = 0; b < x.cols(); ++b)
    for (Index f = 0; f < x.rows(); ++f) {
      const T xv = x(f, b), t = tx ? (*tx)(f, b) : T(0);
      const Index c = f % channels;
      ty(f, b) = xv > T(0) ? t : a[c] * t + va[c] * xv;
    }
}

template <class T>
void prelu_backward_tangent(const PRelu<T>& layer, std::size_t slope_offset, std::span<const T> w,
                            std::span<const T> v, const Matrix<T>& x, const Matrix<T>& tx,
                            const Matrix<T>& g, const Matrix<T>& tg, Matrix<T>* tdx,
                            std::span<T> hv) {
  const Index channels = layer.input_shape().channels;
  const T* a = w.data() + slope_offset;
  const T* va = v.data() + slope_offset;
  T* da = hv.data() + slope_offset;
  for (Index c = 0; c < channels; ++c) da[c] = T(0);
  if (tdx) tdx->resize(x.rows(), x.cols());
  for (Index b = 0; b < x.cols(); ++b)
    for (Index f = 0; f < x.rows(); ++f) {
      const Index c = f % channels;
      const bool pos = x(f, b) > T(0);
      if (!pos) da[c] += tg(f, b) * x(f, b) + g(f, b) * tx(f, b);
      if (tdx) (*tdx)(f, b) = pos ? tg(f, b) : a[c] * tg(f, b) + va[c] * g(f, b);
    }
}

// The loss gradient's tangent dz' from the logits z and their tangent z'.
template <class T>
void loss_tangent(LossKind kind, const Matrix<T>& z, const Matrix<T>& tz, T scale, Matrix<T>& out) {
  const Index k_n = z.rows();
  out.resize(k_n, z.cols());
  for (Index b = 0; b < z.cols(); ++b) {
    if (kind == LossKind::mse) {
      for (Index k = 0; k < k_n; ++k) out(k, b) = scale * T(2) * tz(k, b) / T(k_n);
      continue;
    }
    T m = z(0, b);
    for (Index k = 1; k < k_n; ++k) m = std::max(m, z(k, b));
    T sum = 0;
    for (Index k = 0; k < k_n; ++k) sum += std::exp(z(k, b) - m);
    T pz = 0;  // p . z'
    for (Index k = 0; k < k_n; ++k) pz += std::exp(z(k, b) - m) / sum * tz(k, b);
    for (Index k = 0; k < k_n; ++k) {
      const T p = std::exp(z(k, b) - m) / sum;
      out(k, b) = scale * p * (tz(k, b) - pz);
    }
  }
}

}  // namespace

template <class T>
void zero_biases(const Network<T>& net, std::span<const T> w, std::vector<T>& out) {
  out.assign(w.begin(), w.end());
  for (std::size_t i = 0; i < net.num_layers(); ++i)
    if (const long b = net.layer(i).bias_index(); b >= 0) {
      const ParamInfo& info = net.params().info(std::size_t(b));
      std::fill_n(out.begin() + long(info.offset), info.size, T(0));
    }
}

template <class T>
LossSum hessian_vector_chunk(const Network<T>& net, LossKind loss, std::span<const T> w,
                             std::span<const T> unbiased, std::span<const T> v, const Matrix<T>& x,
                             std::span<const int32_t> labels, T scale,
                             typename Network<T>::Workspace& ws, TangentWorkspace<T>& tw,
                             std::span<T> hv) {
  const std::size_t n = net.params().total_size();
  if (w.size() != n || unbiased.size() != n || v.size() != n || hv.size() != n)
    throw Error("Hessian-vector product: weights, direction or product of the wrong size");
  const std::size_t layers = net.num_layers();
  if (ws.acts.size() != layers + 1) net.prepare(ws);
  tw.acts.resize(layers + 1);
  tw.dacts.resize(layers + 1);
  tw.grads.resize(n);
  std::fill(hv.begin(), hv.end(), T(0));

  // Forward: values and tangents. A tangent is zero (`live` false) before the first layer
  // with parameters.
  const PassContext eval{};
  ws.acts[0] = x;
  long first = -1;
  for (std::size_t i = 0; i < layers; ++i) {
    const Layer<T>& layer = net.layer(i);
    const Matrix<T>& in = ws.acts[i];
    layer.forward(w, in, ws.acts[i + 1], ws.caches[i], eval);
    const bool live = first >= 0;
    Matrix<T>& t_out = tw.acts[i + 1];
    switch (layer.spec().kind) {
      case LayerKind::dense:
      case LayerKind::conv2d:
        layer.forward(v, in, t_out, tw.cache, eval);
        if (live) {
          layer.forward(unbiased, tw.acts[i], tw.scratch, tw.cache, eval);
          t_out += tw.scratch;
        }
        if (first < 0) first = long(i);
        break;
      case LayerKind::prelu: {
        const auto& p = dynamic_cast<const PRelu<T>&>(layer);
        prelu_forward_tangent(p, net.params().info(std::size_t(p.slope_index())).offset, w, v, in,
                              live ? &tw.acts[i] : nullptr, t_out);
        if (first < 0) first = long(i);
        break;
      }
      case LayerKind::activation:
        if (live) layer.backward(w, in, ws.acts[i + 1], tw.acts[i], &t_out, {}, ws.caches[i]);
        break;
      case LayerKind::max_pool:
      case LayerKind::maxout:
        if (live) gather(tw.acts[i], ws.caches[i].indices, ws.acts[i + 1].rows(), t_out);
        break;
      case LayerKind::flatten:
      case LayerKind::dropout:  // evaluated: the identity
        if (live) t_out = tw.acts[i];
        break;
    }
  }
  const Matrix<T>& logits = ws.acts[layers];
  const LossSum sum = loss_and_gradient<T>(loss, logits, labels, &tw.dlogits, scale);
  if (first < 0) return sum;  // no parameters: no curvature
  loss_tangent(loss, logits, tw.acts[layers], scale, tw.tangent_dlogits);

  // Backward: gradients g (ws.dacts) and their tangents g' (tw.dacts), down to the first
  // layer with parameters.
  const Matrix<T>* g = &tw.dlogits;
  const Matrix<T>* tg = &tw.tangent_dlogits;
  for (long i = long(layers) - 1; i >= first; --i) {
    const std::size_t u = std::size_t(i);
    const Layer<T>& layer = net.layer(u);
    const Matrix<T>& in = ws.acts[u];
    const Matrix<T>& out = ws.acts[u + 1];
    const bool need_dx = i > first;
    Matrix<T>* dx = need_dx ? &ws.dacts[u] : nullptr;
    Matrix<T>* tdx = need_dx ? &tw.dacts[u] : nullptr;
    switch (layer.spec().kind) {
      case LayerKind::dense:
      case LayerKind::conv2d: {
        layer.backward(w, in, out, *tg, tdx, hv, ws.caches[u]);  // A(W)' g', g' x', sum g'
        if (need_dx) {
          layer.backward(v, in, out, *g, &tw.scratch, tw.grads, tw.cache);  // A(V)' g
          *tdx += tw.scratch;
        }
        if (i > first) {  // g x'' (the input's tangent is zero at the first such layer)
          layer.backward(w, tw.acts[u], out, *g, nullptr, tw.grads, tw.cache);
          const ParamInfo& info = net.params().info(std::size_t(layer.weight_index()));
          for (std::size_t k = info.offset; k < info.offset + info.size; ++k) hv[k] += tw.grads[k];
        }
        break;
      }
      case LayerKind::prelu: {
        const auto& p = dynamic_cast<const PRelu<T>&>(layer);
        const std::size_t off = net.params().info(std::size_t(p.slope_index())).offset;
        if (i == first) tw.acts[u].setZero(in.rows(), in.cols());
        prelu_backward_tangent(p, off, w, v, in, tw.acts[u], *g, *tg, tdx, hv);
        break;
      }
      case LayerKind::activation:
        if (need_dx) {
          layer.backward(w, in, out, *tg, tdx, {}, ws.caches[u]);  // f'(x) g'
          second_derivative(layer.spec(), in, out, tw.scratch);
          tdx->array() += tw.scratch.array() * tw.acts[u].array() * g->array();
        }
        break;
      case LayerKind::max_pool:
      case LayerKind::maxout:
      case LayerKind::flatten:
        if (need_dx) layer.backward(w, in, out, *tg, tdx, {}, ws.caches[u]);
        break;
      case LayerKind::dropout:
        if (need_dx) *tdx = *tg;
        break;
    }
    if (need_dx) {
      if (layer.spec().kind == LayerKind::dropout)
        *dx = *g;
      else
        layer.backward(w, in, out, *g, dx, tw.grads, ws.caches[u]);
      g = dx;
      tg = tdx;
    }
  }
  return sum;
}

template void zero_biases<float>(const Network<float>&, std::span<const float>,
                                 std::vector<float>&);
template void zero_biases<double>(const Network<double>&, std::span<const double>,
                                  std::vector<double>&);
template LossSum hessian_vector_chunk<float>(const Network<float>&, LossKind,
                                             std::span<const float>, std::span<const float>,
                                             std::span<const float>, const Matrix<float>&,
                                             std::span<const int32_t>, float,
                                             Network<float>::Workspace&, TangentWorkspace<float>&,
                                             std::span<float>);
template LossSum hessian_vector_chunk<double>(const Network<double>&, LossKind,
                                              std::span<const double>, std::span<const double>,
                                              std::span<const double>, const Matrix<double>&,
                                              std::span<const int32_t>, double,
                                              Network<double>::Workspace&,
                                              TangentWorkspace<double>&, std::span<double>);

}  // namespace ts
