#include "core/optim/optimizer_json.h"
#include "core/text_format.h"

#include "core/error.h"
#include "core/io/json_fields.h"

#include <string_view>
#include <vector>

namespace ts {

OptimizerSettings optimizer_from_json(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object()) {
    throw Error((path.empty() ? std::string("optimizer") : path) + ": must be an object, got " +
                j.dump());
  }
  JsonFields f(j, path);
  const std::string type = f.required_string("type");
  const auto kind = optimizer_kind_from_string(type);
  if (!kind) {
    std::vector<std::string_view> names;
    for (OptimizerKind k : all_optimizer_kinds()) names.push_back(to_string(k));
    f.fail("type", "unknown optimizer \"" + type + "\" (expected one of: " + join(names) + ")");
  }

  // Each kind reads its own keys; any other is reported as unknown for the type.
  OptimizerSettings s = default_optimizer_settings(*kind);
  switch (s.kind) {
    case OptimizerKind::sgd:
      break;
    case OptimizerKind::momentum:
    case OptimizerKind::nesterov:
      s.momentum = f.number("momentum", s.momentum);
      break;
    case OptimizerKind::adagrad:
      s.eps = f.number("eps", s.eps);
      break;
    case OptimizerKind::rmsprop:
      s.rho = f.number("rho", s.rho);
      s.eps = f.number("eps", s.eps);
      s.rmsprop_momentum = f.number("momentum", s.rmsprop_momentum);
      s.rmsprop_nesterov = f.boolean("nesterov", s.rmsprop_nesterov);
      break;
    case OptimizerKind::adam:
    case OptimizerKind::adamw:
      s.beta1 = f.number("beta1", s.beta1);
      s.beta2 = f.number("beta2", s.beta2);
      s.eps = f.number("eps", s.eps);
      break;
    case OptimizerKind::adadelta:
      s.rho = f.number("rho", s.rho);
      s.eps = f.number("eps", s.eps);
      break;
  }
  s.weight_decay = f.number("weight_decay", s.weight_decay);
  s.decay_biases = f.boolean("decay_biases", s.decay_biases);
  f.finish(to_string(s.kind));
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
