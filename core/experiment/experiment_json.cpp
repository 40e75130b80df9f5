#include "core/experiment/experiment_json.h"
#include "core/text_format.h"

#include "core/io/json_fields.h"
#include "core/optim/optimizer_json.h"
#include "core/schedule/schedule_json.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ts {

namespace {

const std::vector<std::string> kImageSets{"mnist", "fashion-mnist"};
const std::vector<std::string> kSyntheticSets{"xord",    "teacher_student", "spirals",
                                              "circles", "blobs",           "xor"};

SplitSizes read_sizes(JsonFields& f) {
  SplitSizes s;
  s.train = f.integer("train_size", s.train);
  s.validation = f.integer("validation_size", s.validation);
  s.test = f.integer("test_size", s.test);
  f.check(s.train >= 1 && s.train <= 10'000'000, "train_size", "must be in [1, 10000000]");
  f.check(s.validation >= 0 && s.validation <= 10'000'000, "validation_size",
          "must be in [0, 10000000]");
  f.check(s.test >= 0 && s.test <= 10'000'000, "test_size", "must be in [0, 10000000]");
  return s;
}

SyntheticParams read_synthetic(const std::string& name, JsonFields& f) {
  if (name == "xord") {
    XordParams p;
    p.pairs = int(f.integer("pairs", p.pairs));
    f.check(p.pairs >= 1 && p.pairs <= 64, "pairs", "must be in [1, 64]");
    p.sizes = read_sizes(f);
    return p;
  }
  if (name == "teacher_student") {
    TeacherStudentParams p;
    p.input_dim = int(f.integer("input_dim", p.input_dim));
    p.hidden = int(f.integer("teacher_hidden", p.hidden));
    p.num_classes = int(f.integer("classes", p.num_classes));
    f.check(p.input_dim >= 1 && p.input_dim <= 4096, "input_dim", "must be in [1, 4096]");
    f.check(p.hidden >= 1 && p.hidden <= 4096, "teacher_hidden", "must be in [1, 4096]");
    f.check(p.num_classes >= 2 && p.num_classes <= 256, "classes", "must be in [2, 256]");
    p.sizes = read_sizes(f);
    return p;
  }
  if (name == "spirals") {
    SpiralsParams p;
    p.num_classes = int(f.integer("classes", p.num_classes));
    p.turns = f.number("turns", p.turns);
    p.noise = f.number("noise", p.noise);
    f.check(p.num_classes >= 2 && p.num_classes <= 16, "classes", "must be in [2, 16]");
    f.check(p.turns > 0 && p.turns <= 10, "turns", "must be in (0, 10]");
    f.check(p.noise >= 0 && p.noise <= 10, "noise", "must be in [0, 10]");
    p.sizes = read_sizes(f);
    return p;
  }
  if (name == "circles") {
    CirclesParams p;
    p.inner_radius = f.number("inner_radius", p.inner_radius);
    p.outer_radius = f.number("outer_radius", p.outer_radius);
    p.noise = f.number("noise", p.noise);
    f.check(p.outer_radius > 0, "outer_radius", "must be > 0");
    f.check(p.inner_radius > 0 && p.inner_radius < p.outer_radius, "inner_radius",
            "must be in (0, outer_radius)");
    f.check(p.noise >= 0 && p.noise <= 10, "noise", "must be in [0, 10]");
    p.sizes = read_sizes(f);
    return p;
  }
  if (name == "blobs") {
    BlobsParams p;
    p.num_classes = int(f.integer("classes", p.num_classes));
    p.dim = int(f.integer("dim", p.dim));
    p.centre_radius = f.number("centre_radius", p.centre_radius);
    p.stddev = f.number("stddev", p.stddev);
    f.check(p.num_classes >= 2 && p.num_classes <= 256, "classes", "must be in [2, 256]");
    f.check(p.dim >= 2 && p.dim <= 4096, "dim", "must be in [2, 4096]");
    f.check(p.centre_radius > 0 && p.centre_radius <= 1e6, "centre_radius", "must be in (0, 1e6]");
    f.check(p.stddev >= 0 && p.stddev <= 1e6, "stddev", "must be in [0, 1e6]");
    p.sizes = read_sizes(f);
    return p;
  }
  XorParams p;  // "xor"
  p.margin = f.number("margin", p.margin);
  p.noise = f.number("noise", p.noise);
  f.check(p.margin >= 0 && p.margin < 1, "margin", "must be in [0, 1)");
  f.check(p.noise >= 0 && p.noise <= 10, "noise", "must be in [0, 10]");
  p.sizes = read_sizes(f);
  return p;
}

DataConfig read_data(const nlohmann::json& j, const std::string& path) {
  JsonFields f(j, path);
  DataConfig d;
  d.raw = j;
  d.dataset = f.string("dataset", d.dataset);
  const bool image = std::count(kImageSets.begin(), kImageSets.end(), d.dataset) > 0;
  const bool synthetic = std::count(kSyntheticSets.begin(), kSyntheticSets.end(), d.dataset) > 0;
  if (!image && !synthetic)
    f.fail("dataset", "unknown dataset \"" + d.dataset + "\" (known: " + join(kImageSets) + ", " +
                          join(kSyntheticSets) + ")");
  if (image) {
    d.validation_fraction = f.number("validation_fraction", d.validation_fraction);
    f.check(d.validation_fraction >= 0 && d.validation_fraction < 1, "validation_fraction",
            "must be in [0, 1)");
    d.train_size = f.integer("train_size", d.train_size);
    f.check(d.train_size >= 0, "train_size", "must be >= 0 (0: the whole training split)");
  } else {
    d.synthetic = read_synthetic(d.dataset, f);
  }
  f.finish();
  return d;
}

InitSpec read_init(const nlohmann::json& j, const std::string& path) {
  InitSpec s;
  if (j.is_string()) {
    const auto k = init_kind_from_string(j.get<std::string>());
    if (!k) throw Error(path + ": unknown initializer \"" + j.get<std::string>() + "\"");
    s.kind = *k;
    return s;
  }
  if (j.is_number()) {  // a constant
    s.kind = InitKind::constant;
    s.value = JsonFields::number_of(j, path);
    return s;
  }
  JsonFields f(j, path);
  const std::string type = f.string("type", "he_normal");
  const auto k = init_kind_from_string(type);
  if (!k) f.fail("type", "unknown initializer \"" + type + "\"");
  s.kind = *k;
  s.value = f.number("value", s.value);
  s.sigma = f.number("sigma", s.sigma);
  s.range = f.number("range", s.range);
  f.check(s.sigma >= 0, "sigma", "must be >= 0");
  f.check(s.range >= 0, "range", "must be >= 0");
  if (const auto* g = f.get("gain")) {
    if (g->is_string() && g->get<std::string>() == "auto") {
      const bool agnostic = s.kind == InitKind::xavier_uniform ||
                            s.kind == InitKind::xavier_normal ||
                            s.kind == InitKind::lecun_uniform || s.kind == InitKind::lecun_normal;
      if (!agnostic)
        f.fail("gain",
               std::string(
                   "\"auto\" scales the xavier and lecun formulas by the activation's gain; ") +
                   to_string(s.kind) +
                   (s.kind == InitKind::he_normal || s.kind == InitKind::he_uniform
                        ? " already carries ReLU's sqrt(2)"
                        : " names its spread itself") +
                   " (give a number instead)");
      s.auto_gain = true;
    } else if (g->is_number()) {
      s.gain = JsonFields::number_of(*g, f.key_path("gain"));
      f.check(s.gain > 0, "gain", "must be > 0 or \"auto\"");
      f.check(s.gain == 1.0 || s.kind != InitKind::constant, "gain",
              "a constant has no spread to scale");
    } else {
      f.fail("gain", "must be a number or \"auto\", got " + g->dump());
    }
  }
  f.finish();
  return s;
}

nlohmann::json init_json(const InitSpec& s) {
  nlohmann::json j{{"type", to_string(s.kind)}};
  if (s.kind == InitKind::constant) j["value"] = s.value;
  if (s.kind == InitKind::gaussian) j["sigma"] = s.sigma;
  if (s.kind == InitKind::uniform) j["range"] = s.range;
  if (s.auto_gain)
    j["gain"] = "auto";
  else if (s.gain != 1.0)
    j["gain"] = s.gain;
  return j;
}

ActivationKind read_activation(JsonFields& f, const std::string& key, bool* is_prelu) {
  const std::string name = f.string(key, "relu");
  if (is_prelu && name == "prelu") {
    *is_prelu = true;
    return ActivationKind::relu;
  }
  const auto k = activation_kind_from_string(name);
  if (!k)
    f.fail(key, "unknown activation \"" + name +
                    "\" (known: identity, sigmoid, tanh, relu, leaky_relu, elu, selu, gelu" +
                    std::string(is_prelu ? ", prelu" : "") + ")");
  return *k;
}

void read_layer(const nlohmann::json& j, const std::string& path, std::vector<LayerSpec>& out) {
  JsonFields f(j, path);
  const std::string type = f.string("type", "");
  const auto kind = layer_kind_from_string(type);
  if (!kind)
    f.fail("type", "unknown layer type \"" + type +
                       "\" (known: dense, conv2d, max_pool, flatten, dropout, activation, prelu, "
                       "maxout)");
  LayerSpec s;
  s.kind = *kind;
  s.name = f.string("name", "");
  std::optional<LayerSpec> act;
  switch (s.kind) {
    case LayerKind::dense:
      s.units = f.integer("units", 0);
      f.check(s.units >= 1 && s.units <= 1'000'000, "units", "must be in [1, 1000000]");
      break;
    case LayerKind::conv2d:
      s.filters = f.integer("filters", 0);
      s.kernel = f.integer("kernel", 3);
      s.stride = f.integer("stride", 1);
      s.padding = f.integer("padding", 0);
      f.check(s.filters >= 1 && s.filters <= 65536, "filters", "must be in [1, 65536]");
      f.check(s.kernel >= 1 && s.kernel <= 64, "kernel", "must be in [1, 64]");
      f.check(s.stride >= 1 && s.stride <= 64, "stride", "must be in [1, 64]");
      f.check(s.padding >= 0 && s.padding <= 64, "padding", "must be in [0, 64]");
      break;
    case LayerKind::max_pool:
      s.pool = f.integer("pool", 2);
      s.pool_stride = f.integer("stride", s.pool);
      f.check(s.pool >= 1 && s.pool <= 64, "pool", "must be in [1, 64]");
      f.check(s.pool_stride >= 1 && s.pool_stride <= 64, "stride", "must be in [1, 64]");
      break;
    case LayerKind::dropout:
      s.rate = f.number("rate", 0.5);
      f.check(s.rate >= 0 && s.rate < 1, "rate", "must be in [0, 1)");
      break;
    case LayerKind::activation:
      s.activation = read_activation(f, "function", nullptr);
      if (f.has("alpha")) s.alpha = f.number("alpha", default_alpha(s.activation));
      break;
    case LayerKind::maxout:
      s.pieces = f.integer("pieces", 2);
      f.check(s.pieces >= 1 && s.pieces <= 64, "pieces", "must be in [1, 64]");
      break;
    case LayerKind::flatten:
    case LayerKind::prelu:
      break;
  }
  if ((s.kind == LayerKind::dense || s.kind == LayerKind::conv2d) && f.has("activation")) {
    bool prelu = false;
    LayerSpec a;
    a.kind = LayerKind::activation;
    a.activation = read_activation(f, "activation", &prelu);
    if (prelu) a.kind = LayerKind::prelu;
    if (f.has("alpha")) a.alpha = f.number("alpha", default_alpha(a.activation));
    act = a;
  }
  f.finish();
  out.push_back(s);
  if (act) out.push_back(*act);
}

nlohmann::json layer_json(const LayerSpec& s) {
  nlohmann::json j{{"type", to_string(s.kind)}, {"name", s.name}};
  switch (s.kind) {
    case LayerKind::dense:
      j["units"] = s.units;
      break;
    case LayerKind::conv2d:
      j["filters"] = s.filters;
      j["kernel"] = s.kernel;
      j["stride"] = s.stride;
      j["padding"] = s.padding;
      break;
    case LayerKind::max_pool:
      j["pool"] = s.pool;
      j["stride"] = s.pool_stride;
      break;
    case LayerKind::dropout:
      j["rate"] = s.rate;
      break;
    case LayerKind::activation:
      j["function"] = to_string(s.activation);
      if (s.alpha) j["alpha"] = *s.alpha;
      break;
    case LayerKind::maxout:
      j["pieces"] = s.pieces;
      break;
    case LayerKind::flatten:
    case LayerKind::prelu:
      break;
  }
  return j;
}

GradualPruning read_pruning(const nlohmann::json& j, const std::string& path,
                            const ModelSpec& model) {
  JsonFields f(j, path);
  GradualPruning g;
  g.initial_sparsity = f.number("initial_sparsity", g.initial_sparsity);
  g.final_sparsity = f.number("final_sparsity", g.final_sparsity);
  g.begin_step = f.integer("begin_step", g.begin_step);
  g.end_step = f.integer("end_step", 0);
  if (!f.has("end_step"))
    f.fail("end_step", "missing: the step the last pruning reaches final_sparsity at");
  g.frequency = f.integer("frequency", g.frequency);
  g.power = f.number("power", g.power);
  g.global = f.boolean("global", g.global);
  for (const std::string& name : f.strings("layers", {}, "layer names")) {
    const bool weights =
        std::any_of(model.layers.begin(), model.layers.end(), [&](const LayerSpec& s) {
          return s.name == name && (s.kind == LayerKind::dense || s.kind == LayerKind::conv2d);
        });
    if (!weights)
      f.fail("layers", "no dense or conv2d layer of the model is named \"" + name + "\"");
    g.layers.push_back(name);
  }
  f.finish();
  validate(g, path);
  return g;
}

EarlyStopping read_early_stopping(const nlohmann::json& j, const std::string& path) {
  JsonFields f(j, path);
  EarlyStopping e;
  const std::string metric = f.string("metric", to_string(e.metric));
  if (metric == "validation_accuracy")
    e.metric = EarlyStopping::Metric::validation_accuracy;
  else if (metric != "validation_loss")
    f.fail("metric",
           "must be \"validation_loss\" or \"validation_accuracy\", got \"" + metric + "\"");
  const int64_t patience = f.integer("patience", e.patience);
  f.check(patience >= 1 && patience <= 1'000'000, "patience",
          "must be in [1, 1000000] evaluations");
  e.patience = int(patience);
  e.min_delta = f.number("min_delta", e.min_delta);
  f.check(std::isfinite(e.min_delta) && e.min_delta >= 0, "min_delta", "must be >= 0");
  f.finish();
  return e;
}

TrainingConfig read_training(const nlohmann::json& j, const std::string& path) {
  JsonFields f(j, path);
  TrainingConfig t;
  t.batch_size = f.integer("batch_size", t.batch_size);
  t.epochs = f.integer("epochs", t.epochs);
  t.steps = f.integer("steps", t.steps);
  const int64_t seed = f.integer("seed", int64_t(t.seed));
  const int64_t threads = f.integer("threads", t.threads);
  const int64_t shards = f.integer("shards", t.shards);
  f.check(threads >= 1 && threads <= 256, "threads", "must be in [1, 256]");
  f.check(shards >= 1 && shards <= 64, "shards", "must be in [1, 64]");
  t.threads = int(threads);
  t.shards = int(shards);
  t.eval_interval = f.integer("eval_interval", t.eval_interval);
  t.clip_norm = f.number("clip_norm", t.clip_norm);
  t.clip_value = f.number("clip_value", t.clip_value);
  t.checkpoint_interval = f.integer("checkpoint_interval", t.checkpoint_interval);
  f.check(t.batch_size >= 1 && t.batch_size <= 65536, "batch_size", "must be in [1, 65536]");
  f.check(t.epochs >= 0, "epochs", "must be >= 0");
  f.check(t.steps >= 0, "steps", "must be >= 0");
  f.check(seed >= 0, "seed", "must be >= 0");
  t.seed = uint64_t(seed);
  f.check(t.eval_interval >= 0, "eval_interval", "must be >= 0");
  f.check(t.clip_norm >= 0, "clip_norm", "must be >= 0 (0 turns it off)");
  f.check(t.clip_value >= 0, "clip_value", "must be >= 0 (0 turns it off)");
  f.check(t.checkpoint_interval >= 0, "checkpoint_interval", "must be >= 0");
  t.frozen = f.strings("frozen", {}, "layer names");
  if (const auto* e = f.get("early_stopping"))
    t.early_stopping = read_early_stopping(*e, f.key_path("early_stopping"));
  f.finish();
  return t;
}

}  // namespace

