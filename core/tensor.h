// Basic numeric types shared by the whole core.
//
// Activations travel as column-major matrices of shape (features, batch): one sample is
// one contiguous column. Image features are laid out height-width-channel with the
// channel fastest, so a convolution's GEMM output already is the next layer's input.
// Weight matrices are row-major (out, in), so each unit's weight vector is a contiguous
// row and the raw bytes match PyTorch's [out, in] layout.
#pragma once

#include <Eigen/Core>
#include <Eigen/StdVector>

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

using Index = Eigen::Index;

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

template <class T>
using MatrixMap = Eigen::Map<Matrix<T>>;
template <class T>
using ConstMatrixMap = Eigen::Map<const Matrix<T>>;
// Whole columns of a Matrix (a middleCols block, say) or a Matrix itself, without a copy.
template <class T>
using ConstColumnsRef = Eigen::Ref<const Matrix<T>, 0, Eigen::OuterStride<>>;
template <class T>
using RowMatrixMap = Eigen::Map<RowMatrix<T>>;
template <class T>
using ConstRowMatrixMap = Eigen::Map<const RowMatrix<T>>;
template <class T>
using VectorMap = Eigen::Map<Vector<T>>;
template <class T>
using ConstVectorMap = Eigen::Map<const Vector<T>>;

// A vector whose data is aligned for the widest SIMD loads (64 bytes with AVX-512).
// Flat parameter and gradient buffers use it: Eigen's vectorized reductions start at the
// first aligned element, so the rounding of a sum depends on the buffer's address; with
// every buffer aligned the same way, results are bit-identical from run to run.
template <class T>
using AlignedVector = std::vector<T, Eigen::aligned_allocator<T>>;
// Tensor offsets inside flat buffers are multiples of this many elements (64 bytes).
inline constexpr std::size_t kTensorAlignElements = 16;

// Shape of one sample: height, width, channels. Flat features use {1, 1, n}.
struct Shape3 {
  Index height = 1;
  Index width = 1;
  Index channels = 1;
  Index size() const { return height * width * channels; }
  bool operator==(const Shape3&) const = default;
};

std::string to_string(const Shape3& s);

}  // namespace ts
