// Tests of core/optim: every optimizer against the textbook formulas written out below in
// scalar double arithmetic (not by calling the classes), frozen and pruned tensors,
// checkpoints, live settings changes and the JSON round trip (clipping: test_clipping.cpp;
// names, defaults and JSON errors: test_optimizer_kinds.cpp).
#include "core/error.h"
#include "core/optim/adadelta.h"
#include "core/optim/adagrad.h"
#include "core/optim/adam.h"
#include "core/optim/clipping.h"
#include "core/optim/optimizer.h"
#include "core/optim/optimizer_json.h"
#include "core/optim/rmsprop.h"
#include "core/optim/sgd.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace {

using ts::OptimizerKind;
using ts::OptimizerSettings;

// Two tensors in one flat buffer: "fc1.weight" (3 elements) then "fc1.bias" (2).
std::vector<ts::ParamInfo> two_tensors() {
  std::vector<ts::ParamInfo> infos(2);
  infos[0].name = "fc1.weight";
  infos[0].shape = {3};
  infos[0].offset = 0;
  infos[0].size = 3;
  infos[0].is_weight = true;
  infos[1].name = "fc1.bias";
  infos[1].shape = {2};
  infos[1].offset = 3;
  infos[1].size = 2;
  return infos;
}

const std::vector<float> kW0 = {0.5f, -1.0f, 2.0f, 0.25f, -0.75f};
// A different gradient on each of two steps.
const std::vector<std::vector<float>> kGrads = {{0.1f, -0.2f, 0.3f, -0.4f, 0.05f},
                                                {-0.3f, 0.1f, 0.25f, 0.6f, -0.15f}};
// Different learning rates per step too (the schedule passes one in each call).
const std::vector<float> kLr = {0.125f, 0.0625f};

// ---- reference: the textbook update of one scalar, in double -------------------------------
//
// `st` holds the state under the same names the classes report from state_buffers(), so the
// test checks names and values together. `t` is the 1-based step number.
double reference_step(const OptimizerSettings& s, double w, double grad, double lr, int t,
                      std::map<std::string, double>& st) {
  switch (s.kind) {
    case OptimizerKind::sgd: {
      const double g = grad + s.weight_decay * w;
      return w - lr * g;
    }
    case OptimizerKind::momentum: {
      const double g = grad + s.weight_decay * w;
      st["momentum"] = s.momentum * st["momentum"] + g;
      return w - lr * st["momentum"];
    }
    case OptimizerKind::nesterov: {
      const double g = grad + s.weight_decay * w;
      st["momentum"] = s.momentum * st["momentum"] + g;
      return w - lr * (g + s.momentum * st["momentum"]);
    }
    case OptimizerKind::adagrad: {
      const double g = grad + s.weight_decay * w;
      st["sum_sq"] += g * g;
      return w - lr * g / (std::sqrt(st["sum_sq"]) + s.eps);
    }
    case OptimizerKind::rmsprop: {
      const double g = grad + s.weight_decay * w;
      st["sq_avg"] = s.rho * st["sq_avg"] + (1 - s.rho) * g * g;
      const double a = g / (std::sqrt(st["sq_avg"]) + s.eps);
      st.try_emplace("momentum", 0.0);  // present (and zero) in plain mode too
      if (s.rmsprop_momentum == 0) return w - lr * a;
      st["momentum"] = s.rmsprop_momentum * st["momentum"] + a;
      if (s.rmsprop_nesterov) return w - lr * (a + s.rmsprop_momentum * st["momentum"]);
      return w - lr * st["momentum"];
    }
    case OptimizerKind::adam:
    case OptimizerKind::adamw: {
      double g = grad;
      if (s.kind == OptimizerKind::adam) {
        g += s.weight_decay * w;
      } else {
        w -= lr * s.weight_decay * w;
      }
      st["m"] = s.beta1 * st["m"] + (1 - s.beta1) * g;
      st["v"] = s.beta2 * st["v"] + (1 - s.beta2) * g * g;
      const double m_hat = st["m"] / (1 - std::pow(s.beta1, t));
      const double v_hat = st["v"] / (1 - std::pow(s.beta2, t));
      return w - lr * m_hat / (std::sqrt(v_hat) + s.eps);
    }
    case OptimizerKind::adadelta: {
      const double g = grad + s.weight_decay * w;
      st["sq_avg"] = s.rho * st["sq_avg"] + (1 - s.rho) * g * g;
      const double d = std::sqrt(st["delta_sq_avg"] + s.eps) / std::sqrt(st["sq_avg"] + s.eps) * g;
      st["delta_sq_avg"] = s.rho * st["delta_sq_avg"] + (1 - s.rho) * d * d;
      return w - lr * d;
    }
  }
  return w;
}