ExperimentConfig parse_experiment(const nlohmann::json& j, const std::string& source) {
  try {
    JsonFields f(j, "");
    ExperimentConfig c;
    c.name = f.string("name", c.name);
    c.description = f.string("description", "");
    if (const auto* d = f.get("data")) c.data = read_data(*d, "data");
    const auto& model = f.require("model", "{\"layers\": [...]}, the network to train");
    {
      JsonFields m(model, "model");
      const auto& layers =
          m.require("layers", "a list of layers like {\"type\": \"dense\", \"units\": 100}");
      if (!layers.is_array() || layers.empty())
        m.fail("layers", "must be a non-empty list of layers");
      for (std::size_t i = 0; i < layers.size(); ++i)
        read_layer(layers[i], "model.layers[" + std::to_string(i) + "]", c.model.layers);
      m.finish();
    }
    assign_names(c.model);
    for (std::size_t i = 0; i < c.model.layers.size(); ++i)
      for (std::size_t k = 0; k < i; ++k)
        if (c.model.layers[i].name == c.model.layers[k].name)
          throw Error("model.layers: two layers are named \"" + c.model.layers[i].name + "\"");
    if (const auto* init = f.get("init")) {
      JsonFields in(*init, "init");
      if (const auto* w = in.get("weights")) c.weight_init = read_init(*w, "init.weights");
      if (const auto* b = in.get("bias")) c.bias_init = read_init(*b, "init.bias");
      if (const auto* ob = in.get("output_bias")) {
        if (!ob->is_string() || (*ob != "log_prior" && *ob != "bias"))
          in.fail("output_bias",
                  "must be \"log_prior\" (the log of each class's share of the training set) "
                  "or \"bias\" (as init.bias), got " +
                      ob->dump());
        c.output_bias_log_prior = *ob == "log_prior";
      }
      if (const auto* per = in.get("layers")) {
        JsonFields pl(*per, "init.layers");
        for (auto it = per->begin(); it != per->end(); ++it) {
          const bool known = std::any_of(c.model.layers.begin(), c.model.layers.end(),
                                         [&](const LayerSpec& l) { return l.name == it.key(); });
          if (!known) pl.fail(it.key(), "no layer of the model has this name");
          c.layer_init[it.key()] = read_init(*pl.get(it.key()), pl.key_path(it.key()));
        }
        pl.finish();
      }
      in.finish();
    }
    if (const auto* l = f.get("loss")) {
      if (!l->is_string() || !loss_kind_from_string(l->get<std::string>()))
        f.fail("loss", "must be \"cross_entropy\" or \"mse\", got " + l->dump());
      c.loss = *loss_kind_from_string(l->get<std::string>());
    }
    if (const auto* o = f.get("optimizer")) c.optimizer = optimizer_from_json(*o, "optimizer");
    if (const auto* s = f.get("schedule"))
      c.schedule = schedule_from_json(*s, "schedule");
    else
      c.schedule.base_lr =
          default_learning_rate(c.optimizer.kind);  // constant, at the kind's usual rate
    if (cycles_momentum(c.schedule) && !has_cyclable_momentum(c.optimizer.kind))
      throw Error(std::string("schedule.cycle_momentum: the ") + to_string(c.optimizer.kind) +
                  " optimizer has no momentum or beta1 to cycle (momentum, nesterov, rmsprop, adam "
                  "and adamw have)");
    if (const auto* r = f.get("regularization")) {
      JsonFields reg(*r, "regularization");
      if (reg.has("weight_decay")) {
        c.optimizer.weight_decay = reg.number("weight_decay", 0.0);
        reg.check(c.optimizer.weight_decay >= 0, "weight_decay", "must be >= 0");
      }
      c.optimizer.decay_biases = reg.boolean("decay_biases", c.optimizer.decay_biases);
      if (reg.has("dropout")) {
        const double p = reg.number("dropout", 0.0);
        reg.check(p >= 0 && p < 1, "dropout", "must be in [0, 1)");
        for (auto& l : c.model.layers)
          if (l.kind == LayerKind::dropout) l.rate = p;
      }
      reg.finish();
    }
    if (const auto* t = f.get("training")) c.training = read_training(*t, "training");
    if (const auto* a = f.get("averaging")) {
      JsonFields av(*a, "averaging");
      c.averaging.polyak = av.boolean("polyak", false);
      c.averaging.polyak_start = av.integer("polyak_start", 0);
      c.averaging.ema_decay = av.number("ema_decay", 0.0);
      c.averaging.snapshot_ensemble = av.boolean("snapshot_ensemble", false);
      av.check(c.averaging.polyak_start >= 0, "polyak_start", "must be >= 0");
      av.check(
          c.averaging.ema_decay == 0.0 || (c.averaging.ema_decay > 0 && c.averaging.ema_decay < 1),
          "ema_decay", "must be 0 (off) or in (0, 1)");
      if (c.averaging.snapshot_ensemble && !std::holds_alternative<CyclicalLr>(c.schedule.shape) &&
          !std::holds_alternative<SgdrLr>(c.schedule.shape))
        av.fail("snapshot_ensemble",
                "needs a cyclical or sgdr schedule, whose cycle ends mark the snapshots");
      av.finish();
    }
    if (const auto* m = f.get("monitor")) {
      JsonFields mo(*m, "monitor");
      c.monitor.stats_interval = mo.integer("stats_interval", c.monitor.stats_interval);
      c.monitor.probe_samples = mo.integer("probe_samples", c.monitor.probe_samples);
      c.monitor.keyframe_interval = mo.integer("keyframe_interval", c.monitor.keyframe_interval);
      c.monitor.spike_factor = mo.number("spike_factor", c.monitor.spike_factor);
      c.monitor.sharpness_interval = mo.integer("sharpness_interval", c.monitor.sharpness_interval);
      c.monitor.sharpness_samples = mo.integer("sharpness_samples", c.monitor.sharpness_samples);
      mo.check(c.monitor.sharpness_interval >= 0, "sharpness_interval",
               "must be >= 0 (0 turns it off)");
      mo.check(c.monitor.sharpness_samples >= 1 && c.monitor.sharpness_samples <= 1000000,
               "sharpness_samples", "must be in [1, 1000000]");
      mo.check(c.monitor.stats_interval >= 0, "stats_interval", "must be >= 0 (0 turns it off)");
      mo.check(c.monitor.probe_samples >= 1 && c.monitor.probe_samples <= 100000, "probe_samples",
               "must be in [1, 100000]");
      mo.check(c.monitor.keyframe_interval >= 0, "keyframe_interval",
               "must be >= 0 (0 turns it off)");
      mo.check(c.monitor.spike_factor == 0 || c.monitor.spike_factor > 1, "spike_factor",
               "must be 0 (off) or > 1");
      mo.finish();
    }
    if (const auto* sc = f.get("script")) c.script = parse_script(*sc, "script");
    if (const auto* pr = f.get("pruning")) c.pruning = read_pruning(*pr, "pruning", c.model);
    for (const auto& name : c.training.frozen)
      if (std::none_of(c.model.layers.begin(), c.model.layers.end(),
                       [&](const LayerSpec& l) { return l.name == name; }))
        throw Error("training.frozen: no layer of the model is named \"" + name + "\"");
    f.finish();
    return c;
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": " + e.what());
  }
}

