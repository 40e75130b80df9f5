// Pruning curves without retraining: the accuracy on a dataset after removing 0, 1, 2, ...
// units of one dense layer, in the order a criterion chooses (figure 2 of "Sources of
// Redundancy in Neural Networks": the first fully connected layer of LeNet and Conv-2).
//
// Removing unit i of layer L removes its row of W_L, its bias, and column i of the next
// dense layer N. Between L and N there may only be elementwise layers (activation, dropout,
// PReLU), so removing the unit is the same as zeroing row i of A, the input of N.
//
// PruneCurve caches A for the whole dataset once (its nonzero entries, unit by unit), Z = W_N A +
// b_N, and the predictions before any removal; a dense first layer there takes its product by the
// inputs that differ from the common value where most share it (an image's background). Removing
// unit i then changes Z by the rank-one term -W_N[:, i] A[i, :], and only for the samples where
// A[i, :] is not zero, so only those samples go through the layers after N again. When those layers
// are 1-Lipschitz elementwise ones (ReLU, leaky ReLU, tanh, sigmoid, identity, dropout) and then
// the output's dense layer T, a sample's prediction p cannot change while its column of Z stays
// within min over k of (l_p - l_k) / |T_p - T_k| of where its logits l were last computed (each
// logit difference moves by at most |T_p - T_k| times the change of Z, or of a ReLU's output right
// after N), so only the samples that leave that ball are run again; while the sum of |A[i, j]|
// |W_N[:, i]| over the units removed since a sample last ran keeps it inside, not even its distance
// is taken. A curve's samples are cut into blocks, a task each, which take the removals a round of
// 128 at a time between barriers, so one curve uses every thread and a block's columns stay in one
// core's cache for the round; inside a block, each sample takes the round's removals that touch it
// in turn, its column in the core's first cache meanwhile. The naive evaluation (naive_accuracies)
// runs the whole network with the units zeroed at every point; it is the test oracle, and `bench`
// times it. Both compute in double, their sums in different orders, so their accuracies agree
// exactly at every point unless a prediction is a tie to the last bits.
//
// Criteria for the order (unit_removal_order):
//   magnitude        the L2 norm of the unit's incoming weights
//   frame_potential  the unit's share sum_j <w_i, w_j>^2 of the layer's frame potential over
//                    the units still present, recomputed after each removal
//   fisher           the estimated increase of the loss when the unit's output is set to
//                    zero (Theis et al. 2018): (1 / 2N) sum_n (a_n g_n)^2 over N samples,
//                    a_n the unit's output (the input of N) and g_n = dloss_n / da_n
//   taylor           the first-order Taylor estimate of the change of the loss when the unit
//                    is removed (Molchanov et al. 2017): |(1 / N) sum_n a_n g_n|
//   random           a shuffle from the seed
// smallest first, or with `largest_first` the largest first (how much harm is possible).
//
// A PruneCurve is immutable after construction: several threads may compute curves from
// it at once.
#pragma once

#include "core/data/dataset.h"
#include "core/layers/loss.h"
#include "core/layers/network.h"

#include <Eigen/Dense>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ts {

enum class UnitCriterion { magnitude, frame_potential, fisher, taylor, random };
const char* to_string(UnitCriterion);

// The order in which `criterion` removes every unit of dense layer `layer`. Units whose
// weights are all pruned already come first (they have nothing left to remove). The fisher
// and taylor criteria need their `scores` (one per unit, from unit_saliency). Throws
// ts::Error naming the layer when it is not a dense layer of `net`.
std::vector<Index> unit_removal_order(const Network<float>& net, const std::string& layer,
                                      UnitCriterion criterion, bool largest_first = false,
                                      uint64_t seed = 1, std::span<const double> scores = {});

// The two criteria made of each unit's output times the gradient of the loss with respect
// to it, over the same samples: Fisher and Taylor (see above).
struct UnitSaliency {
  std::vector<double> fisher, taylor;  // one per unit
  // The scores `criterion` ranks by (fisher or taylor; empty for the others).
  std::span<const double> scores(UnitCriterion criterion) const;
};

// Each unit's Fisher and Taylor scores over the first `max_samples` samples of `data` (a
// training set: the choice of units should not see the test set), with the model's loss.
// Runs in parallel in the caller's oneTBB arena. Same layer requirements as PruneCurve.
UnitSaliency unit_saliency(const Network<float>& net, const std::string& layer, const Dataset& data,
                           LossKind loss, Index max_samples = 10000);

