// Training runs end to end: determinism across thread counts, checkpoint round trips,
// pruning masks and frozen layers, divergence handling, the symmetry problem, the
// initialization lecture experiment, and config errors that name the key.
#include "core/data/synthetic.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"
#include "core/experiment/presets.h"
#include "core/prune/prune.h"
#include "core/run/checkpoint.h"
#include "core/run/run.h"
#include "tests/temp_dir.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

using namespace ts;

namespace {

ExperimentConfig blobs_config(const char* extra_layers = "") {
  const std::string text = std::string(R"({
    "name": "test",
    "data": {"dataset": "blobs", "classes": 3, "dim": 8, "train_size": 600, "validation_size": 100, "test_size": 300},
    "model": {"layers": [
      {"type": "dense", "units": 32, "activation": "tanh"},)") +
                           extra_layers + R"(
      {"type": "dense", "units": 16, "activation": "relu"},
      {"type": "dense", "units": 3}]},
    "optimizer": {"type": "adam"},
    "schedule": {"type": "constant", "lr": 0.01},
    "training": {"batch_size": 32, "epochs": 2, "seed": 7, "shards": 4}
  })";
  return parse_experiment_text(text, "test.json");
}

std::shared_ptr<const DataSplits> data_for(const ExperimentConfig& c) {
  return std::make_shared<DataSplits>(make_synthetic(*c.data.synthetic, c.training.seed));
}

std::vector<double> losses(Run& run, int steps) {
  std::vector<double> out;
  for (int i = 0; i < steps; ++i) out.push_back(run.train_step().loss);
  return out;
}

// Polyak and EMA averages, and a snapshot ensemble over cycles of 10 steps.
ExperimentConfig averaged_config() {
  ExperimentConfig c = blobs_config();
  c.averaging.polyak = true;
  c.averaging.ema_decay = 0.9;
  c.averaging.snapshot_ensemble = true;
  c.schedule.shape = CyclicalLr{CyclicalLr::Mode::triangular, 0.02, 5, 1.0};
  return c;
}

bool bit_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("the same seed gives bit-identical losses with 1 and 2 worker threads") {
  ExperimentConfig c = blobs_config(R"({"type": "dropout", "rate": 0.2},)");
  auto data = data_for(c);
  c.training.threads = 1;
  Run one(c, data);
  c.training.threads = 2;
  Run two(c, data);
  const auto a = losses(one, 40), b = losses(two, 40);
  CHECK(bit_equal(a, b));
  CHECK(std::memcmp(one.network().params().values().data(), two.network().params().values().data(),
                    one.network().params().total_size() * sizeof(float)) == 0);
  // Another seed gives other numbers: the check above is not vacuous.
  c.training.seed = 8;
  Run other(c, data_for(c));
  CHECK(!bit_equal(a, losses(other, 40)));
}

TEST_CASE("training learns: blobs accuracy rises well above chance") {
  ExperimentConfig c = blobs_config();
  auto data = data_for(c);
  Run run(c, data);
  const double before = run.evaluate(data->test).accuracy;
  losses(run, int(run.planned_steps()));
  const double after = run.evaluate(data->test).accuracy;
  CHECK(after > 0.9);
  CHECK(after > before);
}

TEST_CASE("checkpoint save then load resumes bit-identically, masks included") {
  ExperimentConfig c = blobs_config(R"({"type": "dropout", "rate": 0.1},)");
  auto data = data_for(c);
  Run a(c, data);
  losses(a, 25);
  // Prune a few weights of fc1 to check masks survive the round trip.
  auto& p = a.network().params();
  const auto w = std::size_t(p.find("fc1.weight"));
  for (std::size_t k = 0; k < 40; k += 3) p.masks(w)[k] = 0.0f;
  p.refresh_pruning();
  p.apply_masks();
  const testing::TempDir path_dir;
  const auto path = path_dir / "roundtrip.safetensors";
  save_checkpoint(a, path);
  const auto continued = losses(a, 30);

  Run b(checkpoint_config(path), data);
  load_checkpoint(b, path);
  CHECK(b.steps_done() == 25);
  const auto resumed = losses(b, 30);
  CHECK(bit_equal(continued, resumed));
  CHECK(std::memcmp(a.network().params().values().data(), b.network().params().values().data(),
                    p.total_size() * sizeof(float)) == 0);
  for (std::size_t k = 0; k < 40; k += 3) CHECK(b.network().params().values(w)[k] == 0.0f);
}

