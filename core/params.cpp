#include "core/params.h"

#include "core/error.h"

#include <algorithm>
#include <functional>
#include <numeric>

namespace ts {

std::size_t row_length(const ParamInfo& info) {
  return info.shape.size() >= 2 && info.shape[0] > 0 ? info.size / std::size_t(info.shape[0]) : 0;
}

bool pieces_are_rows(const ParamInfo& info) {
  const std::size_t row = row_length(info);
  return row > 0 && row <= kParamPiece;
}

std::size_t row_pieces(const ParamInfo& info) {
  if (!pieces_are_rows(info)) return 0;
  // As few pieces as fit kParamPiece, but a multiple of four when more than one: one, two or
  // four workers then get the same number of pieces, and trained_pieces shares the rows out
  // over them as evenly as they divide.
  const std::size_t row = row_length(info), rows = info.size / row;
  std::size_t pieces = (rows + kParamPiece / row - 1) / (kParamPiece / row);
  if (pieces > 1) pieces = std::min(rows, (pieces + 3) / 4 * 4);
  return pieces;
}

void trained_pieces(const std::vector<ParamInfo>& infos, std::vector<ParamPiece>& out) {
  out.clear();
  for (std::size_t t = 0; t < infos.size(); ++t) {
    const ParamInfo& info = infos[t];
    if (info.frozen) continue;
    if (const std::size_t pieces = row_pieces(info)) {
      // Piece p spans rows [rows p / pieces, rows (p + 1) / pieces): sizes differ by one row at
      // most, and half the pieces hold half the rows (LeNet's first layer: 16 pieces of 18
      // and 19 rows, 150 for each of two threads, where pieces of 19 left them 152 and 148).
      const std::size_t row = row_length(info), rows = info.size / row;
      for (std::size_t p = 0; p < pieces; ++p) {
        const std::size_t r0 = rows * p / pieces, r1 = rows * (p + 1) / pieces;
        out.push_back(ParamPiece{t, info.offset + r0 * row, (r1 - r0) * row});
      }
      continue;
    }
    for (std::size_t at = 0; at < info.size; at += kParamPiece)
      out.push_back(ParamPiece{t, info.offset + at, std::min(kParamPiece, info.size - at)});
  }
}

template <class T>
std::size_t Parameters<T>::add(std::string name, std::vector<Index> shape, bool is_weight) {
  if (find(name) >= 0) throw Error("parameter \"" + name + "\" declared twice");
  ParamInfo info;
  info.name = std::move(name);
  info.size = static_cast<std::size_t>(
      std::accumulate(shape.begin(), shape.end(), Index{1}, std::multiplies<Index>()));
  info.shape = std::move(shape);
  const std::size_t end = infos_.empty() ? 0 : infos_.back().offset + infos_.back().size;
  info.offset = (end + kTensorAlignElements - 1) / kTensorAlignElements * kTensorAlignElements;
  info.is_weight = is_weight;
  infos_.push_back(std::move(info));
  return infos_.size() - 1;
}

template <class T>
void Parameters<T>::finalize() {
  const std::size_t n = infos_.empty() ? 0 : infos_.back().offset + infos_.back().size;
  values_.assign(n, T(0));
  masks_.assign(n, T(1));
  any_pruned_ = false;
  pruned_fraction_ = 0.0;
  pruned_counts_.assign(infos_.size(), 0);
}

template <class T>
long Parameters<T>::find(const std::string& name) const {
  for (std::size_t i = 0; i < infos_.size(); ++i)
    if (infos_[i].name == name) return static_cast<long>(i);
  return -1;
}

template <class T>
void Parameters<T>::apply_masks() {
  if (!any_pruned_) return;
  T* v = values_.data();
  const T* m = masks_.data();
  const std::size_t n = values_.size();
  for (std::size_t i = 0; i < n; ++i) v[i] *= m[i];
}

template <class T>
void Parameters<T>::refresh_pruning() {
  any_pruned_ = std::any_of(masks_.begin(), masks_.end(), [](T m) { return m == T(0); });
  pruned_counts_.assign(infos_.size(), 0);
  std::size_t weights = 0, pruned = 0;
  for (std::size_t t = 0; t < infos_.size(); ++t) {
    const ParamInfo& info = infos_[t];
    if (any_pruned_) {
      const T* m = masks_.data() + info.offset;
      for (std::size_t i = 0; i < info.size; ++i) pruned_counts_[t] += m[i] == T(0);
    }
    if (!info.is_weight) continue;
    weights += info.size;
    pruned += pruned_counts_[t];
  }
  pruned_fraction_ = weights > 0 ? double(pruned) / double(weights) : 0.0;
}

template class Parameters<float>;
template class Parameters<double>;

}  // namespace ts