nlohmann::json parse_experiment_json(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // syntax errors and numbers like 1e600
    throw Error(source + ": not valid JSON: " + e.what());
  }
}

ExperimentConfig parse_experiment_text(const std::string& text, const std::string& source) {
  return parse_experiment(parse_experiment_json(text, source), source);
}

nlohmann::json read_experiment_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open the experiment config");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (16u << 20)) throw Error(path.string() + ": config larger than 16 MB");
  return parse_experiment_json(ss.str(), path.string());
}

ExperimentConfig load_experiment(const std::filesystem::path& path) {
  return parse_experiment(read_experiment_json(path), path.string());
}

nlohmann::json to_json(const ExperimentConfig& c) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : c.model.layers) layers.push_back(layer_json(l));
  nlohmann::json init{{"weights", init_json(c.weight_init)}, {"bias", init_json(c.bias_init)}};
  if (c.output_bias_log_prior) init["output_bias"] = "log_prior";
  if (!c.layer_init.empty()) {
    nlohmann::json per = nlohmann::json::object();
    for (const auto& [name, s] : c.layer_init) per[name] = init_json(s);
    init["layers"] = per;
  }
  nlohmann::json frozen = nlohmann::json::array();
  for (const auto& n : c.training.frozen) frozen.push_back(n);
  nlohmann::json script = nlohmann::json::array();
  for (const auto& sc : c.script) script.push_back(to_json(sc));
  const auto& t = c.training;
  nlohmann::json training{{"batch_size", t.batch_size},
                          {"epochs", t.epochs},
                          {"steps", t.steps},
                          {"seed", t.seed},
                          {"threads", t.threads},
                          {"shards", t.shards},
                          {"eval_interval", t.eval_interval},
                          {"clip_norm", t.clip_norm},
                          {"clip_value", t.clip_value},
                          {"checkpoint_interval", t.checkpoint_interval},
                          {"frozen", frozen}};
  if (t.early_stopping)
    training["early_stopping"] = {{"metric", to_string(t.early_stopping->metric)},
                                  {"patience", t.early_stopping->patience},
                                  {"min_delta", t.early_stopping->min_delta}};
  nlohmann::json out{
      {"name", c.name},
      {"description", c.description},
      {"data", c.data.raw.empty() ? nlohmann::json{{"dataset", c.data.dataset}} : c.data.raw},
      {"model", {{"layers", layers}}},
      {"init", init},
      {"loss", to_string(c.loss)},
      {"optimizer", to_json(c.optimizer)},
      {"schedule", to_json(c.schedule)},
      {"training", training},
      {"averaging",
       {{"polyak", c.averaging.polyak},
        {"polyak_start", c.averaging.polyak_start},
        {"ema_decay", c.averaging.ema_decay},
        {"snapshot_ensemble", c.averaging.snapshot_ensemble}}},
      {"monitor",
       {{"stats_interval", c.monitor.stats_interval},
        {"probe_samples", c.monitor.probe_samples},
        {"keyframe_interval", c.monitor.keyframe_interval},
        {"spike_factor", c.monitor.spike_factor},
        {"sharpness_interval", c.monitor.sharpness_interval},
        {"sharpness_samples", c.monitor.sharpness_samples}}},
      {"script", script}};
  if (c.pruning) {
    const GradualPruning& g = *c.pruning;
    out["pruning"] = {{"initial_sparsity", g.initial_sparsity},
                      {"final_sparsity", g.final_sparsity},
                      {"begin_step", g.begin_step},
                      {"end_step", g.end_step},
                      {"frequency", g.frequency},
                      {"power", g.power},
                      {"layers", g.layers},
                      {"global", g.global}};
  }
  return out;
}

}  // namespace ts