TEST_CASE("a corrupt or mismatched checkpoint is refused and leaves the run as it was") {
  ExperimentConfig c = blobs_config();
  auto data = data_for(c);
  Run a(c, data);
  losses(a, 5);
  const testing::TempDir path_dir;
  const auto path = path_dir / "good.safetensors";
  save_checkpoint(a, path);
  // A model with another width cannot take these weights.
  ExperimentConfig wider = c;
  wider.model.layers[0].units = 40;
  Run b(wider, data);
  const std::vector<float> before(b.network().params().values().begin(),
                                  b.network().params().values().end());
  try {
    load_checkpoint(b, path);
    FAIL("a mismatched checkpoint loaded");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("fc1.weight") != std::string::npos);
    CHECK(std::string(e.what()).find("good.safetensors") != std::string::npos);
  }
  CHECK(std::equal(before.begin(), before.end(), b.network().params().values().begin()));
  // A truncated file.
  const testing::TempDir bad_dir;
  const auto bad = bad_dir / "truncated.safetensors";
  std::filesystem::copy_file(path, bad, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(bad, std::filesystem::file_size(path) / 2);
  CHECK_THROWS_AS(load_checkpoint(b, bad), Error);
}

TEST_CASE("pruned weights and their optimizer moments stay exactly zero while training") {
  ExperimentConfig c = blobs_config();
  auto data = data_for(c);
  for (const char* opt :
       {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adadelta"}) {
    CAPTURE(opt);
    c.optimizer = OptimizerSettings{};
    c.optimizer.kind = *optimizer_kind_from_string(opt);
    c.optimizer.weight_decay = 1e-3;
    Run run(c, data);
    losses(run, 5);
    auto& p = run.network().params();
    const auto w = std::size_t(p.find("fc2.weight"));
    const auto off = p.info(w).offset;
    for (std::size_t k = 0; k < p.info(w).size; k += 2) p.masks(w)[k] = 0.0f;
    p.refresh_pruning();
    p.apply_masks();
    for (auto& [name, buf] : run.optimizer().state_buffers())
      for (std::size_t k = 0; k < p.info(w).size; k += 2) (*buf)[off + k] = 0.0f;
    losses(run, 30);
    bool zero = true;
    for (std::size_t k = 0; k < p.info(w).size; k += 2) zero = zero && p.values(w)[k] == 0.0f;
    CHECK(zero);
    for (auto& [name, buf] : run.optimizer().state_buffers())
      for (std::size_t k = 0; k < p.info(w).size; k += 2) REQUIRE((*buf)[off + k] == 0.0f);
    // The surviving weights did train.
    CHECK(p.values(w)[1] != run.initial_values()[off + 1]);
  }
}

TEST_CASE("a frozen layer gets no update, transfer learning loads and freezes") {
  ExperimentConfig c = blobs_config();
  c.training.frozen = {"fc1"};
  auto data = data_for(c);
  Run run(c, data);
  // A run with fc1 frozen reports the norm of the other layers' gradients only.
  {
    ExperimentConfig open = c;
    open.training.frozen.clear();
    Run a(open, data), b(c, data);
    const double full = a.train_step().grad_norm, partial = b.train_step().grad_norm;
    CHECK(partial < full);
  }
  losses(run, 20);
  auto& p = run.network().params();
  const auto w = std::size_t(p.find("fc1.weight"));
  CHECK(std::equal(p.values(w).begin(), p.values(w).end(),
                   run.initial_values().begin() + long(p.info(w).offset)));
  const auto w2 = std::size_t(p.find("fc2.weight"));
  CHECK(!std::equal(p.values(w2).begin(), p.values(w2).end(),
                    run.initial_values().begin() + long(p.info(w2).offset)));

  // Transfer: train a source, copy fc1 into a fresh run with fc1 frozen.
  ExperimentConfig src_cfg = blobs_config();
  Run src(src_cfg, data);
  losses(src, 30);
  const testing::TempDir path_dir;
  const auto path = path_dir / "source.safetensors";
  save_checkpoint(src, path);
  Run dst(c, data);
  const auto copied = load_weights(dst, path, {"fc1"});
  CHECK(copied == std::vector<std::string>{"fc1.weight", "fc1.bias"});
  losses(dst, 10);
  const auto& sp = src.network().params();
  CHECK(std::equal(sp.values(w).begin(), sp.values(w).end(),
                   dst.network().params().values(w).begin()));
}

TEST_CASE("a diverging step changes nothing and says what was not finite") {
  ExperimentConfig c = blobs_config();
  c.optimizer = OptimizerSettings{};
  c.schedule.base_lr = 1e30;
  auto data = data_for(c);
  Run run(c, data);
  bool diverged = false;
  for (int i = 0; i < 50 && !diverged; ++i) {
    const std::vector<float> before(run.network().params().values().begin(),
                                    run.network().params().values().end());
    const BatcherState batcher_before = run.batcher().state();
    const StepReport r = run.train_step();
    if (!r.finite) {
      diverged = true;
      CHECK(run.batcher().state() == batcher_before);
      CHECK(r.problem.find("not updated") != std::string::npos);
      CHECK(std::equal(before.begin(), before.end(), run.network().params().values().begin()));
    }
  }
  CHECK(diverged);
  for (float v : run.network().params().values()) REQUIRE(std::isfinite(v));
}

TEST_CASE("zero initialization keeps the hidden units identical (the symmetry problem)") {
  ExperimentConfig c = blobs_config();
  c.weight_init = InitSpec{InitKind::constant, 0.0};
  c.bias_init = InitSpec{InitKind::constant, 0.1};
  c.optimizer = OptimizerSettings{};
  auto data = data_for(c);
  Run run(c, data);
  losses(run, 50);
  const auto& p = run.network().params();
  const auto w = p.values(std::size_t(p.find("fc1.weight")));
  const std::size_t in = 8;
  bool identical = true;
  for (std::size_t unit = 1; unit < 32; ++unit)
    for (std::size_t k = 0; k < in; ++k) identical = identical && w[unit * in + k] == w[k];
  CHECK(identical);
  // With a random init the rows differ.
  c.weight_init = InitSpec{InitKind::xavier_normal};
  Run random(c, data);
  losses(random, 5);
  const auto& p2 = random.network().params();
  CHECK(p2.values(std::size_t(p2.find("fc1.weight")))[0] !=
        p2.values(std::size_t(p2.find("fc1.weight")))[in]);
}

namespace {
// Standard deviation and saturated fraction of each hidden activation of a deep net on
// unit gaussian inputs.
struct LayerStats {
  std::vector<double> std;
  std::vector<double> saturated;
};
LayerStats deep_forward(ActivationKind act, InitSpec init) {
  ModelSpec m;
  m.input = Shape3{1, 1, 500};
  for (int i = 0; i < 10; ++i) {
    LayerSpec d;
    d.kind = LayerKind::dense;
    d.units = 500;
    m.layers.push_back(d);
    LayerSpec a;
    a.kind = LayerKind::activation;
    a.activation = act;
    m.layers.push_back(a);
  }
  Network<float> net(m);
  Rng rng(3);
  net.initialize(init, InitSpec{InitKind::constant, 0.0}, rng);
  Network<float>::Workspace ws;
  net.prepare(ws);
  ws.acts[0].resize(500, 1000);
  for (Index i = 0; i < ws.acts[0].size(); ++i) ws.acts[0].data()[i] = float(rng.normal());
  net.forward(ws, PassContext{});
  LayerStats s;
  for (int l = 0; l < 10; ++l) {
    const auto& a = ws.acts[std::size_t(2 * l + 2)];
    const double mean = a.cast<double>().mean();
    s.std.push_back(std::sqrt((a.cast<double>().array() - mean).square().mean()));
    s.saturated.push_back((a.array().abs() > 0.99f).cast<double>().mean());
  }
  return s;
}
}  // namespace

TEST_CASE("the initialization lecture experiment: 10 tanh (and ReLU) layers of 500") {
  const LayerStats small =
      deep_forward(ActivationKind::tanh, InitSpec{InitKind::gaussian, 0, 0.01});
  for (int l = 1; l < 10; ++l) CHECK(small.std[std::size_t(l)] < small.std[std::size_t(l - 1)]);
  CHECK(small.std[9] < 1e-4);

  const LayerStats big = deep_forward(ActivationKind::tanh, InitSpec{InitKind::gaussian, 0, 1.0});
  for (int l = 0; l < 10; ++l) CHECK(big.saturated[std::size_t(l)] > 0.5);

  const LayerStats xavier = deep_forward(ActivationKind::tanh, InitSpec{InitKind::xavier_normal});
  CHECK(xavier.std[0] / xavier.std[9] < 4.0);
  CHECK(xavier.std[9] > 0.05);

  const LayerStats relu_xavier =
      deep_forward(ActivationKind::relu, InitSpec{InitKind::xavier_normal});
  const LayerStats relu_he = deep_forward(ActivationKind::relu, InitSpec{InitKind::he_normal});
  CHECK(relu_xavier.std[9] < 0.1 * relu_xavier.std[0]);  // halves in variance each layer
  CHECK(relu_he.std[9] > 0.5 * relu_he.std[0]);
  CHECK(relu_he.std[9] < 2.0 * relu_he.std[0]);
}

TEST_CASE("after a prune, averages and ensemble members evaluate the pruned network") {
  const ExperimentConfig c = averaged_config();
  auto data = data_for(c);
  Run run(c, data);
  for (int i = 0; i < 20; ++i) run.train_step();
  // The averages and both members hold every weight; now prune 90% of each layer.
  PruneRequest req;
  req.amount = 0.9;
  prune(run.network(), run.optimizer(), req);
  const std::vector<float> masks(run.network().params().masks().begin(),
                                 run.network().params().masks().end());
  // What the pruned network computes with some weights: the same weights, masked, as a run's
  // own weights (an independent path: no averaging involved).
  const auto masked_eval = [&](std::span<const float> w) {
    Run plain(c, data);
    auto values = plain.network().params().values();
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = w[i] * masks[i];
    return plain.evaluate(data->test);
  };
  const auto unmasked_eval = [&](std::span<const float> w) {
    Run plain(c, data);
    std::copy(w.begin(), w.end(), plain.network().params().values().begin());
    return plain.evaluate(data->test);
  };
  REQUIRE(run.polyak());
  REQUIRE(run.ema());
  REQUIRE(run.ensemble().members.size() == 2);
  for (std::span<const float> w : {std::span<const float>(run.polyak()->values()),
                                   std::span<const float>(run.ema()->values())}) {
    const BatchStats got = run.evaluate_weights(w, data->test);
    CHECK(got.loss == masked_eval(w).loss);
    CHECK(got.loss != unmasked_eval(w).loss);  // so the masks did change what was evaluated
  }
  // The ensemble: its members, masked, averaged in probability. With one member left the
  // ensemble predicts like that member's pruned network.
  run.ensemble().members.resize(1);
  const std::vector<float> member = run.ensemble().members[0];
  CHECK(run.evaluate_ensemble(data->test).accuracy == masked_eval(member).accuracy);
  // The run's own weights are back and still pruned.
  const auto values = run.network().params().values();
  for (std::size_t i = 0; i < values.size(); ++i)
    if (masks[i] == 0.0f) REQUIRE(values[i] == 0.0f);
  CHECK(run.network().params().pruned_fraction() == doctest::Approx(0.9).epsilon(0.01));
}

TEST_CASE("an activation's alpha defaults per kind: ELU 1.0, leaky ReLU 0.01") {
  // The value of a one-unit network at input -1 with weight 1 and bias 0: the activation of -1.
  const auto value_at_minus_one = [](const ExperimentConfig& c) {
    ModelSpec m = c.model;
    m.input = Shape3{1, 1, 1};
    Network<double> net(m);
    for (auto& v : net.params().values()) v = 0.0;
    net.params().values(0)[0] = 1.0;  // fc1.weight
    Network<double>::Workspace ws;
    net.prepare(ws);
    ws.acts[0] = Matrix<double>::Constant(1, 1, -1.0);
    return double(net.forward(ws, PassContext{})(0, 0));
  };
  const double elu = std::exp(-1.0) - 1.0;
  const auto config = [](const std::string& act) {
    return parse_experiment_text(
        R"({"model": {"layers": [{"type": "dense", "units": 1, "activation": ")" + act + R"("}]}})",
        "act.json");
  };
  CHECK(value_at_minus_one(config("elu")) == doctest::Approx(elu));
  CHECK(value_at_minus_one(config("leaky_relu")) == doctest::Approx(-0.01));
  // What the experiment editor does: the layer's activation changed to ELU on a parsed
  // config, then the draft goes through the parser again. ELU keeps no leaky-ReLU alpha.
  ExperimentConfig edited = config("relu");
  REQUIRE(edited.model.layers.size() == 2);
  edited.model.layers[1].activation = ActivationKind::elu;
  CHECK(value_at_minus_one(parse_experiment(to_json(edited), "editor")) == doctest::Approx(elu));
  // A spec built in code takes the kind's default too; an explicit alpha wins.
  LayerSpec spec;
  spec.kind = LayerKind::activation;
  spec.activation = ActivationKind::elu;
  CHECK(activation_alpha(spec) == 1.0);
  spec.alpha = 0.5;
  CHECK(activation_alpha(spec) == 0.5);
  const ExperimentConfig explicit_alpha = parse_experiment_text(
      R"({"model": {"layers": [{"type": "dense", "units": 1, "activation": "elu", "alpha": 0.5}]}})",
      "a.json");
  CHECK(value_at_minus_one(explicit_alpha) == doctest::Approx(0.5 * elu));
  CHECK(value_at_minus_one(parse_experiment(to_json(explicit_alpha), "again")) ==
        doctest::Approx(0.5 * elu));
}

TEST_CASE("a schedule that cycles the momentum sets it at every step") {
  ExperimentConfig c = blobs_config();
  for (OptimizerKind kind : {OptimizerKind::nesterov, OptimizerKind::adam}) {
    CAPTURE(to_string(kind));
    c.optimizer = default_optimizer_settings(kind);
    c.schedule.shape = OneCycleLr{40, 0.05, 0.3, 25.0, 1e4, true, 0.85, 0.95};
    Run run(c, data_for(c));
    for (int64_t step = 0; step < 45; ++step) {
      run.train_step();
      const double expected = *scheduled_momentum(c.schedule, step);
      const OptimizerSettings& o = run.optimizer().settings();
      CHECK((kind == OptimizerKind::adam ? o.beta1 : o.momentum) == expected);
      CHECK(run.config().optimizer == o);
    }
  }
  // PyTorch refuses to cycle an optimizer that has no momentum; so does the config.
  const std::string base =
      R"({"model": {"layers": [{"type": "dense", "units": 10}]}, "schedule": {"type": "onecycle",
    "total_steps": 100, "max_lr": 0.1, "cycle_momentum": true}, "optimizer": {"type": )";
  CHECK_THROWS_WITH_AS(
      parse_experiment_text(base + R"("adagrad"}})", "m.json"),
      doctest::Contains("schedule.cycle_momentum: the adagrad optimizer has no momentum"), Error);
  CHECK_NOTHROW(parse_experiment_text(base + R"("rmsprop"}})", "m.json"));
}

