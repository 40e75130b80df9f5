// The figures of the instruments that run beside training, as SvgCharts, so that
// `trainscope-cli analyze` / `lottery` write them and the window draws and exports them
// from one definition: the learning-rate range test, the update projection, pruning with
// retraining and the lottery-ticket rounds. Pure functions of the results.
#pragma once

#include "core/analysis/interpolation.h"
#include "core/analysis/sharpness.h"
#include "core/chart/svg_chart.h"
#include "core/procedures/lottery.h"
#include "core/procedures/lr_range_test.h"
#include "core/procedures/prune_retrain.h"
#include "core/procedures/update_projection.h"
#include "core/prune/prune_curve_set.h"

#include <vector>

namespace ts {

// `from_init`: the test ran from the initialization rather than the current weights.
SvgChart lr_range_chart(const LrRangeResult& r, bool from_init);
// The training and test loss along the line (accuracy on a second chart), the two ends marked.
// Power iteration's estimate of the top Hessian eigenvalue after each product, converging.
SvgChart sharpness_chart(const Sharpness& s);
std::vector<SvgChart> interpolation_charts(const std::vector<InterpolationPoint>& line,
                                           const std::string& from, const std::string& to);
SvgChart update_projection_chart(const UpdateProjection& p);
// Accuracy (%) after removing units: each criterion's two orders in one colour, the largest
// first dashed, and the random orders' mean with a band of one std.
SvgChart prune_curves_chart(const PruneCurveSet& set);
SvgChart prune_retrain_chart(const std::vector<PruneRetrainPoint>& points, int64_t steps);
// `control`: the re-sampled control was trained too.
SvgChart lottery_chart(const std::vector<LotteryRound>& rounds, bool control);
// Where the tickets live: each layer's survivor dispersion over its units (solid) and its
// inputs (dashed) against the weights remaining, with 1, the spread of chance, as a line.
SvgChart lottery_spread_chart(const std::vector<LotteryRound>& rounds);
// The rows of lottery-units.csv: round, remaining, layer, axis (units or inputs) and the
// SurvivorSpread's fields.
std::vector<std::vector<std::string>> lottery_spread_table(const std::vector<LotteryRound>& rounds);

// `state` with its weights rewound to its initial values (masks kept) and its optimizer
// state cleared: the LR range test asks which rates to train an untrained network with.
RunState at_initialization(RunState state);

}  // namespace ts