// The settings element i of two_tensors() is updated with: weight decay reaches the weight
// (elements 0..2) and the bias (3, 4) only with decay_biases.
OptimizerSettings for_element(OptimizerSettings s, std::size_t i) {
  if (i >= 3 && !s.decay_biases) s.weight_decay = 0.0;
  return s;
}

struct Variant {
  const char* label;
  OptimizerSettings settings;
  double tolerance;  // relative, per case: float arithmetic against the double reference
};

OptimizerSettings make(OptimizerKind kind, double weight_decay) {
  OptimizerSettings s;
  s.kind = kind;
  s.weight_decay = weight_decay;
  return s;
}

// Every kind and variant, each without and with weight decay. eps is set to 1e-3 where it
// matters, so that eps inside versus outside the square root would show.
std::vector<Variant> all_variants() {
  std::vector<Variant> out;
  for (double wd : {0.0, 0.1, -0.1}) {  // -0.1: 0.1 with decay_biases
    out.push_back({"sgd", make(OptimizerKind::sgd, wd), 1e-6});
    OptimizerSettings momentum = make(OptimizerKind::momentum, wd);
    momentum.momentum = 0.9;
    out.push_back({"momentum", momentum, 1e-6});
    OptimizerSettings nesterov = make(OptimizerKind::nesterov, wd);
    nesterov.momentum = 0.8;
    out.push_back({"nesterov", nesterov, 1e-6});
    OptimizerSettings adagrad = make(OptimizerKind::adagrad, wd);
    adagrad.eps = 1e-3;
    out.push_back({"adagrad", adagrad, 2e-6});
    OptimizerSettings rms = make(OptimizerKind::rmsprop, wd);
    rms.rho = 0.9;
    rms.eps = 1e-3;
    out.push_back({"rmsprop plain", rms, 2e-6});
    rms.rmsprop_momentum = 0.5;
    out.push_back({"rmsprop momentum", rms, 2e-6});
    rms.rmsprop_nesterov = true;
    out.push_back({"rmsprop nesterov", rms, 2e-6});
    OptimizerSettings adam = make(OptimizerKind::adam, wd);
    adam.beta1 = 0.9;
    adam.beta2 = 0.99;
    adam.eps = 1e-3;
    out.push_back({"adam", adam, 2e-6});
    adam.kind = OptimizerKind::adamw;
    out.push_back({"adamw", adam, 2e-6});
    OptimizerSettings adadelta = make(OptimizerKind::adadelta, wd);
    adadelta.rho = 0.9;
    adadelta.eps = 1e-3;
    out.push_back({"adadelta", adadelta, 2e-6});
  }
  for (Variant& v : out) {
    if (v.settings.weight_decay >= 0) continue;
    v.settings.weight_decay = -v.settings.weight_decay;
    v.settings.decay_biases = true;
  }
  return out;
}

