// Small synthetic classification sets, generated from a seed, for watching training on
// problems whose answer is known.
//
// Every generator returns DataSplits of float features (no normalisation: mean 0, stddev 1)
// and is a pure function of its parameters and seed, the same on every platform (ts::Rng, no
// std:: distributions). Train, validation and test each come from their own stream forked
// from the seed (streams 1, 2, 3; stream 0 is the fixed part of a problem, such as the
// teacher network or blob centres), so changing the test size leaves the training set as is.
// Unless said otherwise classes are balanced: the labels of a split are 0, 1, ..., k-1, 0, 1,
// ... (counts differ by at most one), shuffled with Fisher-Yates, and each sample is then drawn
// from its label's distribution.
//
// Parameters are checked; a bad one throws ts::Error naming the generator and the field.
// Free functions without shared state: any thread may call them.
#pragma once

#include "core/data/dataset.h"

#include <cstdint>
#include <variant>

namespace ts {

struct SplitSizes {
  Index train = 2000;
  Index validation = 500;
  Index test = 1000;
};

// XORD (Brutzkus & Globerson 2019): x in {-1, 1}^(2d), read as d consecutive pairs
// (x[2j], x[2j+1]). Label 1 (positive) when some pair holds the same value twice, (1, 1) or
// (-1, -1); label 0 when every pair is (1, -1) or (-1, 1).
// Sampling, balanced: a negative is uniform over the 2^d negatives (each pair independently
// (1, -1) or (-1, 1)); a positive is uniform over the 4^d - 2^d positives (x uniform in the
// cube, redrawn until some pair matches; acceptance 1 - 2^-d >= 1/2).
// Sample shape {1, d, 2}: d positions of 2 channels, so a 1x1 convolution sees one pair, and
// the flat layout is the 2d values in order.
struct XordParams {
  int pairs = 4;  // d, in [1, 64]
  SplitSizes sizes;
};

// Teacher-student: a fixed random teacher  logits = W2 relu(W1 x + b1) + b2  with
// W1 (hidden, input_dim) ~ N(0, 1 / input_dim), b1 ~ N(0, 0.1^2), W2 (classes, hidden)
// ~ N(0, 1 / hidden), b2 = 0, drawn from the seed; inputs x ~ N(0, I) and the label is the
// argmax of the teacher's logits (lowest index on ties). Classes are NOT balanced: their
// frequencies are whatever the teacher makes them. Sample shape {1, 1, input_dim}.
struct TeacherStudentParams {
  int input_dim = 10;   // [1, 4096]
  int hidden = 32;      // [1, 4096]
  int num_classes = 4;  // [2, 256]
  SplitSizes sizes;
};

// Spiral arms in the plane, one per class: arm c is r = t, angle = 2 pi (turns t + c / k),
// t ~ U(0.05, 1), plus N(0, noise^2) on each coordinate. Sample shape {1, 1, 2}.
struct SpiralsParams {
  int num_classes = 2;  // [2, 16]
  double turns = 1.5;   // (0, 10]
  double noise = 0.04;  // [0, 10]
  SplitSizes sizes;
};

// Two concentric circles: class 0 at inner_radius, class 1 at outer_radius, uniform angle,
// plus N(0, noise^2) on each coordinate. Sample shape {1, 1, 2}.
struct CirclesParams {
  double inner_radius = 0.5;  // (0, outer_radius)
  double outer_radius = 1.0;
  double noise = 0.05;  // [0, 10]
  SplitSizes sizes;
};

// Gaussian blobs: class c ~ N(centre_c, stddev^2 I) in `dim` dimensions. The centres sit evenly
// on a circle of radius centre_radius in the first two coordinates (0 in the others), turned
// by a random angle drawn from the seed, so neighbouring blobs are always
// 2 centre_radius sin(pi / k) apart. Sample shape {1, 1, dim}.
struct BlobsParams {
  int num_classes = 3;         // [2, 256]
  int dim = 2;                 // [2, 4096]
  double centre_radius = 2.0;  // (0, 1e6]
  double stddev = 0.5;         // [0, 1e6]
  SplitSizes sizes;
};

// 2-D XOR: label 1 when x and y have different signs. Each sample picks one of its label's
// two quadrants, draws |x|, |y| ~ U(margin, 1), then adds N(0, noise^2) to each coordinate (so
// with noise some points cross the axes: label noise near the boundary). Sample shape {1, 1, 2}.
struct XorParams {
  double margin = 0.0;  // [0, 1)
  double noise = 0.1;   // [0, 10]
  SplitSizes sizes;
};

DataSplits make_xord(const XordParams& p, uint64_t seed);
DataSplits make_teacher_student(const TeacherStudentParams& p, uint64_t seed);
DataSplits make_spirals(const SpiralsParams& p, uint64_t seed);
DataSplits make_circles(const CirclesParams& p, uint64_t seed);
DataSplits make_blobs(const BlobsParams& p, uint64_t seed);
DataSplits make_xor(const XorParams& p, uint64_t seed);

// One of the generators, chosen by the type of its parameters.
using SyntheticParams = std::variant<XordParams, TeacherStudentParams, SpiralsParams, CirclesParams,
                                     BlobsParams, XorParams>;
DataSplits make_synthetic(const SyntheticParams& p, uint64_t seed);

}  // namespace ts
