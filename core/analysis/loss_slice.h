// A 2-D slice of the loss around a weight vector w (Li et al. 2018): the loss and accuracy at
// w + a d1 + b d2 over an N x N grid of (a, b) in [-span, span]^2, on fixed samples (no
// dropout), with
//   - filter-normalized random directions: a Gaussian direction whose slice for each unit (a
//     dense layer's row of weights, a convolution's filter) is scaled to that unit's norm in w,
//     biases zero, pruned weights zero; so a step of 1 moves every unit by its own size;
//   - a fast path when the first layer with parameters is dense (LeNet-300-100): its
//     pre-activation is linear in its weights, so on the plane it is P0 + a P1 + b P2 with
//     P0 = W X + bias, P1 = D1 X, P2 = D2 X computed once; each grid point then combines them
//     and runs only the layers after it;
//   - a row path when that layer is followed by a piecewise linear activation (ReLU, leaky
//     ReLU, identity) and a second dense layer (LeNet-300-100 again): along a row of the grid
//     (b fixed, a rising) the activation is h = s (Z + a P1) with Z = P0 + b P2 and slopes s
//     that change only where a unit's input crosses zero, so the second layer's output
//     (W2 + b E2 + a D2) h is K0 + a K1 + a^2 K2 (E2, D2 the directions' slices of W2), and a
//     crossing adds its unit's column of W2 + b E2 and of D2 to the three; only the layers
//     after the second dense layer run per point (with a piecewise linear activation there
//     applied as K0 + a K1 + a^2 K2 is formed; when what follows is one dense layer of up to
//     16 classes and softmax cross-entropy, those two run 16 samples at a time, a sample a
//     lane of each class's logits, with AVX-512). Each row's first K comes from walking the
//     grid's first column the same way: [W2; E2; D2] (s P0, s P1, s P2), nine products kept up
//     to date by a column per crossing, combine into it with no product of its own.
// The naive path evaluates the whole network at every point; all give the same grid up to
// float rounding.
// Grid points run in parallel (oneTBB, the caller's arena); each point's sum over its samples
// is taken in a fixed order, so the grid does not depend on the threads.
#pragma once

#include "core/data/dataset.h"
#include "core/layers/loss.h"
#include "core/layers/network.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

namespace ts {

// A direction laid out like `net`'s parameters, filter-normalized to `w` (see above).
std::vector<float> filter_normalized_direction(const Network<float>& net, std::span<const float> w,
                                               uint64_t seed);
// The norm of each unit (row of a dense weight, filter of a convolution) of every weight
// tensor of `v`, in tensor order: what the normalization matches.
std::vector<double> unit_norms(const Network<float>& net, std::span<const float> v);

// The top two principal directions of a trajectory (Li et al. 2018): of the differences of
// each state to the last, uncentred, by the eigenvectors of their k x k Gram matrix. The
// directions are unit vectors; `explained` is each one's share of the differences' total
// squared norm; `path` holds each state's coordinates (its difference's dot products with
// the two directions), the last at (0, 0). Throws ts::Error with fewer than 3 states (two
// differences), states of different sizes, or states all equal to the last (no direction). A
// path along one line has a second direction of zeros, with a share of 0.
struct TrajectoryPlane {
  std::vector<float> d1, d2;
  double explained[2] = {0, 0};
  std::vector<std::pair<double, double>> path;
};
TrajectoryPlane trajectory_plane(const std::vector<std::vector<float>>& states);

struct SliceGrid {
  int n = 0;                           // points a side
  double span = 1.0;                   // a and b from -span to span
  std::vector<double> loss, accuracy;  // row-major: index = i_b * n + i_a
  // Symmetric about 0, and 0 exactly at the centre of an odd grid.
  double coordinate(int i) const { return n == 1 ? 0.0 : span * (2.0 * i - (n - 1)) / (n - 1); }
};

// automatic: the row path where it applies, else the first-layer path where it applies, else
// naive; first_layer: never the row path (for tests and benchmarks).
enum class SlicePath { automatic, first_layer, naive };

// Which way the automatic choice goes for `net`: by rows, by the first layer's products, or
// through the whole network at every point (a first layer that is a convolution, as Conv-2's:
// points x samples forward passes).
enum class SliceRoute { rows, first_layer, whole_network };
SliceRoute slice_route(const Network<float>& net);

// Off the row path every point runs the network on every sample, and a slice can take
// minutes (Conv-2: 41 x 41 points of 10,000 images, about 40 minutes on two cores). Those
// paths take the points coarse to fine: first a lattice about the centre point (n - 1) / 2
// of stride slice_strides(n)[0], the largest power of two that leaves at least two of its
// points on each side of the centre (5 x 5 points of 41 x 41, 1/67 of the work), then each
// halved stride's new points, down to 1. After each level but the last, a preview gets the
// grid so far as coarse_fill(grid, stride) makes it, that level's stride, and how many points
// are computed.
using SlicePreview = std::function<void(const SliceGrid& filled, int stride, std::size_t computed)>;
std::vector<int> slice_strides(int n);
// Whether index i (of n a side) is on the lattice of `stride` about the centre.
bool on_lattice(int n, int stride, int i);
// The index of that lattice nearest to i, within [0, n) (half way: the one nearer the centre,
// whose block in a coarse map is then the widest).
int lattice_nearest(int n, int stride, int i);
// g with every point holding the value of the point of the lattice of `stride` nearest to it,
// by row and by column (a lattice point keeps its own).
SliceGrid coarse_fill(const SliceGrid& g, int stride);

// The grid over the first `samples` of `data`; w and the directions are taken as given (a
// network's values are zero where pruned, and so is a filter-normalized direction).
// Throws ts::Error on sizes that do not match the network, or n < 1.
// `progress` (any thread, the fraction of the work done: of the points, and off the row path
// of each point's chunks of samples), `cancel` (points not yet finished once it turns true
// are left NaN, and no preview follows) and `preview` (on the calling thread, off the row
// path: see SlicePreview) serve the window's analysis jobs.
SliceGrid loss_slice(const Network<float>& net, LossKind loss, std::span<const float> w,
                     std::span<const float> d1, std::span<const float> d2, const Dataset& data,
                     Index samples, int n, double span, SlicePath path = SlicePath::automatic,
                     const std::atomic<bool>* cancel = nullptr,
                     const std::function<void(double)>& progress = {},
                     const SlicePreview& preview = {});

}  // namespace ts
