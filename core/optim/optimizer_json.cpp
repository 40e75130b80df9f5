#include "core/optim/optimizer_json.h"
#include "core/text_format.h"

#include "core/error.h"

#include <algorithm>
#include <string_view>
#include <vector>

namespace ts {

namespace {

std::string key_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::vector<std::string_view> keys_for(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd:
      return {"type", "weight_decay", "decay_biases"};
    case OptimizerKind::momentum:
    case OptimizerKind::nesterov:
      return {"type", "momentum", "weight_decay", "decay_biases"};
    case OptimizerKind::adagrad:
      return {"type", "eps", "weight_decay", "decay_biases"};
    case OptimizerKind::rmsprop:
      return {"type", "rho", "eps", "momentum", "nesterov", "weight_decay", "decay_biases"};
    case OptimizerKind::adam:
    case OptimizerKind::adamw:
      return {"type", "beta1", "beta2", "eps", "weight_decay", "decay_biases"};
    case OptimizerKind::adadelta:
      return {"type", "rho", "eps", "weight_decay", "decay_biases"};
  }
  return {};
}

// Overwrites `out` with j[key] when present; throws unless it is a number.
void read_number(const nlohmann::json& j, const std::string& path, const char* key, double& out) {
  const auto it = j.find(key);
  if (it == j.end()) return;
  if (!it->is_number()) {
    throw Error(key_path(path, key) + ": must be a number, got " + it->dump());
  }
  out = it->get<double>();
}

void read_bool(const nlohmann::json& j, const std::string& path, const char* key, bool& out) {
  const auto it = j.find(key);
  if (it == j.end()) return;
  if (!it->is_boolean()) {
    throw Error(key_path(path, key) + ": must be true or false, got " + it->dump());
  }
  out = it->get<bool>();
}

}  // namespace

OptimizerSettings optimizer_from_json(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object()) {
    throw Error((path.empty() ? std::string("optimizer") : path) + ": must be an object, got " +
                j.dump());
  }
  const auto type = j.find("type");
  if (type == j.end()) throw Error(key_path(path, "type") + ": missing");
  if (!type->is_string()) {
    throw Error(key_path(path, "type") + ": must be a string, got " + type->dump());
  }
  const auto kind = optimizer_kind_from_string(type->get<std::string>());
  if (!kind) {
    std::vector<std::string_view> names;
    for (OptimizerKind k : all_optimizer_kinds()) names.push_back(to_string(k));
    throw Error(key_path(path, "type") + ": unknown optimizer " + type->dump() +
                " (expected one of: " + join(names) + ")");
  }

  const std::vector<std::string_view> allowed = keys_for(*kind);
  for (const auto& item : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
      throw Error(key_path(path, item.key()) + ": unknown key for type " + to_string(*kind) +
                  " (expected one of: " + join(allowed) + ")");
    }
  }

  OptimizerSettings s = default_optimizer_settings(*kind);
  read_number(j, path, "weight_decay", s.weight_decay);
  read_bool(j, path, "decay_biases", s.decay_biases);
  read_number(j, path, "eps", s.eps);
  read_number(j, path, "rho", s.rho);
  read_number(j, path, "beta1", s.beta1);
  read_number(j, path, "beta2", s.beta2);
  if (s.kind == OptimizerKind::rmsprop) {
    read_number(j, path, "momentum", s.rmsprop_momentum);
    read_bool(j, path, "nesterov", s.rmsprop_nesterov);
  } else {
    read_number(j, path, "momentum", s.momentum);
  }
  validate(s, path);
  return s;
}

nlohmann::json to_json(const OptimizerSettings& s) {
  nlohmann::json j = {{"type", to_string(s.kind)}, {"weight_decay", s.weight_decay}};
  if (s.decay_biases) j["decay_biases"] = true;
  switch (s.kind) {
    case OptimizerKind::sgd:
      break;
    case OptimizerKind::momentum:
    case OptimizerKind::nesterov:
      j["momentum"] = s.momentum;
      break;
    case OptimizerKind::adagrad:
      j["eps"] = s.eps;
      break;
    case OptimizerKind::rmsprop:
      j["rho"] = s.rho;
      j["eps"] = s.eps;
      j["momentum"] = s.rmsprop_momentum;
      j["nesterov"] = s.rmsprop_nesterov;
      break;
    case OptimizerKind::adam:
    case OptimizerKind::adamw:
      j["beta1"] = s.beta1;
      j["beta2"] = s.beta2;
      j["eps"] = s.eps;
      break;
    case OptimizerKind::adadelta:
      j["rho"] = s.rho;
      j["eps"] = s.eps;
      break;
  }
  return j;
}

}  // namespace ts
