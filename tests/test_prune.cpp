// Structured pruning: a network with units removed by unit_l2 computes exactly what the
// same network with those units physically taken out computes.
#include "core/error.h"
#include "core/layers/network.h"
#include "core/optim/optimizer.h"
#include "core/prune/prune.h"
#include "core/rng.h"

#include <doctest/doctest.h>

#include <set>

using namespace ts;

namespace {

LayerSpec dense(Index units) {
  LayerSpec s;
  s.kind = LayerKind::dense;
  s.units = units;
  return s;
}
LayerSpec conv(Index filters) {
  LayerSpec s;
  s.kind = LayerKind::conv2d;
  s.filters = filters;
  s.kernel = 3;
  s.padding = 1;
  return s;
}
LayerSpec activation(ActivationKind k) {
  LayerSpec s;
  s.kind = LayerKind::activation;
  s.activation = k;
  return s;
}
LayerSpec simple(LayerKind k) {
  LayerSpec s;
  s.kind = k;
  return s;
}

// The units (rows) of `layer` whose mask is all zero.
std::set<Index> removed_units(const Network<float>& net, const std::string& layer) {
  const auto& p = net.params();
  const auto w = std::size_t(p.find(layer + ".weight"));
  const auto rows = std::size_t(p.info(w).shape.at(0));
  const std::size_t row = p.info(w).size / rows;
  std::set<Index> out;
  for (std::size_t r = 0; r < rows; ++r) {
    bool all = true;
    for (std::size_t j = 0; j < row; ++j) all &= p.masks(w)[r * row + j] == 0.0f;
    if (all) out.insert(Index(r));
  }
  return out;
}

// `net` with the `gone` units of `layer` taken out: that layer has fewer rows, its consumer
// `next` fewer columns (input f belongs to unit f % units), every other tensor is copied.
Network<float> physically_removed(const Network<float>& net, const std::string& layer,
                                  const std::string& next, const std::set<Index>& gone) {
  ModelSpec spec = net.spec();
  for (auto& l : spec.layers)
    if (l.name == layer) (l.kind == LayerKind::dense ? l.units : l.filters) -= Index(gone.size());
  Network<float> small(spec);
  const auto& from = net.params();
  auto& to = small.params();
  const Index units = from.info(std::size_t(from.find(layer + ".weight"))).shape.at(0);
  for (std::size_t t = 0; t < to.infos().size(); ++t) {
    const ParamInfo& info = to.info(t);
    const auto src_index = std::size_t(from.find(info.name));
    const auto src = from.values(src_index);
    auto dst = to.values(t);
    const std::size_t src_rows = std::size_t(from.info(src_index).shape.at(0));
    const std::size_t src_row = src.size() / src_rows;
    std::size_t k = 0;
    if (info.name == layer + ".weight" || info.name == layer + ".bias") {
      for (std::size_t r = 0; r < src_rows; ++r)
        if (!gone.count(Index(r)))
          for (std::size_t j = 0; j < src_row; ++j) dst[k++] = src[r * src_row + j];
    } else if (info.name == next + ".weight") {
      for (std::size_t r = 0; r < src_rows; ++r)
        for (std::size_t j = 0; j < src_row; ++j)
          if (!gone.count(Index(j) % units)) dst[k++] = src[r * src_row + j];
    } else {
      for (float v : src) dst[k++] = v;
    }
    REQUIRE(k == dst.size());
  }
  return small;
}

Matrix<float> outputs(const Network<float>& net, const Matrix<float>& x) {
  typename Network<float>::Workspace ws;
  net.prepare(ws);
  ws.acts[0] = x;
  return net.forward(ws, PassContext{});
}

void check_removal_is_exact(const ModelSpec& base, const std::string& layer,
                            const std::string& next, double amount) {
  ModelSpec spec = base;
  assign_names(spec);
  Network<float> net(spec);
  Rng rng(7);
  net.initialize(InitSpec{}, InitSpec{}, rng);
  // Biases away from zero, so a removed unit would leave a trace through them.
  for (const auto& info : net.params().infos())
    if (!info.is_weight)
      for (auto& v : net.params().values(std::size_t(&info - net.params().infos().data())))
        v = float(rng.uniform(-1.0, 1.0));
  OptimizerSettings settings;
  auto optimizer = make_optimizer(settings, net.params().total_size());
  PruneRequest r;
  r.criterion = PruneCriterion::unit_l2;
  r.layers = {layer};
  r.amount = amount;
  const PruneResult res = prune(net, *optimizer, r);
  const std::set<Index> gone = removed_units(net, layer);
  REQUIRE(long(gone.size()) == res.layers.at(0).removed);
  REQUIRE(!gone.empty());

  const Network<float> small = physically_removed(net, layer, next, gone);
  Matrix<float> x(spec.input.size(), 16);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = float(rng.uniform(-2.0, 2.0));
  const Matrix<float> a = outputs(net, x), b = outputs(small, x);
  REQUIRE(a.rows() == b.rows());
  const float diff = (a - b).cwiseAbs().maxCoeff();
  CAPTURE(layer);
  CHECK(diff <= 1e-5f * std::max(1.0f, a.cwiseAbs().maxCoeff()));
  // Without the consumer's columns the sigmoid's 0.5 would still reach the next layer.
  CHECK(a.cwiseAbs().maxCoeff() > 0.0f);
}

}  // namespace