bool all_zero(const std::vector<float>& v, std::size_t from, std::size_t count) {
  for (std::size_t i = from; i < from + count; ++i) {
    if (v[i] != 0.0f) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("every optimizer matches the textbook formula over two steps on two tensors") {
  const auto infos = two_tensors();
  for (const Variant& variant : all_variants()) {
    const std::string label = variant.label;
    CAPTURE(label);
    CAPTURE(variant.settings.weight_decay);
    auto opt = ts::make_optimizer(variant.settings, kW0.size());
    CHECK(opt->kind() == variant.settings.kind);

    std::vector<float> w = kW0;
    std::vector<double> ref_w(kW0.begin(), kW0.end());
    std::vector<std::map<std::string, double>> ref_state(kW0.size());
    for (int step = 0; step < 2; ++step) {
      opt->step(w, kGrads[step], infos, kLr[step]);
      for (std::size_t i = 0; i < w.size(); ++i) {
        ref_w[i] = reference_step(for_element(variant.settings, i), ref_w[i], kGrads[step][i],
                                  kLr[step], step + 1, ref_state[i]);
      }
    }
    CHECK(opt->step_count() == 2);
    for (std::size_t i = 0; i < w.size(); ++i) {
      CAPTURE(i);
      CHECK(w[i] == doctest::Approx(ref_w[i]).epsilon(variant.tolerance));
      // The update really moved the weight (so the comparison above is not vacuous).
      CHECK(w[i] != kW0[i]);
    }
    // State buffers: the same names as the reference, full length, and the same values.
    const auto buffers = opt->state_buffers();
    CHECK(buffers.size() == ref_state[0].size());
    for (const auto& [name, buffer] : buffers) {
      // CAPTURE keeps a reference in a lambda, which cannot name a structured binding.
      const std::string& buffer_name = name;
      CAPTURE(buffer_name);
      REQUIRE(ref_state[0].count(name) == 1);
      REQUIRE(buffer->size() == kW0.size());
      for (std::size_t i = 0; i < buffer->size(); ++i) {
        CHECK((*buffer)[i] == doctest::Approx(ref_state[i].at(name)).epsilon(variant.tolerance));
      }
    }
  }
}

// A few cases worked out on paper, guarding against the reference and the classes sharing a
// mistake. One weight w = 1, gradients 0.5 then -0.25, lr 0.1 unless stated.
TEST_CASE("optimizers reproduce hand-computed numbers") {
  std::vector<ts::ParamInfo> infos(1);
  infos[0].name = "w";
  infos[0].size = 1;
  infos[0].is_weight = true;
  const auto run = [&](const OptimizerSettings& s, float lr) {
    auto opt = ts::make_optimizer(s, 1);
    std::vector<float> w = {1.0f};
    std::vector<float> out;
    for (float g : {0.5f, -0.25f}) {
      const std::vector<float> grad = {g};
      opt->step(w, grad, infos, lr);
      out.push_back(w[0]);
    }
    return out;
  };

  SUBCASE("sgd: 1 - 0.05 = 0.95, then + 0.025 = 0.975") {
    const auto w = run(make(OptimizerKind::sgd, 0.0), 0.1f);
    CHECK(w[0] == doctest::Approx(0.95).epsilon(1e-7));
    CHECK(w[1] == doctest::Approx(0.975).epsilon(1e-7));
  }
  SUBCASE("sgd with weight decay 0.2: g = 0.5 + 0.2 = 0.7, w = 0.93") {
    const auto w = run(make(OptimizerKind::sgd, 0.2), 0.1f);
    CHECK(w[0] == doctest::Approx(0.93).epsilon(1e-7));
    // g = -0.25 + 0.2 * 0.93 = -0.064, w = 0.93 + 0.0064 = 0.9364
    CHECK(w[1] == doctest::Approx(0.9364).epsilon(1e-6));
  }
  SUBCASE("momentum 0.9: v = 0.5, w = 0.95; v = 0.45 - 0.25 = 0.2, w = 0.93") {
    OptimizerSettings s = make(OptimizerKind::momentum, 0.0);
    s.momentum = 0.9;
    const auto w = run(s, 0.1f);
    CHECK(w[0] == doctest::Approx(0.95).epsilon(1e-7));
    CHECK(w[1] == doctest::Approx(0.93).epsilon(1e-6));
  }
  SUBCASE("nesterov 0.9: d = 0.5 + 0.45, w = 0.905; d = -0.25 + 0.18, w = 0.912") {
    OptimizerSettings s = make(OptimizerKind::nesterov, 0.0);
    s.momentum = 0.9;
    const auto w = run(s, 0.1f);
    CHECK(w[0] == doctest::Approx(0.905).epsilon(1e-6));
    CHECK(w[1] == doctest::Approx(0.912).epsilon(1e-6));
  }
  SUBCASE("adagrad: 1 - 0.1 * 0.5 / 0.5 = 0.9; then + 0.025 / sqrt(0.3125) = 0.9447214") {
    const auto w = run(make(OptimizerKind::adagrad, 0.0), 0.1f);
    CHECK(w[0] == doctest::Approx(0.9).epsilon(1e-6));
    CHECK(w[1] == doctest::Approx(0.9447214).epsilon(1e-6));
  }
  SUBCASE("rmsprop rho 0.9: s = 0.025, w = 1 - 0.05 / 0.1581139 = 0.6837722") {
    OptimizerSettings s = make(OptimizerKind::rmsprop, 0.0);
    s.rho = 0.9;
    const auto w = run(s, 0.1f);
    CHECK(w[0] == doctest::Approx(0.6837722).epsilon(1e-6));
  }
  SUBCASE("adam: first step moves by lr; second m_hat = 0.02/0.19, v_hat = 0.00031225/0.001999") {
    const auto w = run(make(OptimizerKind::adam, 0.0), 0.1f);
    CHECK(w[0] == doctest::Approx(0.9).epsilon(1e-6));
    // 0.9 - 0.1 * 0.1052632 / sqrt(0.1562031) = 0.9 - 0.0266337
    CHECK(w[1] == doctest::Approx(0.8733663).epsilon(1e-6));
  }
  SUBCASE("adamw, weight decay 0.5: w = 1 * (1 - 0.05) - 0.1 = 0.85") {
    const auto w = run(make(OptimizerKind::adamw, 0.5), 0.1f);
    CHECK(w[0] == doctest::Approx(0.85).epsilon(1e-6));
  }
  SUBCASE("adadelta rho 0.9, eps 1e-6, lr 1: d = 0.001 / sqrt(0.025001) * 0.5 = 0.0031622") {
    OptimizerSettings s = make(OptimizerKind::adadelta, 0.0);
    s.rho = 0.9;
    s.eps = 1e-6;
    const auto w = run(s, 1.0f);
    CHECK(w[0] == doctest::Approx(0.9968378).epsilon(1e-6));
    CHECK(w[1] == doctest::Approx(0.9989229).epsilon(1e-6));
  }
}

TEST_CASE("weight decay reaches weights only, unless decay_biases asks for biases too") {
  // A bias with a zero gradient keeps its value under weight decay; the weight beside it,
  // with a zero gradient too, decays. With decay_biases the bias decays as well.
  const auto infos = two_tensors();
  const std::vector<float> zero(kW0.size(), 0.0f);
  for (const Variant& variant : all_variants()) {
    if (variant.settings.weight_decay == 0.0) continue;
    const std::string label = variant.label;
    CAPTURE(label);
    CAPTURE(variant.settings.decay_biases);
    auto opt = ts::make_optimizer(variant.settings, kW0.size());
    std::vector<float> w = kW0;
    for (int step = 0; step < 3; ++step) opt->step(w, zero, infos, 0.1f);
    for (std::size_t i = 0; i < 3; ++i) CHECK(std::abs(w[i]) < std::abs(kW0[i]));
    for (std::size_t i = 3; i < 5; ++i) {
      CAPTURE(i);
      if (variant.settings.decay_biases)
        CHECK(std::abs(w[i]) < std::abs(kW0[i]));
      else
        CHECK(w[i] == kW0[i]);
    }
  }
  // The rule itself, per kind of tensor: weights and conv filters (is_weight) decay; biases
  // and PReLU slopes do not.
  ts::ParamInfo slope;
  slope.name = "act1.slope";
  ts::ParamInfo filter;
  filter.name = "conv1.weight";
  filter.is_weight = true;
  OptimizerSettings s = make(OptimizerKind::sgd, 5e-4);
  CHECK(ts::tensor_weight_decay(s, slope) == 0.0);
  CHECK(ts::tensor_weight_decay(s, filter) == 5e-4);
  s.decay_biases = true;
  CHECK(ts::tensor_weight_decay(s, slope) == 5e-4);
}

TEST_CASE("a frozen tensor is untouched and its state stays zero") {
  auto infos = two_tensors();
  infos[1].frozen = true;
  for (const Variant& variant : all_variants()) {
    const std::string label = variant.label;
    CAPTURE(label);
    auto opt = ts::make_optimizer(variant.settings, kW0.size());
    std::vector<float> w = kW0;
    for (int step = 0; step < 4; ++step) opt->step(w, kGrads[step % 2], infos, 0.1f);
    for (std::size_t i = 3; i < 5; ++i) CHECK(w[i] == kW0[i]);
    for (std::size_t i = 0; i < 3; ++i) CHECK(w[i] != kW0[i]);
    for (const auto& [name, buffer] : opt->state_buffers()) {
      const std::string& buffer_name = name;
      CAPTURE(buffer_name);
      CHECK(all_zero(*buffer, 3, 2));
    }
  }
}

TEST_CASE("masked weights stay exactly zero, from the start and after pruning mid-run") {
  const auto infos = two_tensors();
  for (const Variant& variant : all_variants()) {
    const std::string label = variant.label;
    CAPTURE(label);
    CAPTURE(variant.settings.weight_decay);
    auto opt = ts::make_optimizer(variant.settings, kW0.size());
    std::vector<float> w = kW0;
    // Index 1 (a weight) is masked from the start; index 4 (a bias) is pruned after 3 steps.
    std::vector<float> mask = {1, 0, 1, 1, 1};
    w[1] = 0.0f;
    for (int step = 0; step < 8; ++step) {
      if (step == 3) {
        // What the trainer does when it prunes: zero the weight and its optimizer state.
        mask[4] = 0.0f;
        w[4] = 0.0f;
        for (auto& [name, buffer] : opt->state_buffers()) (*buffer)[4] = 0.0f;
      }
      std::vector<float> grad = kGrads[step % 2];
      for (std::size_t i = 0; i < grad.size(); ++i) grad[i] *= mask[i];
      opt->step(w, grad, infos, 0.05f);
      for (std::size_t i = 0; i < w.size(); ++i) {
        if (mask[i] == 0.0f) {
          CAPTURE(step);
          CAPTURE(i);
          // Exactly zero, not merely small: the weight must not be brought back.
          CHECK(w[i] == 0.0f);
          for (const auto& [name, buffer] : opt->state_buffers()) {
            const std::string& buffer_name = name;
            CAPTURE(buffer_name);
            CHECK((*buffer)[i] == 0.0f);
          }
        }
      }
    }
    // The unmasked weights kept training.
    CHECK(w[0] != kW0[0]);
    CHECK(w[3] != kW0[3]);
  }
}

TEST_CASE("a checkpointed optimizer resumes bit for bit") {
  const auto infos = two_tensors();
  for (const Variant& variant : all_variants()) {
    const std::string label = variant.label;
    CAPTURE(label);
    auto original = ts::make_optimizer(variant.settings, kW0.size());
    std::vector<float> w = kW0;
    original->step(w, kGrads[0], infos, 0.1f);
    original->step(w, kGrads[1], infos, 0.1f);

    // Checkpoint: weights, state buffers by name, step count.
    const std::vector<float> saved_w = w;
    std::map<std::string, std::vector<float>> saved_state;
    for (const auto& [name, buffer] : original->state_buffers()) saved_state[name] = *buffer;
    const int64_t saved_count = original->step_count();

    auto restored = ts::make_optimizer(variant.settings, kW0.size());
    for (auto& [name, buffer] : restored->state_buffers()) *buffer = saved_state.at(name);
    restored->set_step_count(saved_count);
    std::vector<float> w2 = saved_w;

    original->step(w, kGrads[0], infos, 0.05f);
    restored->step(w2, kGrads[0], infos, 0.05f);
    CHECK(w == w2);
    CHECK(restored->step_count() == 3);
  }
}

TEST_CASE("reset_state zeroes the state and the step count") {
  const auto infos = two_tensors();
  for (const Variant& variant : all_variants()) {
    const std::string label = variant.label;
    CAPTURE(label);
    auto opt = ts::make_optimizer(variant.settings, kW0.size());
    std::vector<float> w = kW0;
    opt->step(w, kGrads[0], infos, 0.1f);
    opt->reset_state();
    CHECK(opt->step_count() == 0);
    for (const auto& [name, buffer] : opt->state_buffers()) CHECK(all_zero(*buffer, 0, 5));
    // Now it behaves like a fresh optimizer.
    auto fresh = ts::make_optimizer(variant.settings, kW0.size());
    std::vector<float> a = kW0;
    std::vector<float> b = kW0;
    opt->step(a, kGrads[1], infos, 0.1f);
    fresh->step(b, kGrads[1], infos, 0.1f);
    CHECK(a == b);
  }
}

TEST_CASE("set_settings changes the next step and keeps the state") {
  const auto infos = two_tensors();

  SUBCASE("adam: beta1 and weight decay changed between the two steps") {
    OptimizerSettings before = make(OptimizerKind::adam, 0.0);
    before.eps = 1e-3;
    OptimizerSettings after = before;
    after.beta1 = 0.5;
    after.weight_decay = 0.2;

    auto opt = ts::make_optimizer(before, kW0.size());
    std::vector<float> w = kW0;
    opt->step(w, kGrads[0], infos, kLr[0]);
    opt->set_settings(after);
    CHECK(opt->settings() == after);
    opt->step(w, kGrads[1], infos, kLr[1]);

    for (std::size_t i = 0; i < w.size(); ++i) {
      std::map<std::string, double> st;
      double ref = reference_step(for_element(before, i), kW0[i], kGrads[0][i], kLr[0], 1, st);
      ref = reference_step(for_element(after, i), ref, kGrads[1][i], kLr[1], 2, st);
      CHECK(w[i] == doctest::Approx(ref).epsilon(2e-6));
    }
  }

  SUBCASE("momentum: mu changed from 0.9 to 0 makes the second step plain SGD on v") {
    OptimizerSettings s = make(OptimizerKind::momentum, 0.0);
    auto opt = ts::make_optimizer(s, kW0.size());
    std::vector<float> w = kW0;
    opt->step(w, kGrads[0], infos, 0.1f);
    const std::vector<float> w1 = w;
    s.momentum = 0.0;
    opt->set_settings(s);
    opt->step(w, kGrads[1], infos, 0.1f);
    // v = 0 * v + g, so the step is exactly lr * g.
    for (std::size_t i = 0; i < w.size(); ++i) {
      CHECK(w[i] == doctest::Approx(w1[i] - 0.1 * kGrads[1][i]).epsilon(1e-6));
    }
  }

  SUBCASE("rmsprop: momentum switched on mid-run starts from a zero velocity") {
    OptimizerSettings s = make(OptimizerKind::rmsprop, 0.0);
    s.eps = 1e-3;
    auto opt = ts::make_optimizer(s, kW0.size());
    std::vector<float> w = kW0;
    opt->step(w, kGrads[0], infos, 0.1f);
    for (const auto& [name, buffer] : opt->state_buffers()) {
      if (name == "momentum") CHECK(all_zero(*buffer, 0, 5));
    }
    OptimizerSettings with_momentum = s;
    with_momentum.rmsprop_momentum = 0.5;
    opt->set_settings(with_momentum);
    opt->step(w, kGrads[1], infos, 0.1f);
    for (std::size_t i = 0; i < w.size(); ++i) {
      std::map<std::string, double> st;
      double ref = reference_step(s, kW0[i], kGrads[0][i], 0.1f, 1, st);
      ref = reference_step(with_momentum, ref, kGrads[1][i], 0.1f, 2, st);
      CHECK(w[i] == doctest::Approx(ref).epsilon(2e-6));
    }
  }

  SUBCASE("a different kind or an invalid value is refused and changes nothing") {
    const OptimizerSettings s = make(OptimizerKind::adam, 0.0);
    auto opt = ts::make_optimizer(s, kW0.size());
    CHECK_THROWS_WITH_AS(opt->set_settings(make(OptimizerKind::sgd, 0.0)),
                         doctest::Contains("optimizer.type"), ts::Error);
    OptimizerSettings bad = s;
    bad.beta2 = 1.0;
    CHECK_THROWS_WITH_AS(opt->set_settings(bad), doctest::Contains("optimizer.beta2"), ts::Error);
    CHECK(opt->settings() == s);
  }
}

TEST_CASE("step checks sizes before changing anything") {
  auto infos = two_tensors();
  auto opt = ts::make_optimizer(make(OptimizerKind::momentum, 0.0), 5);
  std::vector<float> w = kW0;
  std::vector<float> short_grad = {0.1f, 0.2f};
  CHECK_THROWS_AS(opt->step(w, short_grad, infos, 0.1f), ts::Error);
  std::vector<float> long_w = {1, 2, 3, 4, 5, 6};
  CHECK_THROWS_AS(opt->step(long_w, kGrads[0], infos, 0.1f), ts::Error);
  infos[1].size = 3;  // runs past the end
  CHECK_THROWS_WITH_AS(opt->step(w, kGrads[0], infos, 0.1f), doctest::Contains("fc1.bias"),
                       ts::Error);
  CHECK(w == kW0);
  CHECK(opt->step_count() == 0);
  CHECK_THROWS_AS(opt->set_step_count(-1), ts::Error);
}

TEST_CASE("optimizers refuse invalid settings and kinds they do not implement") {
  OptimizerSettings s = make(OptimizerKind::adam, 0.0);
  CHECK_THROWS_AS(ts::Sgd(s, 3), ts::Error);
  CHECK_THROWS_AS(ts::Adagrad(s, 3), ts::Error);
  CHECK_THROWS_AS(ts::RmsProp(s, 3), ts::Error);
  CHECK_THROWS_AS(ts::Adadelta(s, 3), ts::Error);
  CHECK_NOTHROW(ts::Adam(s, 3));
  s.eps = 0.0;
  CHECK_THROWS_WITH_AS(ts::make_optimizer(s, 3), "optimizer.eps: must be > 0, got 0", ts::Error);
  OptimizerSettings m = make(OptimizerKind::nesterov, 0.0);
  m.momentum = -0.5;
  CHECK_THROWS_WITH_AS(ts::make_optimizer(m, 3), doctest::Contains("optimizer.momentum"),
                       ts::Error);
  OptimizerSettings r = make(OptimizerKind::rmsprop, 0.0);
  r.rmsprop_nesterov = true;  // without momentum
  CHECK_THROWS_WITH_AS(ts::make_optimizer(r, 3), doctest::Contains("optimizer.nesterov"),
                       ts::Error);
  // Fields a kind does not read are not validated.
  OptimizerSettings plain = make(OptimizerKind::sgd, 0.0);
  plain.beta1 = 7.0;
  CHECK_NOTHROW(ts::make_optimizer(plain, 3));
  CHECK(ts::make_optimizer(plain, 3)->state_buffers().empty());
}

TEST_CASE("optimizer settings round-trip through JSON") {
  for (const Variant& variant : all_variants()) {
    const std::string label = variant.label;
    CAPTURE(label);
    const nlohmann::json j = ts::to_json(variant.settings);
    CHECK(j.at("type") == ts::to_string(variant.settings.kind));
    CHECK(ts::optimizer_from_json(j, "optimizer") == variant.settings);
  }
  // The documented form, with the rmsprop key mapping.
  const auto rms = ts::optimizer_from_json(
      nlohmann::json::parse(R"({"type": "rmsprop", "rho": 0.95, "momentum": 0.5,
                                "nesterov": true, "eps": 1e-6})"),
      "optimizer");
  CHECK(rms.kind == OptimizerKind::rmsprop);
  CHECK(rms.rho == 0.95);
  CHECK(rms.rmsprop_momentum == 0.5);
  CHECK(rms.rmsprop_nesterov);
  CHECK(rms.eps == 1e-6);
  CHECK(rms.momentum == OptimizerSettings{}.momentum);
  const auto adam = ts::optimizer_from_json(
      nlohmann::json::parse(R"({"type": "adam", "beta1": 0.8, "beta2": 0.99, "weight_decay": 0})"),
      "optimizer");
  CHECK(adam.kind == OptimizerKind::adam);
  CHECK(adam.beta1 == 0.8);
  CHECK(adam.beta2 == 0.99);
  CHECK(adam.eps == 1e-8);  // default
}
