#include "core/optim/optimizer.h"
#include "core/text_format.h"

#include "core/error.h"
#include "core/optim/adadelta.h"
#include "core/optim/adagrad.h"
#include "core/optim/adam.h"
#include "core/optim/rmsprop.h"
#include "core/optim/sgd.h"

#include "core/owned_loop.h"

#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace ts {

namespace {

constexpr std::array<OptimizerKind, 8> kAllKinds = {
    OptimizerKind::sgd,     OptimizerKind::momentum, OptimizerKind::nesterov,
    OptimizerKind::adagrad, OptimizerKind::rmsprop,  OptimizerKind::adam,
    OptimizerKind::adamw,   OptimizerKind::adadelta};

// Shortest text that reads back as the same double ("1.5", "1e-08").
std::string key_path(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

// lo <= v < hi
void check_half_open(double v, double lo, double hi, const std::string& path, const char* key) {
  if (!(std::isfinite(v) && v >= lo && v < hi)) {
    throw Error(key_path(path, key) + ": must be in [" + format_number(lo) + ", " +
                format_number(hi) + "), got " + format_number(v));
  }
}

void check_positive(double v, const std::string& path, const char* key) {
  if (!(std::isfinite(v) && v > 0.0)) {
    throw Error(key_path(path, key) + ": must be > 0, got " + format_number(v));
  }
}

void check_non_negative(double v, const std::string& path, const char* key) {
  if (!(std::isfinite(v) && v >= 0.0)) {
    throw Error(key_path(path, key) + ": must be >= 0, got " + format_number(v));
  }
}

}  // namespace

const char* to_string(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd:
      return "sgd";
    case OptimizerKind::momentum:
      return "momentum";
    case OptimizerKind::nesterov:
      return "nesterov";
    case OptimizerKind::adagrad:
      return "adagrad";
    case OptimizerKind::rmsprop:
      return "rmsprop";
    case OptimizerKind::adam:
      return "adam";
    case OptimizerKind::adamw:
      return "adamw";
    case OptimizerKind::adadelta:
      return "adadelta";
  }
  return "unknown";
}

std::optional<OptimizerKind> optimizer_kind_from_string(std::string_view name) {
  for (OptimizerKind kind : kAllKinds) {
    if (name == to_string(kind)) return kind;
  }
  return std::nullopt;
}

std::span<const OptimizerKind> all_optimizer_kinds() { return kAllKinds; }

void validate(const OptimizerSettings& s, const std::string& path) {
  if (std::find(kAllKinds.begin(), kAllKinds.end(), s.kind) == kAllKinds.end()) {
    throw Error(key_path(path, "type") + ": unknown optimizer kind " +
                std::to_string(static_cast<int>(s.kind)));
  }
  check_non_negative(s.weight_decay, path, "weight_decay");
  switch (s.kind) {
    case OptimizerKind::sgd:
      break;
    case OptimizerKind::momentum:
    case OptimizerKind::nesterov:
      check_half_open(s.momentum, 0.0, 1.0, path, "momentum");
      break;
    case OptimizerKind::adagrad:
      check_positive(s.eps, path, "eps");
      break;
    case OptimizerKind::rmsprop:
      check_half_open(s.rho, 0.0, 1.0, path, "rho");
      check_positive(s.eps, path, "eps");
      check_half_open(s.rmsprop_momentum, 0.0, 1.0, path, "momentum");
      if (s.rmsprop_nesterov && s.rmsprop_momentum == 0.0) {
        throw Error(key_path(path, "nesterov") + ": needs momentum > 0");
      }
      break;
    case OptimizerKind::adam:
    case OptimizerKind::adamw:
      check_half_open(s.beta1, 0.0, 1.0, path, "beta1");
      check_half_open(s.beta2, 0.0, 1.0, path, "beta2");
      check_positive(s.eps, path, "eps");
      break;
    case OptimizerKind::adadelta:
      check_half_open(s.rho, 0.0, 1.0, path, "rho");
      check_positive(s.eps, path, "eps");
      break;
  }
}