TEST_CASE("unit_l2 pruning equals the network with the units physically removed") {
  SUBCASE("dense into dense, through a sigmoid that is not zero at zero") {
    ModelSpec s;
    s.input = Shape3{1, 1, 6};
    s.layers = {dense(8), activation(ActivationKind::sigmoid), dense(5),
                activation(ActivationKind::tanh), dense(3)};
    check_removal_is_exact(s, "fc1", "fc2", 0.25);
    check_removal_is_exact(s, "fc2", "fc3", 0.4);
  }
  SUBCASE("convolution into convolution") {
    ModelSpec s;
    s.input = Shape3{5, 5, 2};
    s.layers = {conv(4), activation(ActivationKind::sigmoid), conv(3), simple(LayerKind::flatten),
                dense(2)};
    check_removal_is_exact(s, "conv1", "conv2", 0.5);
  }
  SUBCASE("convolution through pooling and flattening into dense") {
    ModelSpec s;
    s.input = Shape3{6, 6, 2};
    s.layers = {conv(3),
                activation(ActivationKind::sigmoid),
                simple(LayerKind::max_pool),
                simple(LayerKind::dropout),
                simple(LayerKind::flatten),
                dense(4)};
    check_removal_is_exact(s, "conv1", "fc1", 0.34);
  }
}

TEST_CASE("structured pruning keeps the removed units' outgoing weights at zero") {
  ModelSpec s;
  s.input = Shape3{1, 1, 4};
  s.layers = {dense(6), activation(ActivationKind::relu), dense(3)};
  assign_names(s);
  Network<float> net(s);
  Rng rng(3);
  net.initialize(InitSpec{}, InitSpec{}, rng);
  auto optimizer = make_optimizer(OptimizerSettings{}, net.params().total_size());
  PruneRequest r;
  r.criterion = PruneCriterion::unit_l2;
  r.layers = {"fc1"};
  r.amount = 0.5;
  prune(net, *optimizer, r);
  const auto gone = removed_units(net, "fc1");
  REQUIRE(gone.size() == 3);
  const auto w2 = std::size_t(net.params().find("fc2.weight"));
  for (Index row = 0; row < 3; ++row)
    for (Index u = 0; u < 6; ++u) {
      const auto i = std::size_t(row * 6 + u);
      CHECK((net.params().masks(w2)[i] == 0.0f) == bool(gone.count(u)));
      if (gone.count(u)) CHECK(net.params().values(w2)[i] == 0.0f);
    }
  // The output layer has no consumer: pruning its units touches nothing else.
  r.layers = {"fc2"};
  r.amount = 0.34;
  const PruneResult res = prune(net, *optimizer, r);
  CHECK(res.layers.at(0).removed == 1);
}

TEST_CASE(
    "pruning listed units removes exactly those, and bad lists are refused before any change") {
  ModelSpec s;
  s.input = Shape3{1, 1, 4};
  s.layers = {dense(6), activation(ActivationKind::relu), dense(3)};
  assign_names(s);
  Network<float> net(s);
  Rng rng(3);
  net.initialize(InitSpec{}, InitSpec{}, rng);
  auto optimizer = make_optimizer(OptimizerSettings{}, net.params().total_size());
  PruneRequest r;
  r.criterion = PruneCriterion::unit_l2;
  r.layers = {"fc1"};
  r.units = {4, 0, 4};
  const PruneResult res = prune(net, *optimizer, r);
  CHECK(res.layers.at(0).removed == 2);
  CHECK(removed_units(net, "fc1") == std::set<Index>{0, 4});

  r.units = {6};
  CHECK_THROWS_WITH_AS(prune(net, *optimizer, r), doctest::Contains("6 is not a unit of \"fc1\""),
                       Error);
  r.units = {1};
  r.layers = {"fc1", "fc2"};
  CHECK_THROWS_WITH_AS(prune(net, *optimizer, r), doctest::Contains("exactly one layer"), Error);
  r.layers = {"fc1"};
  r.criterion = PruneCriterion::magnitude;
  CHECK_THROWS_WITH_AS(prune(net, *optimizer, r), doctest::Contains("unit_l2"), Error);
  CHECK(removed_units(net, "fc1") == std::set<Index>{0, 4});
}