class PruneCurve {
 public:
  // Throws ts::Error naming the layer when it is not a dense layer followed by elementwise
  // layers and a dense layer. Caching runs in parallel in the caller's oneTBB arena. The
  // network and the dataset must outlive the curve.
  PruneCurve(const Network<float>& net, const std::string& layer, const Dataset& data);

  Index units() const { return units_; }
  Index samples() const { return Index(labels_.size()); }

  // Accuracies after removing order[0..k) for k = 0 .. order.size(). `cancel` is polled
  // between points (the curve then ends early); `progress` receives the fraction done.
  std::vector<double> accuracies(std::span<const Index> order,
                                 const std::atomic<bool>* cancel = nullptr,
                                 const std::function<void(double)>& progress = {}) const;

  // The same by running the whole network in T (float or double) at every point.
  template <class T>
  std::vector<double> naive_accuracies(std::span<const Index> order) const;

 private:
  // What a task's calls of tail_predict reuse: the activations' outputs and the logits of a
  // column (the lean tail) and the rows of them that are not zero, or the columns gathered for
  // the layers' own passes, and the predictions.
  struct TailScratch {
    std::vector<double> g, logits;
    std::vector<int32_t> nonzero;
    Eigen::MatrixXd z;
    std::vector<int32_t> pred;
  };
  // The layers after N run on the columns at `cols` (N's outputs, with zero rows like W_N's):
  // whether they predict `labels`, and the squared radius around each column within which that
  // prediction holds (0 when the layers after N do not bound it). The lean tail (below) runs
  // them itself, and writes its first activation's outputs to `first_out`, one column each,
  // when given.
  void tail_predict(std::span<const double* const> cols, std::span<const int32_t> labels,
                    std::span<uint8_t> correct, std::span<double> radius_sq, TailScratch& scratch,
                    std::span<double* const> first_out = {}) const;
  // The squared radius of the ball around a sample predicted `pred` with these logits (one a
  // lane, zero past the classes).
  double ball_radius_sq(const double* logits, Index pred) const;

  const Network<float>& net_;
  const Dataset& data_;
  Network<double> dnet_;              // the same network in double
  std::size_t layer_ = 0, next_ = 0;  // L and N
  Index units_ = 0;
  // A, the input of N, by unit: unit u's samples with a nonzero output, ascending, and those
  // outputs are entries [a_start_[u], a_start_[u + 1]) of a_sample_ and a_value_.
  std::vector<std::size_t> a_start_;
  std::vector<Index> a_sample_;
  std::vector<double> a_value_;
  Eigen::MatrixXd z_;       // N's outputs x samples, with zero rows like W_N's
  Index outputs_ = 0;       // N's
  Eigen::MatrixXd w_next_;  // W_N, outputs x units, with zero rows to whole vectors
  Eigen::VectorXd w_norm_;  // the norm of each of its columns
  // The output's classes, and as many lanes as whole vectors hold them.
  Index classes_ = 0, class_lanes_ = 0;
  // When the layers after N bound how far a logit difference moves, column p holds, for each
  // class k, 1 / (L |T_p - T_k|) in ball_scale_ (L: the most those layers stretch a move, 1/4
  // for a sigmoid, else 1), and 0 in ball_skip_; for k = p, or a class whose row equals p's, or
  // a lane past the classes, 0 and +infinity. Empty otherwise.
  Eigen::MatrixXd ball_scale_, ball_skip_;
  // With a ReLU (0) or leaky ReLU (its slope) right after N, the ball is of its output, a
  // tighter one; 1: of Z itself.
  double distance_slope_ = 1.0;
  // When the layers after N are ReLU, leaky ReLU, tanh, the sigmoid, ELU, identity or dropout
  // and then T (LeNet), tail_predict runs them itself on the columns where they are, instead
  // of gathering them for the layers' own passes (which allocate their outputs at every call):
  // the activations' kinds and slopes below zero (ELU's alpha; 0 for tanh and the sigmoid), T
  // with its classes in lanes (a column of t_ for each of N's outputs, zero past the classes),
  // T's bias likewise. T's product goes over the last activation's outputs that are not zero
  // when T is finite (0 times infinity is not 0).
  bool lean_tail_ = false, t_finite_ = true;
  // The lean tail's first activation is the one right after N, which the distances are taken
  // after: its outputs are where a sample last ran.
  bool after_is_first_activation_ = false;
  std::vector<std::pair<ActivationKind, double>> tail_activations_;
  Eigen::MatrixXd t_;
  Eigen::VectorXd t_bias_;
  std::vector<int32_t> labels_;
  // The whole dataset's predictions before any removal, where every curve starts.
  std::vector<uint8_t> correct_;
  std::vector<double> radius_sq_;
};

}  // namespace ts
