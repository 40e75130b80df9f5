// Pruning: choosing weights or whole units to remove and writing the masks.
//
// A prune writes zeros into the masks of the chosen entries, zeroes those weights and their
// optimizer state (so momentum or Adam's moments cannot bring them back), and refreshes the
// parameters' pruning flag. Masks are never cleared here: pruning only removes.
//
//   magnitude  unstructured: the entries of the weight tensors with the smallest |w|
//   unit_l2    structured: whole units (rows of a dense weight, filters of a convolution)
//              with the smallest L2 norm of their incoming weights. The unit's bias goes
//              too, and so do its outgoing weights in the next dense or convolution layer
//              (the columns, or input channels, that read it), so the network computes
//              exactly what the same network with the unit physically removed computes.
//              (Not through a maxout, which mixes units: its inputs stay as they are.)
//
// `amount` is the fraction of what is still present to remove: 0.5 on a layer with 40% of its
// weights left removes 20% of the original. With `global`, one threshold over every chosen
// layer (weights compared across layers); otherwise each layer loses its own share.
// `largest_first` removes the largest instead (for the pruning-curve comparison).
// With `units` (unit_l2 on one layer only), exactly those units go, whatever their norm:
// the order another criterion chose (frame potential, Fisher; core/prune/prune_curve.h).
// With `sparsity` (magnitude only), `amount` is ignored: the smallest entries go until that
// fraction of each layer's weights is pruned (with `global`, of all the layers' weights
// together), counting what was pruned before; nothing goes when it already is.
//
// Called on the training thread between steps. Ties are broken by index, so the same
// weights give the same masks.
#pragma once

#include "core/layers/network.h"
#include "core/optim/optimizer.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ts {

enum class PruneCriterion { magnitude, unit_l2 };
const char* to_string(PruneCriterion);
std::optional<PruneCriterion> prune_criterion_from_string(std::string_view);

struct PruneRequest {
  PruneCriterion criterion = PruneCriterion::magnitude;
  std::vector<std::string> layers;  // dense/conv layer names; empty: every prunable layer
  double amount = 0.5;              // in [0, 1]
  bool global = false;
  bool largest_first = false;
  std::vector<long> units;         // unit_l2: these units of the one layer instead of `amount`
  std::optional<double> sparsity;  // magnitude: prune up to this fraction, in [0, 1]

  bool operator==(const PruneRequest&) const = default;
};

struct LayerPruneResult {
  std::string layer;
  long removed = 0;    // weights (magnitude) or units (unit_l2) removed now
  long remaining = 0;  // left after this prune
  long total = 0;      // in the layer
};

struct PruneResult {
  std::vector<LayerPruneResult> layers;
  std::string summary() const;  // "fc1: removed 117600 of 235200 weights (117600 left); ..."
};

// Throws ts::Error naming the field (an unknown layer, a layer without weights, amount
// outside [0, 1]) before changing anything.
PruneResult prune(Network<float>& net, Optimizer& optimizer, const PruneRequest& request);

// How many of `layer`'s weights are still present (mask not zero), and how many it has.
struct WeightCount {
  long present = 0, total = 0;
};
WeightCount weights_present(const Network<float>& net, const std::string& layer);

// Names of the layers that have a prunable weight tensor, in order.
std::vector<std::string> prunable_layers(const Network<float>& net);

}  // namespace ts