TEST_CASE("init gains in the config, and the output bias at the log class prior") {
  const std::string layers =
      R"("model": {"layers": [{"type": "dense", "units": 10, "activation": "tanh"}, {"type": "dense", "units": 3}]})";
  const ExperimentConfig c = parse_experiment_text(
      "{" + layers +
          R"(, "init": {"weights": {"type": "xavier_normal", "gain": "auto"}, "layers": {"fc2": {"type": "gaussian", "sigma": 0.1, "gain": 2}}}})",
      "g.json");
  CHECK(c.weight_init.auto_gain);
  CHECK(c.layer_init.at("fc2").gain == 2.0);
  const ExperimentConfig back = parse_experiment(to_json(c), "again");
  CHECK(back.weight_init == c.weight_init);
  CHECK(back.layer_init == c.layer_init);
  const auto refused = [&](const std::string& init, const std::string& needle) {
    CHECK_THROWS_WITH_AS(
        parse_experiment_text("{" + layers + R"(, "init": )" + init + "}", "bad.json"),
        doctest::Contains(needle.c_str()), Error);
  };
  refused(R"({"weights": {"type": "he_normal", "gain": "auto"}})",
          "init.weights.gain: \"auto\" scales the xavier");
  refused(R"({"weights": {"type": "xavier_normal", "gain": 0}})", "init.weights.gain: must be > 0");
  refused(R"({"weights": {"type": "constant", "value": 0.1, "gain": 2}})",
          "a constant has no spread");
  refused(R"({"output_bias": "prior"})", "init.output_bias: must be \"log_prior\"");

  // Teacher-student labels are not balanced: the biases must match their counts.
  ExperimentConfig ts = parse_experiment_text(
      R"({"data": {"dataset": "teacher_student", "input_dim": 8, "teacher_hidden": 6, "classes": 4, "train_size": 3000,
          "validation_size": 10, "test_size": 10},
          "model": {"layers": [{"type": "dense", "units": 16, "activation": "relu"}, {"type": "dense", "units": 4}]},
          "init": {"weights": {"type": "gaussian", "sigma": 1e-4}, "output_bias": "log_prior"}})",
      "prior.json");
  auto data = std::make_shared<DataSplits>(make_synthetic(*ts.data.synthetic, ts.training.seed));
  Run run(ts, data);
  std::vector<double> share(4, 0.0);
  for (int32_t y : data->train.labels)
    share[std::size_t(y)] += 1.0 / double(data->train.labels.size());
  const long bias = run.network().params().find("fc2.bias");
  REQUIRE(bias >= 0);
  const auto b = run.network().params().values(std::size_t(bias));
  double spread = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    CAPTURE(k);
    REQUIRE(share[k] > 0);
    CHECK(b[k] == doctest::Approx(std::log(share[k])).epsilon(1e-6));
    spread = std::max(spread, std::abs(share[k] - 0.25));
  }
  CHECK(spread > 0.01);  // so the prior is not just uniform
  // With tiny weights the first loss is the entropy of the prior, not log 4.
  double entropy = 0;
  for (double p : share) entropy -= p * std::log(p);
  CHECK(run.evaluate(data->train).loss == doctest::Approx(entropy).epsilon(1e-3));
  CHECK(entropy < std::log(4.0) - 1e-3);
  // The lottery control's re-sampled weights keep it too.
  run.resample_weights(5);
  CHECK(run.network().params().values(std::size_t(bias))[0] ==
        doctest::Approx(std::log(share[0])).epsilon(1e-6));
}

