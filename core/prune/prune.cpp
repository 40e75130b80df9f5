#include "core/prune/prune.h"

#include "core/error.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>

namespace ts {

const char* to_string(PruneCriterion c) {
  switch (c) {
    case PruneCriterion::magnitude:
      return "magnitude";
    case PruneCriterion::unit_l2:
      return "unit_l2";
  }
  return "unknown";
}

std::optional<PruneCriterion> prune_criterion_from_string(std::string_view s) {
  for (auto c : {PruneCriterion::magnitude, PruneCriterion::unit_l2})
    if (s == to_string(c)) return c;
  return std::nullopt;
}

std::vector<std::string> prunable_layers(const Network<float>& net) {
  std::vector<std::string> out;
  for (const auto& info : net.params().infos())
    if (info.is_weight) out.push_back(info.name.substr(0, info.name.find('.')));
  return out;
}

WeightCount weights_present(const Network<float>& net, const std::string& layer) {
  const auto& p = net.params();
  const long w = p.find(layer + ".weight");
  if (w < 0) throw Error("no layer with weights is named \"" + layer + "\"");
  const auto m = p.masks(std::size_t(w));
  return {long(std::count_if(m.begin(), m.end(), [](float v) { return v != 0.0f; })),
          long(m.size())};
}

std::string PruneResult::summary() const {
  std::string out;
  for (const auto& l : layers)
    out += (out.empty() ? "" : "; ") + l.layer + ": removed " + std::to_string(l.removed) + " of " +
           std::to_string(l.total) + " (" + std::to_string(l.remaining) + " left)";
  return out;
}

namespace {

struct Target {
  std::string layer;
  long weight = -1, bias = -1;  // tensor indices
  std::size_t rows = 0, row_size = 0;
  // The layer that reads this one's units (units only): its weight tensor and row length.
  long consumer = -1;
  std::size_t consumer_row_size = 0;
};

// The weight tensor of the layer that reads layer `l`'s units, when each of its inputs comes
// from exactly one of them: the next dense or convolution layer, with only elementwise
// layers, pooling and flattening between (they keep a unit's channel apart from the others).
// Its input at flat position f (height-width-channel order) then belongs to unit f % units.
// -1 when there is none (the output layer) or a maxout mixes the units.
long consumer_weight(const Network<float>& net, std::size_t l) {
  for (std::size_t i = l + 1; i < net.num_layers(); ++i) {
    switch (net.layer(i).spec().kind) {
      case LayerKind::activation:
      case LayerKind::dropout:
      case LayerKind::prelu:
      case LayerKind::max_pool:
      case LayerKind::flatten:
        continue;
      case LayerKind::dense:
      case LayerKind::conv2d:
        return net.layer(i).weight_index();
      case LayerKind::maxout:
        return -1;
    }
  }
  return -1;
}

// A candidate for removal: a weight entry or a unit, with its score.
struct Candidate {
  double score;
  std::size_t target, index;  // index: entry within the tensor, or unit (row)
};

// Picks `k` candidates (smallest score first, or largest), ties by position; returns them.
std::vector<Candidate> pick(std::vector<Candidate> c, std::size_t k, bool largest_first) {
  k = std::min(k, c.size());
  auto less = [&](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return largest_first ? a.score > b.score : a.score < b.score;
    if (a.target != b.target) return a.target < b.target;
    return a.index < b.index;
  };
  if (k < c.size()) std::nth_element(c.begin(), c.begin() + long(k), c.end(), less);
  c.resize(k);
  return c;
}

// How many of `present` entries (of `total`) to remove: `amount` of what is present, or up
// to `sparsity` of the total.
std::size_t to_remove(const PruneRequest& req, std::size_t present, long total) {
  if (!req.sparsity) return std::size_t(std::llround(req.amount * double(present)));
  const long pruned = total - long(present);
  const long wanted = std::llround(*req.sparsity * double(total));
  return std::size_t(std::clamp<long>(wanted - pruned, 0, long(present)));
}

}  // namespace

PruneResult prune(Network<float>& net, Optimizer& optimizer, const PruneRequest& req) {
  if (!(req.amount >= 0.0 && req.amount <= 1.0))
    throw Error("prune.amount: must be in [0, 1], got " + format_number(req.amount));
  if (req.sparsity && !(*req.sparsity >= 0.0 && *req.sparsity <= 1.0))
    throw Error("prune.sparsity: must be in [0, 1], got " + format_number(*req.sparsity));
  if (req.sparsity &&
      (req.criterion != PruneCriterion::magnitude || req.largest_first || !req.units.empty()))
    throw Error(
        "prune.sparsity: prunes the smallest weights by magnitude; it does not go with unit_l2, "
        "units or "
        "largest_first");
  auto& params = net.params();
  const std::vector<std::string> names = req.layers.empty() ? prunable_layers(net) : req.layers;
  if (names.empty()) throw Error("prune.layers: the model has no prunable layer");
  std::vector<Target> targets;
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (names[i] == names[j]) throw Error("prune.layers: \"" + names[i] + "\" is listed twice");
  for (const auto& name : names) {
    Target t;
    t.layer = name;
    t.weight = params.find(name + ".weight");
    t.bias = params.find(name + ".bias");
    if (net.find_layer(name) < 0)
      throw Error("prune.layers: no layer is named \"" + name +
                  "\" (prunable: " + join(prunable_layers(net)) + ")");
    if (t.weight < 0 || !params.info(std::size_t(t.weight)).is_weight)
      throw Error("prune.layers: layer \"" + name + "\" has no weights to prune");
    const ParamInfo& w = params.info(std::size_t(t.weight));
    t.rows = std::size_t(w.shape.at(0));
    t.row_size = w.size / t.rows;
    if (req.criterion == PruneCriterion::unit_l2) {
      t.consumer = consumer_weight(net, std::size_t(net.find_layer(name)));
      if (t.consumer >= 0) {
        const ParamInfo& c = params.info(std::size_t(t.consumer));
        t.consumer_row_size = c.size / std::size_t(c.shape.at(0));
        if (t.consumer_row_size % t.rows != 0) t.consumer = -1;
      }
    }
    targets.push_back(t);
  }

  // Scores of what is still present.
  const bool units = req.criterion == PruneCriterion::unit_l2;
  std::vector<std::vector<Candidate>> per(targets.size());
  std::vector<long> totals(targets.size());
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    const Target& t = targets[ti];
    const auto v = params.values(std::size_t(t.weight));
    const auto m = params.masks(std::size_t(t.weight));
    if (!units) {
      totals[ti] = long(v.size());
      for (std::size_t i = 0; i < v.size(); ++i)
        if (m[i] != 0.0f) per[ti].push_back({std::abs(double(v[i])), ti, i});
    } else {
      totals[ti] = long(t.rows);
      for (std::size_t r = 0; r < t.rows; ++r) {
        double sq = 0.0;
        bool present = false;
        for (std::size_t j = 0; j < t.row_size; ++j) {
          const std::size_t i = r * t.row_size + j;
          present |= m[i] != 0.0f;
          sq += double(v[i]) * double(v[i]);
        }
        if (present) per[ti].push_back({std::sqrt(sq), ti, r});
      }
    }
  }
  std::vector<Candidate> chosen;
  if (!req.units.empty()) {
    if (!units || targets.size() != 1)
      throw Error("prune.units: needs the unit_l2 criterion and exactly one layer in prune.layers");
    std::vector<char> present(targets[0].rows, 0);
    for (const Candidate& c : per[0]) present[c.index] = 1;
    for (long u : req.units) {
      if (u < 0 || std::size_t(u) >= targets[0].rows)
        throw Error("prune.units: " + std::to_string(u) + " is not a unit of \"" +
                    targets[0].layer + "\" (0 to " + std::to_string(targets[0].rows - 1) + ")");
      if (present[std::size_t(u)]) chosen.push_back({0.0, 0, std::size_t(u)});
      present[std::size_t(u)] = 0;  // listed twice: removed once
    }
  } else if (req.global) {
    std::vector<Candidate> all;
    long total = 0;
    for (std::size_t ti = 0; ti < per.size(); ++ti) {
      all.insert(all.end(), per[ti].begin(), per[ti].end());
      total += totals[ti];
    }
    const auto k = to_remove(req, all.size(), total);
    chosen = pick(std::move(all), k, req.largest_first);
  } else {
    for (std::size_t ti = 0; ti < per.size(); ++ti) {
      auto c = pick(per[ti], to_remove(req, per[ti].size(), totals[ti]), req.largest_first);
      chosen.insert(chosen.end(), c.begin(), c.end());
    }
  }

