// The instruments' tables and summaries (core/chart/analysis_tables.h): what both
// `trainscope-cli analyze` and the window write into a run directory, checked against
// results made by hand.
#include "core/chart/analysis_tables.h"

#include <doctest/doctest.h>

using namespace ts;

TEST_CASE("analysis tables: a row per point under the command line's header") {
  LrRangeResult lr;
  lr.points = {{1e-4, 2.3, 2.3}, {1e-3, 2.0, 2.2}, {1e-2, 0.9, 1.5}};
  const Table t = lr_range_table(lr);
  REQUIRE(t.size() == 4);
  CHECK(t[0] == std::vector<std::string>{"lr", "loss", "smoothed_loss"});
  CHECK(t[3] == std::vector<std::string>{"0.01", "0.9", "1.5"});

  std::vector<PruneRetrainPoint> pr(2);
  pr[0] = {0.0, 0.0, 0.98, 0.98, 0.07, 0.07};
  pr[1] = {0.9, 0.9, 0.41, 0.97, 1.9, 0.1};
  CHECK(prune_retrain_table(pr).back() ==
        std::vector<std::string>{"0.9", "0.9", "0.41", "0.97", "1.9", "0.1"});
  CHECK(prune_retrain_summary(pr) ==
        "90.00% removed: 41.00% pruned, 97.00% after fine-tuning (dense 98.00%)");

  std::vector<LotteryRound> rounds(2);
  rounds[0].ticket_accuracy = 0.97;
  rounds[1].round = 1;
  rounds[1].remaining = 0.8;
  rounds[1].ticket_accuracy = 0.975;
  rounds[1].control_accuracy = 0.96;
  const Table lt = lottery_table(rounds);
  CHECK(lt[1][4].empty());  // round 0 has no control
  CHECK(lt[2][4] == "0.96");
  CHECK(lottery_summary(rounds) ==
        "1 rounds: the ticket with 80.00% of the weights reaches 97.50%, its re-sampled control "
        "96.00% (dense 97.00%)");
}

TEST_CASE("analysis summaries: the update projection reads k = 1, 5, 10, 20 and 50") {
  UpdateProjection p;
  for (Index k : {1, 2, 5, 10, 20, 50, 100, 300}) p.points.push_back({k, 0.5 + 0.001 * k, 1.0});
  p.trained_accuracy = 0.9;
  CHECK(update_projection_summary(p) ==
        "k = 1: 50.10%, k = 5: 50.50%, k = 10: 51.00%, k = 20: 52.00%, k = 50: 55.00%, every "
        "direction: 90.00%");
  CHECK(update_projection_table(p).size() == 9);

  LrRangeResult none;
  none.stopped = "the smoothed loss passed 4 times its lowest";
  CHECK(lr_range_summary(none) ==
        "the smoothed loss never fell below its start: no range to suggest; stopped: the "
        "smoothed loss passed 4 times its lowest");
}

TEST_CASE("interpolation summaries: monotonic, over a barrier, and a line not judged") {
  auto line = [](std::vector<std::pair<double, double>> alpha_loss) {
    std::vector<InterpolationPoint> out;
    for (const auto& [a, l] : alpha_loss) out.push_back({a, l, 0.5, l, 0.5});
    return out;
  };
  CHECK(interpolation_summary(line({{-0.5, 9}, {0, 3}, {0.5, 1}, {1, 0.5}, {1.5, 2}})) ==
        "the training loss falls monotonically from 3 at alpha 0 to 0.5 at alpha 1 (test 3 to "
        "0.5)");
  // Ends at 1 and 2, the highest point 5: a barrier of 3 above the higher end.
  const auto over = line({{0, 1}, {0.5, 5}, {1, 2}});
  CHECK(interpolation_shape(over).barrier == 3.0);
  CHECK(interpolation_summary(over).rfind("the training loss goes from 1 at alpha 0 to 2 at alpha "
                                          "1 over a barrier of 3 (5 at alpha 0.5",
                                          0) == 0);
  // The same weights at both ends (a run that did not move): flat, not falling.
  CHECK(interpolation_summary(line({{-0.5, 2}, {0, 0.5}, {0.5, 0.5}, {1, 0.5}})) ==
        "the training loss stays at 0.5 from alpha 0 to 1 (are the two ends the same weights?)");
  // One point in [0, 1] (alpha -1e30, 0 and 1e30): no shape.
  const auto wide = line({{-1e30, NAN}, {0, 3}, {1e30, NAN}});
  CHECK_FALSE(interpolation_shape(wide).valid);
  CHECK(interpolation_summary(wide) ==
        "fewer than two points with alpha in [0, 1]: nothing to say of the line between its ends");
  // A loss that is not finite inside [0, 1]: the comparisons would call the line monotonic.
  const auto broken = line({{0, 3}, {0.5, NAN}, {1, 1}});
  const InterpolationShape s = interpolation_shape(broken);
  CHECK_FALSE(s.valid);
  REQUIRE(s.non_finite);
  CHECK(*s.non_finite == 1);
  CHECK(interpolation_summary(broken) ==
        "the training loss is not a number at alpha 0.5: the line's shape is not judged");
  CHECK(interpolation_summary(line({{0, 3}, {0.5, INFINITY}, {1, 1}})) ==
        "the training loss is infinite at alpha 0.5: the line's shape is not judged");
}