OptimizerSettings default_optimizer_settings(OptimizerKind kind) {
  OptimizerSettings s;
  s.kind = kind;
  if (kind == OptimizerKind::adagrad) s.eps = 1e-10;
  if (kind == OptimizerKind::adadelta) s.eps = 1e-6;
  return s;
}

double default_learning_rate(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd:
      return 0.1;
    case OptimizerKind::momentum:
    case OptimizerKind::nesterov:
      return 0.01;
    case OptimizerKind::adagrad:
    case OptimizerKind::rmsprop:
      return 0.01;
    case OptimizerKind::adam:
    case OptimizerKind::adamw:
      return 0.001;
    case OptimizerKind::adadelta:
      return 1.0;
  }
  return 0.1;
}

bool has_cyclable_momentum(OptimizerKind kind) {
  return kind == OptimizerKind::momentum || kind == OptimizerKind::nesterov ||
         kind == OptimizerKind::rmsprop || kind == OptimizerKind::adam ||
         kind == OptimizerKind::adamw;
}

OptimizerSettings with_momentum(OptimizerSettings s, double value) {
  switch (s.kind) {
    case OptimizerKind::momentum:
    case OptimizerKind::nesterov:
      s.momentum = value;
      break;
    case OptimizerKind::rmsprop:
      s.rmsprop_momentum = value;
      break;
    case OptimizerKind::adam:
    case OptimizerKind::adamw:
      s.beta1 = value;
      break;
    default:
      break;
  }
  return s;
}

OptimizerSettings switched_optimizer(const OptimizerSettings& current, OptimizerKind kind) {
  if (kind == current.kind) return current;
  OptimizerSettings s = default_optimizer_settings(kind);
  s.weight_decay = current.weight_decay;
  s.decay_biases = current.decay_biases;
  return s;
}

double tensor_weight_decay(const OptimizerSettings& settings, const ParamInfo& info) {
  return info.is_weight || settings.decay_biases ? settings.weight_decay : 0.0;
}

Optimizer::Optimizer(const OptimizerSettings& settings, std::size_t num_params)
    : settings_(settings), num_params_(num_params) {
  validate(settings_, "optimizer");
}

Optimizer::~Optimizer() = default;

void Optimizer::set_settings(const OptimizerSettings& settings) {
  if (settings.kind != settings_.kind) {
    throw Error(std::string("optimizer.type: cannot change a live optimizer from ") +
                to_string(settings_.kind) + " to " + to_string(settings.kind) +
                "; build a new one");
  }
  validate(settings, "optimizer");
  settings_ = settings;
}

void Optimizer::step(std::span<float> params, std::span<const float> grads,
                     const std::vector<ParamInfo>& infos, float lr,
                     std::span<UpdateNorm> update_norms) {
  begin_step(params, grads, infos, lr, update_norms);
  // Every update here is element-wise, so tensors are cut into pieces that the caller's task
  // arena updates in parallel, each on its owner; the numbers do not depend on who takes which.
  const int slots = tbb::this_task_arena::max_concurrency();
  piece_owners(pieces_, slots, owners_);
  for_each_owned(owners_, slots, [&](std::size_t k) { update_piece(k); });
  end_step();
}

void Optimizer::begin_step(std::span<float> params, std::span<const float> grads,
                           const std::vector<ParamInfo>& infos, float lr,
                           std::span<UpdateNorm> update_norms) {
  if (params.size() != num_params_ || grads.size() != num_params_) {
    throw Error("Optimizer::step: params has " + std::to_string(params.size()) +
                " elements and grads " + std::to_string(grads.size()) +
                ", but the optimizer was built for " + std::to_string(num_params_));
  }
  for (const ParamInfo& info : infos) {
    if (info.offset > num_params_ || info.size > num_params_ - info.offset) {
      throw Error("Optimizer::step: tensor " + info.name + " (offset " +
                  std::to_string(info.offset) + ", size " + std::to_string(info.size) +
                  ") lies outside the " + std::to_string(num_params_) + " parameters");
    }
  }
  if (!update_norms.empty() && update_norms.size() != infos.size())
    throw Error("Optimizer::step: " + std::to_string(update_norms.size()) + " update norms for " +
                std::to_string(infos.size()) + " tensors");
  ++step_count_;
  trained_pieces(infos, pieces_);
  piece_norms_.resize(pieces_.size());
  params_ = params;
  grads_ = grads;
  infos_ = &infos;
  lr_ = lr;
  update_norms_ = update_norms;
}