  // Apply: mask, value and optimizer state of every removed entry become zero.
  auto state = optimizer.state_buffers();
  auto remove = [&](std::size_t flat) {
    params.masks()[flat] = 0.0f;
    params.values()[flat] = 0.0f;
    for (auto& [name, buf] : state) (*buf)[flat] = 0.0f;
  };
  PruneResult result;
  std::vector<long> removed(targets.size(), 0);
  for (const Candidate& c : chosen) {
    const Target& t = targets[c.target];
    const std::size_t w0 = params.info(std::size_t(t.weight)).offset;
    ++removed[c.target];
    if (!units) {
      remove(w0 + c.index);
    } else {
      for (std::size_t j = 0; j < t.row_size; ++j) remove(w0 + c.index * t.row_size + j);
      if (t.bias >= 0) remove(params.info(std::size_t(t.bias)).offset + c.index);
      // The unit's outgoing weights: without them the network is the one with the unit
      // physically removed, whatever its activation gives for a zero input.
      if (t.consumer >= 0) {
        const ParamInfo& info = params.info(std::size_t(t.consumer));
        for (std::size_t r = 0; r < std::size_t(info.shape.at(0)); ++r)
          for (std::size_t j = c.index; j < t.consumer_row_size; j += t.rows)
            remove(info.offset + r * t.consumer_row_size + j);
      }
    }
  }
  params.refresh_pruning();
  for (std::size_t ti = 0; ti < targets.size(); ++ti)
    result.layers.push_back(
        {targets[ti].layer, removed[ti], long(per[ti].size()) - removed[ti], totals[ti]});
  return result;
}

}  // namespace ts
