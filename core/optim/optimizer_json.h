// OptimizerSettings to and from JSON. The JSON form names the kind and lists only the fields
// that kind reads:
//
//   {"type": "sgd", "weight_decay": 0}
//   {"type": "momentum" | "nesterov", "momentum": 0.9, "weight_decay": 0}
//   {"type": "adagrad", "eps": 1e-10, "weight_decay": 0}
//   {"type": "rmsprop", "rho": 0.9, "eps": 1e-8, "momentum": 0, "nesterov": false,
//    "weight_decay": 0}        (momentum/nesterov map to rmsprop_momentum/rmsprop_nesterov)
//   {"type": "adam" | "adamw", "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0}
//   {"type": "adadelta", "rho": 0.9, "eps": 1e-6, "weight_decay": 0}
//
// Every kind also takes "decay_biases" (default false: weight decay reaches weight matrices
// and filters only; written only when true). The experiment config accepts it under
// "regularization" too, like "weight_decay".
// "type" is required; a missing field takes the kind's default (default_optimizer_settings:
// the values shown above). Pure functions,
// callable from any thread.
#pragma once

#include "core/optim/optimizer.h"

#include <nlohmann/json.hpp>

#include <string>

namespace ts {

// Throws ts::Error naming the full key path (`path` + "." + key, e.g. "optimizer.beta1") on a
// missing or unknown type, a key the type does not use, a value of the wrong JSON type, or a
// value out of range (see `validate` in core/optim/optimizer.h).
OptimizerSettings optimizer_from_json(const nlohmann::json& j, const std::string& path);

// The form above with every field the kind reads; optimizer_from_json reads it back equal.
nlohmann::json to_json(const OptimizerSettings& settings);

}  // namespace ts