void Optimizer::update_piece(std::size_t k) {
  if (!infos_ || k >= pieces_.size())
    throw Error("Optimizer::update_piece: piece " + std::to_string(k) + " of " +
                std::to_string(pieces_.size()) + " in the step begun");
  const ParamPiece& p = pieces_[k];
  const auto wd = static_cast<float>(tensor_weight_decay(settings_, (*infos_)[p.tensor]));
  const auto w = params_.subspan(p.offset, p.size);
  const auto g = grads_.subspan(p.offset, p.size);
  if (update_norms_.empty())
    update_slice(p.offset, w, g, lr_, step_count_, wd);
  else
    piece_norms_[k] = update_slice_measured(p.offset, w, g, lr_, step_count_, wd);
}

void Optimizer::end_step() {
  if (!update_norms_.empty()) {
    std::fill(update_norms_.begin(), update_norms_.end(), UpdateNorm{});
    for (std::size_t k = 0; k < pieces_.size();
         ++k) {  // in piece order: the same sums on every run
      update_norms_[pieces_[k].tensor].delta_sq += piece_norms_[k].delta_sq;
      update_norms_[pieces_[k].tensor].value_sq += piece_norms_[k].value_sq;
    }
  }
  infos_ = nullptr;
}

UpdateNorm Optimizer::update_slice_measured(std::size_t offset, std::span<float> w,
                                            std::span<const float> g, float lr, int64_t t,
                                            float wd) {
  // Update in runs of kRun values kept on the stack, so the old values are still in cache.
  constexpr std::size_t kRun = 2048;
  float before[kRun];
  double dsq = 0.0, vsq = 0.0;
  for (std::size_t at = 0; at < w.size(); at += kRun) {
    const std::size_t n = std::min(kRun, w.size() - at);
    float* wp = w.data() + at;
    std::copy_n(wp, n, before);
    update_slice(offset + at, w.subspan(at, n), g.subspan(at, n), lr, t, wd);
    // Float sums within a run (2048 values: a relative error near 1e-6, plenty for a
    // plotted ratio), double across runs. `omp simd` (-fopenmp-simd, no threads) lets the
    // compiler split the sums into vector lanes: a fixed order for a given build.
    float ds = 0.0f, vs = 0.0f;
#pragma omp simd reduction(+ : ds, vs)
    for (std::size_t i = 0; i < n; ++i) {
      const float d = wp[i] - before[i];
      ds += d * d;
      vs += wp[i] * wp[i];
    }
    dsq += double(ds);
    vsq += double(vs);
  }
  return UpdateNorm{dsq, vsq};
}

void Optimizer::set_step_count(int64_t count) {
  if (count < 0) {
    throw Error("optimizer.step_count: must be >= 0, got " + std::to_string(count));
  }
  step_count_ = count;
}

void Optimizer::reset_state() {
  for (auto& [name, buffer] : state_buffers()) std::fill(buffer->begin(), buffer->end(), 0.0f);
  step_count_ = 0;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerSettings& settings,
                                          std::size_t num_params) {
  validate(settings, "optimizer");
  switch (settings.kind) {
    case OptimizerKind::sgd:
    case OptimizerKind::momentum:
    case OptimizerKind::nesterov:
      return std::make_unique<Sgd>(settings, num_params);
    case OptimizerKind::adagrad:
      return std::make_unique<Adagrad>(settings, num_params);
    case OptimizerKind::rmsprop:
      return std::make_unique<RmsProp>(settings, num_params);
    case OptimizerKind::adam:
    case OptimizerKind::adamw:
      return std::make_unique<Adam>(settings, num_params);
    case OptimizerKind::adadelta:
      return std::make_unique<Adadelta>(settings, num_params);
  }
  throw Error("optimizer.type: unknown optimizer kind");
}

}  // namespace ts
