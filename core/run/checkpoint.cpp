#include "core/run/checkpoint.h"

#include "core/error.h"
#include "core/experiment/experiment_json.h"
#include "core/io/safetensors.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace ts {

namespace {

constexpr const char* kFormat = "trainscope-checkpoint-1";
const std::string kInitial = "__initial__.";
const std::string kMask = "__mask__.";
const std::string kOptim = "__optim__.";
const std::string kAverage = "__average__.";
const std::string kEnsemble = "__ensemble__.";

std::vector<int64_t> shape_of(const ParamInfo& info) {
  return std::vector<int64_t>(info.shape.begin(), info.shape.end());
}

nlohmann::json batcher_json(const BatcherState& s) {
  return {{"seed", s.seed},
          {"epoch", s.epoch},
          {"position", s.position},
          {"num_samples", s.num_samples},
          {"batch_size", s.batch_size}};
}

const std::string& meta(const SafetensorsContents& c, const std::string& key,
                        const std::string& file) {
  const auto it = c.metadata.find(key);
  if (it == c.metadata.end())
    throw Error(file + ": __metadata__ has no \"" + key + "\"; not a trainscope checkpoint");
  return it->second;
}

int64_t meta_int(const SafetensorsContents& c, const std::string& key, const std::string& file) {
  const std::string& v = meta(c, key, file);
  try {
    std::size_t used = 0;
    const long long n = std::stoll(v, &used);
    if (used != v.size() || n < 0) throw std::invalid_argument(v);
    return n;
  } catch (const std::exception&) {
    throw Error(file + ": __metadata__ \"" + key + "\" must be a non-negative integer, got \"" + v +
                "\"");
  }
}

void check_format(const SafetensorsContents& c, const std::string& file) {
  if (meta(c, "format", file) != kFormat)
    throw Error(file + ": __metadata__ \"format\" is \"" + meta(c, "format", file) +
                "\", expected \"" + kFormat + "\"");
}

SafetensorsContents read_checked(const std::filesystem::path& path) {
  SafetensorsContents c = read_safetensors(path);
  check_format(c, path.string());
  return c;
}

// Values of `name` checked against the parameter's shape.
std::vector<float> tensor_values(const SafetensorsContents& c, const std::string& name,
                                 const ParamInfo& info, const std::string& file) {
  const TensorRecord* t = c.find(name);
  if (!t) throw Error(file + ": tensor \"" + name + "\" is missing");
  if (t->shape != shape_of(info)) {
    std::string got, want;
    for (auto d : t->shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
    for (auto d : info.shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
    throw Error(file + ": tensor \"" + name + "\" has shape [" + got + "], the model needs [" +
                want + "]");
  }
  std::vector<float> v = as_f32(*t, file);
  for (float x : v)
    if (!std::isfinite(x)) throw Error(file + ": tensor \"" + name + "\" holds a non-finite value");
  return v;
}

}  // namespace

SafetensorsContents checkpoint_contents(const Run& run) {
  SafetensorsContents c;
  const auto& params = run.network().params();
  nlohmann::json frozen = nlohmann::json::array();
  for (std::size_t i = 0; i < params.count(); ++i) {
    const ParamInfo& info = params.info(i);
    c.tensors.push_back(make_f32(info.name, shape_of(info), params.values(i)));
    c.tensors.push_back(
        make_f32(kInitial + info.name, shape_of(info),
                 std::span<const float>(run.initial_values().data() + info.offset, info.size)));
    const auto m = params.masks(i);
    if (std::any_of(m.begin(), m.end(), [](float v) { return v == 0.0f; })) {
      std::vector<uint8_t> bytes(m.size());
      for (std::size_t k = 0; k < m.size(); ++k) bytes[k] = m[k] != 0.0f ? 1 : 0;
      c.tensors.push_back(make_u8(kMask + info.name, shape_of(info), bytes));
    }
    if (info.frozen) frozen.push_back(info.name);
  }
  auto& opt = const_cast<Optimizer&>(run.optimizer());
  for (const auto& [name, buf] : opt.state_buffers())
    c.tensors.push_back(make_f32(kOptim + name, {int64_t(buf->size())}, *buf));
  if (const WeightAverage* a = run.polyak()) {
    c.tensors.push_back(make_f64(kAverage + "polyak", {int64_t(a->sums().size())}, a->sums()));
    c.metadata["polyak_count"] = std::to_string(a->count());
  }
  if (const WeightAverage* a = run.ema()) {
    c.tensors.push_back(make_f64(kAverage + "ema", {int64_t(a->sums().size())}, a->sums()));
    c.metadata["ema_count"] = std::to_string(a->count());
  }
  nlohmann::json ensemble_steps = nlohmann::json::array();
  for (std::size_t i = 0; i < run.ensemble().members.size(); ++i) {
    const auto& m = run.ensemble().members[i];
    c.tensors.push_back(make_f32(kEnsemble + std::to_string(i), {int64_t(m.size())}, m));
    ensemble_steps.push_back(run.ensemble().steps[i]);
  }
  c.metadata["ensemble_steps"] = ensemble_steps.dump();
  c.metadata["format"] = kFormat;
  c.metadata["config"] = to_json(run.config()).dump();
  c.metadata["step"] = std::to_string(run.steps_done());
  c.metadata["schedule_start"] = std::to_string(run.schedule_start());
  c.metadata["scripts_applied"] = std::to_string(run.scripts_applied());
  if (!run.monitor_state().empty()) c.metadata["monitor"] = run.monitor_state();
  c.metadata["optimizer"] = to_string(run.optimizer().kind());
  c.metadata["optimizer_steps"] = std::to_string(run.optimizer().step_count());
  c.metadata["batcher"] = batcher_json(run.batcher().state()).dump();
  c.metadata["frozen"] = frozen.dump();
  return c;
}

void save_checkpoint(const Run& run, const std::filesystem::path& path) {
  write_safetensors(path, checkpoint_contents(run));
}

ExperimentConfig checkpoint_config(const std::filesystem::path& path) {
  const SafetensorsContents c = read_checked(path);
  return parse_experiment_text(meta(c, "config", path.string()), path.string() + " (config)");
}

void load_checkpoint(Run& run, const std::filesystem::path& path) {
  restore_checkpoint(run, read_safetensors(path), path.string());
}

void restore_checkpoint(Run& run, const SafetensorsContents& c, const std::string& file) {
  check_format(c, file);
  auto& params = run.network().params();
  const std::size_t n = params.total_size();

  // Read and check everything first; change the run only when all is well.
  std::vector<float> values(n), initial(n), masks(n, 1.0f);
  for (std::size_t i = 0; i < params.count(); ++i) {
    const ParamInfo& info = params.info(i);
    auto v = tensor_values(c, info.name, info, file);
    std::copy(v.begin(), v.end(), values.begin() + long(info.offset));
    auto w0 = tensor_values(c, kInitial + info.name, info, file);
    std::copy(w0.begin(), w0.end(), initial.begin() + long(info.offset));
    if (const TensorRecord* m = c.find(kMask + info.name)) {
      if (m->shape != shape_of(info))
        throw Error(file + ": mask \"" + m->name + "\" does not match its tensor's shape");
      const auto bytes = as_u8(*m, file);
      for (std::size_t k = 0; k < bytes.size(); ++k) {
        if (bytes[k] > 1)
          throw Error(file + ": mask \"" + m->name + "\" holds a value other than 0 or 1");
        masks[info.offset + k] = float(bytes[k]);
      }
    }
  }
  if (meta(c, "optimizer", file) != to_string(run.optimizer().kind()))
    throw Error(file + ": optimizer state is for " + meta(c, "optimizer", file) +
                ", the run uses " + to_string(run.optimizer().kind()));
  std::vector<std::pair<std::vector<float>*, std::vector<float>>> states;
  for (const auto& [name, buf] : run.optimizer().state_buffers()) {
    const TensorRecord* t = c.find(kOptim + name);
    if (!t) throw Error(file + ": optimizer state \"" + kOptim + name + "\" is missing");
    auto v = as_f32(*t, file);
    if (v.size() != buf->size())
      throw Error(file + ": optimizer state \"" + kOptim + name + "\" has " +
                  std::to_string(v.size()) + " values, the model has " + std::to_string(n));
    states.emplace_back(buf, std::move(v));
  }
  const int64_t step = meta_int(c, "step", file);
  const int64_t opt_steps = meta_int(c, "optimizer_steps", file);
  const int64_t schedule_start =
      c.metadata.count("schedule_start") ? meta_int(c, "schedule_start", file) : 0;
  // Checkpoints without the count (none of their scripts' commands were tracked) count
  // those before their step as applied.
  std::size_t scripts_applied = 0;
  if (c.metadata.count("scripts_applied")) {
    scripts_applied = std::size_t(meta_int(c, "scripts_applied", file));
  } else {
    for (const auto& sc : run.config().script) scripts_applied += sc.at < step;
  }
  if (scripts_applied > run.config().script.size())
    throw Error(file + ": __metadata__ \"scripts_applied\" (" + std::to_string(scripts_applied) +
                ") is more than the " + std::to_string(run.config().script.size()) +
                " scripted commands of its config");
  // The trainer's own state (Run::monitor_state); older checkpoints have none.
  const std::string monitor = c.metadata.count("monitor") ? c.metadata.at("monitor") : "";
  if (!monitor.empty() && !nlohmann::json::accept(monitor))
    throw Error(file + ": __metadata__ \"monitor\" is not JSON");
  if (schedule_start > step)
    throw Error(file + ": __metadata__ \"schedule_start\" (" + std::to_string(schedule_start) +
                ") is after \"step\" (" + std::to_string(step) + ")");
  BatcherState bs;
  try {
    const auto j = nlohmann::json::parse(meta(c, "batcher", file));
    bs.seed = j.at("seed").get<uint64_t>();
    bs.epoch = j.at("epoch").get<uint64_t>();
    bs.position = j.at("position").get<uint64_t>();
    bs.num_samples = j.at("num_samples").get<uint64_t>();
    bs.batch_size = j.at("batch_size").get<uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(file +
                ": __metadata__ \"batcher\" is malformed (expected a JSON object of "
                "non-negative integers seed, epoch, position, num_samples, batch_size): " +
                e.what());
  }
  std::vector<std::string> frozen;
  try {
    for (const auto& f : nlohmann::json::parse(meta(c, "frozen", file)))
      frozen.push_back(f.get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    throw Error(file +
                ": __metadata__ \"frozen\" is malformed (expected a JSON list of tensor "
                "names): " +
                e.what());
  }
  // Averages and the snapshot ensemble, when the run keeps them.
  auto read_average = [&](const WeightAverage* avg, const std::string& name,
                          std::vector<double>& sums, int64_t& count) {
    if (!avg) return;
    const TensorRecord* t = c.find(kAverage + name);
    if (!t) throw Error(file + ": tensor \"" + kAverage + name + "\" is missing");
    sums = as_f64(*t, file);
    if (!sums.empty() && sums.size() != n)
      throw Error(file + ": tensor \"" + kAverage + name + "\" has " + std::to_string(sums.size()) +
                  " values, the model has " + std::to_string(n));
    count = meta_int(c, name + "_count", file);
  };
  std::vector<double> polyak_sums, ema_sums;
  int64_t polyak_count = 0, ema_count = 0;
  read_average(run.polyak(), "polyak", polyak_sums, polyak_count);
  read_average(run.ema(), "ema", ema_sums, ema_count);
  SnapshotEnsemble ensemble;
  try {
    for (const auto& s : nlohmann::json::parse(meta(c, "ensemble_steps", file)))
      ensemble.steps.push_back(s.get<int64_t>());
  } catch (const nlohmann::json::exception& e) {
    throw Error(file +
                ": __metadata__ \"ensemble_steps\" is malformed (expected a JSON list "
                "of steps): " +
                e.what());
  }
  for (std::size_t i = 0; i < ensemble.steps.size(); ++i) {
    const TensorRecord* t = c.find(kEnsemble + std::to_string(i));
    if (!t) throw Error(file + ": tensor \"" + kEnsemble + std::to_string(i) + "\" is missing");
    ensemble.members.push_back(as_f32(*t, file));
    if (ensemble.members.back().size() != n)
      throw Error(file + ": tensor \"" + kEnsemble + std::to_string(i) +
                  "\" does not match the model's size");
  }
  // Batcher first: it validates the state against the data and throws before any change.
  const BatcherState previous = run.batcher().state();
  run.batcher().set_state(bs);
  try {
    run.optimizer().set_step_count(opt_steps);
  } catch (...) {
    run.batcher().set_state(previous);
    throw;
  }
  std::copy(values.begin(), values.end(), params.values().begin());
  std::copy(masks.begin(), masks.end(), params.masks().begin());
  params.refresh_pruning();
  params.apply_masks();
  run.initial_values() = std::move(initial);
  for (auto& [buf, v] : states) *buf = std::move(v);
  for (std::size_t i = 0; i < params.count(); ++i)
    params.info(i).frozen =
        std::find(frozen.begin(), frozen.end(), params.info(i).name) != frozen.end();
  if (run.polyak()) run.polyak()->restore(std::move(polyak_sums), polyak_count);
  if (run.ema()) run.ema()->restore(std::move(ema_sums), ema_count);
  run.ensemble() = std::move(ensemble);
  run.set_steps_done(step);
  run.set_schedule_start(schedule_start);
  run.set_scripts_applied(scripts_applied);
  run.set_monitor_state(monitor);
}

std::vector<std::string> load_weights(Run& run, const std::filesystem::path& path,
                                      const std::vector<std::string>& layers) {
  const std::string file = path.string();
  const SafetensorsContents c = read_safetensors(path);
  auto& params = run.network().params();
  std::vector<std::string> copied;
  for (const auto& layer : layers)
    if (run.network().find_layer(layer) < 0)
      throw Error("no layer of the model is named \"" + layer + "\"");
  for (std::size_t i = 0; i < params.count(); ++i) {
    const ParamInfo& info = params.info(i);
    const std::string layer = info.name.substr(0, info.name.find('.'));
    if (!layers.empty() && std::find(layers.begin(), layers.end(), layer) == layers.end()) continue;
    const TensorRecord* t = c.find(info.name);
    if (!t) {
      if (!layers.empty()) throw Error(file + ": tensor \"" + info.name + "\" is missing");
      continue;
    }
    const auto v = tensor_values(c, info.name, info, file);
    std::copy(v.begin(), v.end(), params.values(i).begin());
    copied.push_back(info.name);
  }
  params.apply_masks();
  return copied;
}

}  // namespace ts
