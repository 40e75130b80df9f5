// Optimizers: update the flat parameter buffer of core/params.h from the flat gradient
// buffer, one step at a time. Float only.
//
// Owned by the trainer and used by the training thread only (not thread-safe). Settings may
// change between steps (`set_settings`), never during one.
//
// Invariants:
//  - Every state buffer is exactly `num_params()` long and lines up with the flat parameters
//    by index, so checkpoints and pruning address it the same way as the weights.
//  - Frozen tensors (ParamInfo::frozen) are never updated and their state is never written.
//  - With grad == 0, w == 0 and zeroed state, every optimizer here leaves w and its state
//    exactly 0, so a pruned weight whose gradient and state the trainer zeroes stays pruned.
//  - The learning rate is not a setting: the schedule (core/schedule) computes it for each
//    step and passes it to `step()`.
//  - `step()` allocates nothing. Its inner loops are plain loops over contiguous floats; the
//    ones with a sqrt vectorize only when the core is compiled with -fno-math-errno (GCC).
#pragma once

#include "core/params.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ts {

// sgd, momentum and nesterov are the three variants of `Sgd` (core/optim/sgd.h); adam and
// adamw are the two variants of `Adam` (core/optim/adam.h).
enum class OptimizerKind { sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, adadelta };

// "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adadelta".
const char* to_string(OptimizerKind);
std::optional<OptimizerKind> optimizer_kind_from_string(std::string_view);
// Every kind, in declaration order (for menus and tests).
std::span<const OptimizerKind> all_optimizer_kinds();

// Hyperparameters of every kind in one plain struct. Each kind reads only its own fields;
// the others are ignored (and not validated). The formulas are in each class's header.
struct OptimizerSettings {
  OptimizerKind kind = OptimizerKind::sgd;
  double momentum = 0.9;          // momentum, nesterov: mu, in [0, 1)
  double rmsprop_momentum = 0.0;  // rmsprop: mu in [0, 1); 0 is plain RMSProp
  bool rmsprop_nesterov = false;  // rmsprop: Nesterov look-ahead; needs rmsprop_momentum > 0
  double beta1 = 0.9;             // adam, adamw: in [0, 1)
  double beta2 = 0.999;           // adam, adamw: in [0, 1)
  double rho = 0.9;               // rmsprop, adadelta: decay of the running averages, [0, 1)
  double eps = 1e-8;              // adagrad, rmsprop, adam, adamw, adadelta: > 0
  double weight_decay = 0.0;      // >= 0; L2 added to the gradient (g += wd * w), except
                                  // adamw: decoupled (w -= lr * wd * w)
  bool decay_biases = false;      // false: weight decay reaches weight matrices and conv
                                  // filters only (the sources' penalty 1/2 wd |W|^2; He et
                                  // al. exclude PReLU slopes); true: every tensor, biases
                                  // and slopes too (PyTorch's default, for parity runs)

  bool operator==(const OptimizerSettings&) const = default;
};

// The references' defaults for a kind: eps 1e-10 for AdaGrad (PyTorch), 1e-6 for AdaDelta
// (Zeiler 2012, PyTorch), 1e-8 for RMSProp and Adam; the rest as OptimizerSettings.
OptimizerSettings default_optimizer_settings(OptimizerKind kind);

// The learning rate a kind usually runs at: PyTorch's defaults where it has one (AdaGrad and
// RMSProp 0.01, Adam and AdamW 0.001, AdaDelta 1.0, as in Zeiler 2012, where the rate only
// scales the unit-correct update); plain SGD 0.1 and SGD with momentum 0.01 (whose effective
// step lr / (1 - mu) is then 0.1 at mu = 0.9), for which PyTorch has none.
double default_learning_rate(OptimizerKind kind);

// Whether a kind has a momentum (momentum, nesterov, rmsprop) or beta1 (adam, adamw) that a
// schedule can cycle; sgd, adagrad and adadelta have neither.
bool has_cyclable_momentum(OptimizerKind kind);
// `settings` with its momentum or beta1 set to `value` (unchanged for a kind without one).
OptimizerSettings with_momentum(OptimizerSettings settings, double value);

// Switching a live optimizer (or a draft) to another kind: the new kind's defaults, keeping
// the weight decay and decay_biases, which belong to the experiment rather than the kind.
// The same kind returns `current` unchanged.
OptimizerSettings switched_optimizer(const OptimizerSettings& current, OptimizerKind kind);

// Throws ts::Error when a field the kind reads is out of range or not finite. `path` prefixes
// the field name in the message ("optimizer" gives "optimizer.beta1: must be in [0, 1), got
// 1.5"); fields are named as in the JSON form (core/optim/optimizer_json.h), so rmsprop's
// rmsprop_momentum and rmsprop_nesterov are reported as "momentum" and "nesterov".
void validate(const OptimizerSettings& settings, const std::string& path);