TEST_CASE("a config without a schedule trains at its optimizer's usual rate") {
  const std::string layers = R"("model": {"layers": [{"type": "dense", "units": 10}]})";
  const ExperimentConfig adadelta =
      parse_experiment_text("{" + layers + R"(, "optimizer": {"type": "adadelta"}})", "a.json");
  CHECK(adadelta.schedule.base_lr == 1.0);
  CHECK(adadelta.optimizer.eps == 1e-6);
  CHECK(std::holds_alternative<ConstantLr>(adadelta.schedule.shape));
  CHECK(parse_experiment_text("{" + layers + R"(, "optimizer": {"type": "adam"}})", "b.json")
            .schedule.base_lr == 0.001);
  // A schedule given is kept as it is.
  CHECK(
      parse_experiment_text(
          "{" + layers +
              R"(, "optimizer": {"type": "adadelta"}, "schedule": {"type": "constant", "lr": 0.5}})",
          "c.json")
          .schedule.base_lr == 0.5);
}

TEST_CASE("regularization.decay_biases reaches the optimizer and survives a round trip") {
  const std::string layers = R"("model": {"layers": [{"type": "dense", "units": 10}]})";
  const ExperimentConfig off = parse_experiment_text(
      "{" + layers + R"(, "regularization": {"weight_decay": 1e-4}})", "a.json");
  CHECK(off.optimizer.weight_decay == 1e-4);
  CHECK_FALSE(off.optimizer.decay_biases);
  const ExperimentConfig on = parse_experiment_text(
      "{" + layers + R"(, "regularization": {"weight_decay": 1e-4, "decay_biases": true}})",
      "b.json");
  CHECK(on.optimizer.decay_biases);
  CHECK(parse_experiment(to_json(on), "again").optimizer.decay_biases);
  CHECK_THROWS_WITH_AS(
      parse_experiment_text("{" + layers + R"(, "regularization": {"decay_biases": 1}})", "c.json"),
      doctest::Contains("regularization.decay_biases"), Error);
}