TEST_CASE("landscape summaries: the lowest and highest of the points with a loss") {
  Landscape l;
  l.directions = "random";
  l.grid.n = 3;
  l.grid.span = 2;
  // NaN first, where a comparison of every other value with it would keep it the lowest.
  l.grid.loss = {NAN, 4, 9, 3, 1.5, 8, NAN, 2, 7};
  l.grid.accuracy.assign(9, 0.5);
  CHECK(l.lowest() == 4);
  CHECK(l.highest() == 2);
  CHECK(l.not_a_number() == 2);
  CHECK(landscape_summary(l) ==
        "3 x 3 over [-2, 2]^2 along filter-normalized random directions: test loss 1.5 at the "
        "centre, lowest 1.5 at (0, 0), highest 9; 2 of the 9 points have no loss (not a number)");
  l.grid.loss.assign(9, NAN);
  CHECK(l.lowest() == l.centre());
  CHECK(l.highest() == l.centre());
}

TEST_CASE("landscape cost notes: forward passes and epochs where every point runs the network") {
  // 41^2 points x 10,000 images = 16,810,000 passes = 5,603,333 training samples' work, 101.9
  // epochs of 55,000.
  CHECK(landscape_cost_note(SliceRoute::whole_network, 41, 10000, 55000) ==
        "Every point runs the whole network here (its first layer is not dense): 41 x 41 points "
        "of 10000 images are 16.8 million forward passes, the work of about 102 epochs of "
        "training. It grows with the images and with the square of the points a side.");
  // 3^2 x 100 = 900 passes = 300 samples' work of 2,000.
  CHECK(landscape_cost_note(SliceRoute::whole_network, 3, 100, 2000) ==
        "Every point runs the whole network here (its first layer is not dense): 3 x 3 points "
        "of 100 images are 900 forward passes, the work of 0.15 of an epoch of training. It "
        "grows with the images and with the square of the points a side.");
  // Conv-2's benchmark: 21^2 x 2,000 = 882,000 passes, 294,000 samples' work, 5.35 epochs.
  CHECK(landscape_cost_note(SliceRoute::whole_network, 21, 2000, 55000) ==
        "Every point runs the whole network here (its first layer is not dense): 21 x 21 points "
        "of 2000 images are 882 thousand forward passes, the work of about 5.35 epochs of "
        "training. It grows with the images and with the square of the points a side.");
  // 900 passes = 300 samples' work = one epoch of 300.
  CHECK(landscape_cost_note(SliceRoute::whole_network, 3, 100, 300) ==
        "Every point runs the whole network here (its first layer is not dense): 3 x 3 points "
        "of 100 images are 900 forward passes, the work of about 1 epoch of training. It grows "
        "with the images and with the square of the points a side.");
  // Under a floor of epochs, nothing: 5.35 epochs, then 0.15.
  CHECK_FALSE(landscape_cost_note(SliceRoute::whole_network, 21, 2000, 55000, 5).empty());
  CHECK(landscape_cost_note(SliceRoute::whole_network, 21, 2000, 55000, 6).empty());
  CHECK(landscape_cost_note(SliceRoute::whole_network, 3, 100, 2000, 1).empty());
  CHECK(landscape_cost_note(SliceRoute::rows, 41, 10000, 55000).empty());
  CHECK(landscape_cost_note(SliceRoute::first_layer, 41, 10000, 55000).empty());
}

TEST_CASE("sharpness summaries: counts in the singular for one, and no 2/lr at a rate of 0") {
  Sharpness s;
  s.top_eigenvalue = 2.5;
  s.samples = 1;
  s.iterations = 1;
  s.converged = true;
  s.trace = 7;
  s.trace_probes = 1;
  CHECK(sharpness_summary(s, 0.05) ==
        "top Hessian eigenvalue 2.5 on 1 sample (1 Hessian-vector product, converged); 2/lr = 40; "
        "trace 7 (Hutchinson, 1 probe)");
  s.samples = 2048;
  s.iterations = 18;
  s.converged = false;
  s.trace = NAN;
  CHECK(sharpness_summary(s, 0) ==
        "top Hessian eigenvalue 2.5 on 2048 samples (18 Hessian-vector products, not converged); "
        "no 2/lr at a learning rate of 0");
}