// The weight decay a tensor gets under `settings`: settings.weight_decay for a weight matrix
// or conv filter (ParamInfo::is_weight), and for biases and PReLU slopes only with
// settings.decay_biases; else 0.
double tensor_weight_decay(const OptimizerSettings& settings, const ParamInfo& info);

// Squared norms of one tensor's update and of its values after it.
struct UpdateNorm {
  double delta_sq = 0.0;
  double value_sq = 0.0;
};

// The common interface. `step()` checks the sizes, advances the step count and calls
// `update_slice` once per piece of each non-frozen tensor (pieces may run in parallel);
// subclasses implement only the update.
class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  OptimizerKind kind() const { return settings_.kind; }
  const OptimizerSettings& settings() const { return settings_; }
  // Length of the flat buffers this optimizer was built for.
  std::size_t num_params() const { return num_params_; }

  // Live change of hyperparameters (momentum, betas, rho, eps, weight decay), effective from
  // the next step. The kind must stay the same; the state is kept. Throws ts::Error on a
  // different kind or an invalid value (and then changes nothing).
  void set_settings(const OptimizerSettings& settings);

  // One update of every non-frozen tensor: params -= f(grads, state), with the learning rate
  // `lr` from the schedule. `params` and `grads` are the whole flat buffers (num_params()
  // long); `infos` gives the tensor slices. Frozen tensors get no update and their state stays
  // untouched. The step count (Adam's bias-correction t) advances once per call, before the
  // update, so the first call runs with t = 1. Throws ts::Error on mismatched sizes, before
  // changing anything.
  //
  // With `update_norms` (infos.size() long), entry i receives the squared norm of tensor i's
  // change in this step and of its new values (zeros for frozen tensors), for the
  // update/weight ratio; measured piecewise on a small stack copy, so it allocates nothing.
  void step(std::span<float> params, std::span<const float> grads,
            const std::vector<ParamInfo>& infos, float lr, std::span<UpdateNorm> update_norms = {});

  // step() in three parts, for a caller that runs the pieces in a parallel loop of its own
  // (the step runner, in the loop that computed the gradient): begin_step checks and counts
  // as step() does and cuts the tensors into trained_pieces(infos); update_piece(k) updates
  // piece k (any thread, each piece once); end_step sums the update norms. The buffers must
  // outlive end_step. step() is these three, each piece on its owner (piece_owners).
  void begin_step(std::span<float> params, std::span<const float> grads,
                  const std::vector<ParamInfo>& infos, float lr,
                  std::span<UpdateNorm> update_norms = {});
  void update_piece(std::size_t k);
  void end_step();

  // Named state buffers ("momentum", "m", "v", "sum_sq", "sq_avg", "delta_sq_avg"), each
  // exactly num_params() long and aligned with the flat params by index. For checkpoints and
  // for zeroing the state of pruned weights. Plain SGD has none. The pointers stay valid for
  // the optimizer's lifetime; the buffers must not be resized.
  virtual std::vector<std::pair<std::string, std::vector<float>*>> state_buffers() = 0;

  // Number of completed steps; restored from checkpoints. Throws ts::Error when negative.
  int64_t step_count() const { return step_count_; }
  void set_step_count(int64_t count);

  // Zeroes every state buffer and the step count.
  void reset_state();

 protected:
  // Validates `settings` (path "optimizer"); the subclass checks that it handles the kind.
  Optimizer(const OptimizerSettings& settings, std::size_t num_params);

  // Updates one non-frozen tensor. `w` and `g` are its slices; `offset` is its first index in
  // the flat buffers and so in every state buffer; `t` is this step's number (1 on the first);
  // `wd` is the weight decay this tensor gets (tensor_weight_decay), used in place of
  // settings().weight_decay.
  // update_slice that also returns the squared norms of the change and of the new values.
  // The default copies the old values in small runs; an optimizer may fuse it into its loop.
  virtual UpdateNorm update_slice_measured(std::size_t offset, std::span<float> w,
                                           std::span<const float> g, float lr, int64_t t, float wd);
  virtual void update_slice(std::size_t offset, std::span<float> w, std::span<const float> g,
                            float lr, int64_t t, float wd) = 0;

 private:
  OptimizerSettings settings_;
  std::size_t num_params_ = 0;
  std::vector<ParamPiece> pieces_;       // reused by step()
  std::vector<UpdateNorm> piece_norms_;  // one per piece
  // Each piece's worker (piece_owners): the one that summed its gradient in StepRunner and
  // read its weights in the forward pass, where they and its state still sit in cache.
  std::vector<int> owners_;
  int64_t step_count_ = 0;
  // The step begun by begin_step.
  std::span<float> params_;
  std::span<const float> grads_;
  const std::vector<ParamInfo>* infos_ = nullptr;
  float lr_ = 0.0f;
  std::span<UpdateNorm> update_norms_;
};

// Builds the optimizer for `settings.kind` with zeroed state for `num_params` parameters.
// Throws ts::Error on invalid settings (validated with path "optimizer").
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSettings& settings,
                                          std::size_t num_params);

}  // namespace ts
