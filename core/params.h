// Parameters of a network as named tensors in one contiguous buffer.
//
// Every tensor ("fc1.weight", "fc1.bias", "conv1.weight", "act2.slope") is a slice of the
// flat `values` buffer; `grads` and `masks` line up with it element for element, and so
// does every optimizer state buffer. Optimizer state, masks and frozen flags are matched by
// index or name, never by address, so a weight snapshot is one copy and a checkpoint a few
// flat arrays.
//
// Each tensor starts at a multiple of kTensorAlignElements; the few padding elements between
// tensors belong to no tensor, stay zero and are never updated in effect (zero gradient).
//
// Invariant kept by whoever changes values or masks: values[i] == 0 wherever masks[i] == 0,
// so a pruned weight is exactly zero in every forward pass and stays so after updates.
//
// Owned by the network; used by the training thread only.
#pragma once

#include "core/tensor.h"

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace ts {

// Element-wise passes over the parameters (the gradient's finish in StepRunner, the
// optimizer's update) cut each tensor into pieces of at most this many values, one task a
// piece, the same way in both passes (trained_pieces) so that a piece can stay on one core
// from one to the other.
inline constexpr std::size_t kParamPiece = 16384;

struct ParamInfo {
  std::string name;          // "fc1.weight"
  std::vector<Index> shape;  // row-major dimensions, as written to checkpoints
  std::size_t offset = 0;    // first element in the flat buffers
  std::size_t size = 0;      // number of elements
  bool frozen = false;       // frozen: no update and no optimizer state
  bool is_weight = false;    // a weight matrix (prunable), not a bias or slope
};

// A slice of one tensor: values [offset, offset + size) of tensor `tensor`.
struct ParamPiece {
  std::size_t tensor, offset, size;
};
// The pieces of every tensor that is not frozen, in tensor order, each at most kParamPiece
// values; `out` is cleared first and reuses its storage. A matrix whose rows are at most
// kParamPiece long is cut between rows (so a piece's gradient can be computed as whole
// rows of a weight gradient).
void trained_pieces(const std::vector<ParamInfo>& infos, std::vector<ParamPiece>& out);
// The number of pieces of whole rows `info` is cut into (0 when its pieces are not rows): as
// few as keep each within kParamPiece, a multiple of four when not one, with the rows shared
// as evenly as they divide.
std::size_t row_pieces(const ParamInfo& info);
// A matrix's row (size / shape[0]; 0 for a vector), and whether its pieces are whole rows.
std::size_t row_length(const ParamInfo& info);
bool pieces_are_rows(const ParamInfo& info);

template <class T>
class Parameters {
 public:
  // Registers a tensor and returns its index. Buffers are sized by `finalize`.
  std::size_t add(std::string name, std::vector<Index> shape, bool is_weight);
  void finalize();

  std::size_t count() const { return infos_.size(); }
  std::size_t total_size() const { return values_.size(); }
  const ParamInfo& info(std::size_t i) const { return infos_[i]; }
  ParamInfo& info(std::size_t i) { return infos_[i]; }
  const std::vector<ParamInfo>& infos() const { return infos_; }
  // Index of the tensor called `name`, or -1.
  long find(const std::string& name) const;
  // The same tensors, by name and size, in the same order: weight vectors of one layout.
  bool same_layout(const Parameters& other) const {
    if (count() != other.count() || total_size() != other.total_size()) return false;
    for (std::size_t t = 0; t < count(); ++t)
      if (infos_[t].name != other.infos_[t].name || infos_[t].size != other.infos_[t].size)
        return false;
    return true;
  }

  std::span<T> values() { return values_; }
  std::span<const T> values() const { return values_; }
  std::span<T> masks() { return masks_; }
  std::span<const T> masks() const { return masks_; }

  std::span<T> values(std::size_t i) { return {values_.data() + infos_[i].offset, infos_[i].size}; }
  std::span<const T> values(std::size_t i) const {
    return {values_.data() + infos_[i].offset, infos_[i].size};
  }
  std::span<T> masks(std::size_t i) { return {masks_.data() + infos_[i].offset, infos_[i].size}; }
  std::span<const T> masks(std::size_t i) const {
    return {masks_.data() + infos_[i].offset, infos_[i].size};
  }

  // values *= masks, restoring the invariant after an update or a load. A no-op while
  // nothing is pruned.
  void apply_masks();
  // True when some mask entry is zero, as of the last refresh_pruning().
  bool has_pruning() const { return any_pruned_; }
  // The fraction of the weight tensors' entries (ParamInfo::is_weight) that are masked, as
  // of the last refresh_pruning(): the network's sparsity.
  double pruned_fraction() const { return pruned_fraction_; }
  // How many entries of tensor i are masked, as of the last refresh_pruning().
  std::size_t pruned_count(std::size_t i) const {
    return i < pruned_counts_.size() ? pruned_counts_[i] : 0;
  }
  // Whoever writes masks() calls this afterwards.
  void refresh_pruning();

 private:
  std::vector<ParamInfo> infos_;
  AlignedVector<T> values_;
  AlignedVector<T> masks_;
  bool any_pruned_ = false;
  double pruned_fraction_ = 0.0;
  std::vector<std::size_t> pruned_counts_;  // per tensor
};

}  // namespace ts