TEST_CASE("weight averages: Polyak mean and bias-corrected EMA against hand values") {
  WeightAverage polyak(WeightAverage::Kind::polyak);
  WeightAverage ema(WeightAverage::Kind::ema, 0.5);
  const std::vector<std::vector<float>> seq{{1, -2}, {3, 0}, {8, 4}};
  for (const auto& w : seq) {
    polyak.update(w);
    ema.update(w);
  }
  CHECK(polyak.values()[0] == doctest::Approx(4.0));
  CHECK(polyak.values()[1] == doctest::Approx(2.0 / 3.0));
  // EMA uncorrected: 0.5*(0.5*(0.5*1)+0.5*3)+0.5*8 = 4.875; correction 1/(1-0.125)
  CHECK(ema.values()[0] == doctest::Approx(4.875 / 0.875));
  // second: 0.5*(0.5*(0.5*-2)+0)+0.5*4 = 1.75
  CHECK(ema.values()[1] == doctest::Approx(1.75 / 0.875));
  CHECK_THROWS_AS(WeightAverage(WeightAverage::Kind::ema, 1.0), Error);
}

TEST_CASE("a run keeps its averages and snapshot ensemble, and evaluates them") {
  const ExperimentConfig c = averaged_config();
  auto data = data_for(c);
  Run run(c, data);
  std::vector<double> sum(run.network().params().total_size(), 0.0);
  for (int i = 0; i < 30; ++i) {
    run.train_step();
    for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += run.network().params().values()[k];
  }
  REQUIRE(run.polyak());
  for (std::size_t k = 0; k < sum.size(); k += 97)
    CHECK(run.polyak()->values()[k] == doctest::Approx(sum[k] / 30).epsilon(1e-5));
  // Cycles of 10 steps: snapshots after steps 10, 20, 30.
  CHECK(run.ensemble().steps == std::vector<int64_t>{10, 20, 30});
  const BatchStats avg = run.evaluate_weights(run.polyak()->values(), data->test);
  CHECK(avg.samples == data->test.size());
  const BatchStats own = run.evaluate(data->test);
  const BatchStats ens = run.evaluate_ensemble(data->test);
  CHECK(ens.accuracy > 0.5);
  // evaluate_weights restored the run's own weights.
  CHECK(run.evaluate(data->test).loss == own.loss);
  // Averages and ensemble survive a checkpoint exactly.
  const testing::TempDir path_dir;
  const auto path = path_dir / "averages.safetensors";
  save_checkpoint(run, path);
  Run back(checkpoint_config(path), data);
  load_checkpoint(back, path);
  REQUIRE(back.polyak());
  CHECK(back.polyak()->count() == 30);
  CHECK(back.polyak()->values() == run.polyak()->values());
  CHECK(back.ema()->values() == run.ema()->values());
  CHECK(back.ensemble().steps == run.ensemble().steps);
  CHECK(back.ensemble().members == run.ensemble().members);
  // An ensemble of the current weights alone predicts like the network.
  Run single(c, data);
  for (int i = 0; i < 10; ++i) single.train_step();
  REQUIRE(single.ensemble().members.size() == 1);
  CHECK(single.evaluate_ensemble(data->test).accuracy == single.evaluate(data->test).accuracy);
}
