#include "core/io/json_fields.h"

#include <cmath>

namespace ts {

JsonFields::JsonFields(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {
  if (!j_.is_object())
    throw Error((path_.empty() ? std::string("the top level") : path_) +
                ": must be a JSON object {...}, got " + j_.dump());
}

std::string JsonFields::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

const nlohmann::json* JsonFields::get(const std::string& key) {
  read_.insert(key);
  const auto it = j_.find(key);
  return it == j_.end() ? nullptr : &*it;
}

const nlohmann::json& JsonFields::require(const std::string& key, const std::string& expected) {
  const nlohmann::json* v = get(key);
  if (!v)
    throw Error(key_path(key) + ": missing" + (expected.empty() ? "" : "; expected " + expected));
  return *v;
}

double JsonFields::number(const std::string& key, double fallback) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (!v->is_number()) fail(key, "must be a number, got " + v->dump());
  const double d = v->get<double>();
  if (!std::isfinite(d)) fail(key, "must be finite");
  return d;
}

int64_t JsonFields::integer(const std::string& key, int64_t fallback) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9e15) return int64_t(d);
  }
  fail(key, "must be an integer, got " + v->dump());
}

bool JsonFields::boolean(const std::string& key, bool fallback) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (!v->is_boolean()) fail(key, "must be true or false, got " + v->dump());
  return v->get<bool>();
}

std::string JsonFields::string(const std::string& key, const std::string& fallback) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (!v->is_string()) fail(key, "must be a string, got " + v->dump());
  return v->get<std::string>();
}

void JsonFields::check(bool ok, const std::string& key, const std::string& message) const {
  if (ok) return;
  const auto it = j_.find(key);
  fail(key, message + (it != j_.end() ? ", got " + it->dump() : std::string()));
}

void JsonFields::finish() const {
  for (auto it = j_.begin(); it != j_.end(); ++it)
    if (!read_.count(it.key())) {
      std::string known;
      for (const auto& k : read_) known += (known.empty() ? "" : ", ") + k;
      throw Error(key_path(it.key()) + ": unknown key (known here: " + known + ")");
    }
}

void JsonFields::fail(const std::string& key, const std::string& message) const {
  throw Error(key_path(key) + ": " + message);
}

}  // namespace ts
