// The tables and one-line summaries of the instruments' results, beside their figures
// (core/chart/analysis_charts.h): `trainscope-cli analyze` / `lottery` and the window write
// the same CSV files and say the same sentence for one result. Pure functions of the results.
#pragma once

#include "core/analysis/interpolation.h"
#include "core/analysis/landscape.h"
#include "core/analysis/layer_geometry.h"
#include "core/analysis/sharpness.h"
#include "core/analysis/weight_matrices.h"
#include "core/procedures/lottery.h"
#include "core/procedures/lr_range_test.h"
#include "core/procedures/prune_retrain.h"
#include "core/procedures/update_projection.h"
#include "core/prune/prune_curve_set.h"

#include <string>
#include <vector>

namespace ts {

// Rows of a CSV file, the header first (write with core/io/csv_writer.h, csv_text).
using Table = std::vector<std::vector<std::string>>;

// lr-range.csv: lr, loss, smoothed_loss.
Table lr_range_table(const LrRangeResult& r);
// alpha, train_loss, train_accuracy, test_loss, test_accuracy.
Table interpolation_table(const std::vector<InterpolationPoint>& line);
// "the training loss falls monotonically from 2.30 at the initialization to 0.05 (test 0.07)",
// or where it rises on the way.
std::string interpolation_summary(const std::vector<InterpolationPoint>& line);
// samples, top_eigenvalue, iterations, converged, trace, trace_probes, loss, lr, two_over_lr.
Table sharpness_table(const Sharpness& s, double lr);
std::string sharpness_summary(const Sharpness& s, double lr);
// landscape-path.csv (the trajectory's plane): step, a, b.
Table landscape_path_table(const Landscape& l);
// "41 x 41 over [-1, 1]^2 along filter-normalized random directions: test loss 0.071 at the
// centre, lowest 0.069 at (0.05, -0.1), highest 9.2" (and the principal directions' shares).
std::string landscape_summary(const Landscape& l);
// Before a slice runs, what it costs where no shortcut applies (SliceRoute::whole_network):
// `grid` points a side over `samples` images, in forward passes and in epochs of training on
// `train_size` samples (a training sample is three forward passes' work); empty otherwise, and
// below `at_least` epochs.
std::string landscape_cost_note(SliceRoute route, int grid, Index samples, Index train_size,
                                double at_least = 0);
// "suggested rates A to B: the loss falls fastest at ... and is lowest at ..." (or why not).
std::string lr_range_summary(const LrRangeResult& r);

// update-projection.csv: k, test_accuracy, test_loss.
Table update_projection_table(const UpdateProjection& p);
// The accuracy at k = 1, 5, 10, 20 and 50 (those the curve has) and with every direction.
std::string update_projection_summary(const UpdateProjection& p);

// prune-curves-<layer>.csv: removed, then each criterion's order, each random order, their
// mean and std.
Table prune_curves_table(const PruneCurveSet& set);

// prune-retrain.csv: sparsity, removed, accuracy and loss pruned and retrained.
Table prune_retrain_table(const std::vector<PruneRetrainPoint>& points);
// The last target: how much was removed, the accuracy pruned and fine-tuned, and dense.
std::string prune_retrain_summary(const std::vector<PruneRetrainPoint>& points);

// lottery.csv: round, remaining, the ticket's and the control's accuracy and loss, and each
// layer's weights remaining.
Table lottery_table(const std::vector<LotteryRound>& rounds);
// The last round's ticket (and control) against the dense network.
std::string lottery_summary(const std::vector<LotteryRound>& rounds);

// geometry.csv: a row per layer (frame potential, median angle, mean cosine, now and at
// initialization).
Table geometry_table(const std::vector<LayerGeometry>& layers);
// geometry-<layer>.csv: a row per unit (cluster, angle, principal coordinates, now and at
// initialization).
Table geometry_units_table(const LayerGeometry& g);

// singular-values.csv: layer, index, singular value of W and of W - W0.
Table singular_values_table(const std::vector<LayerSpectrum>& layers);

}  // namespace ts
