#include "core/io/json_fields.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ts {

namespace {

// 2^53: every integer up to it is exactly one double.
constexpr double kExactIntegers = 9007199254740992.0;

}  // namespace

double JsonFields::number_of(const nlohmann::json& v, const std::string& where) {
  if (!v.is_number()) throw Error(where + ": must be a number, got " + v.dump());
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw Error(where + ": must be finite, got " + v.dump());
  return d;
}

int64_t JsonFields::integer_of(const nlohmann::json& v, const std::string& where) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > uint64_t(std::numeric_limits<int64_t>::max()))
      throw Error(where + ": is too large, got " + v.dump());
    return int64_t(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::abs(d) <= kExactIntegers) return int64_t(d);
  }
  throw Error(where + ": must be an integer, got " + v.dump());
}

JsonFields::JsonFields(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {
  if (!j_.is_object())
    throw Error((path_.empty() ? std::string("the top level") : path_) +
                ": must be a JSON object {...}, got " + j_.dump());
}

std::string JsonFields::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const nlohmann::json* JsonFields::get(std::string_view key) {
  if (std::find(read_.begin(), read_.end(), key) == read_.end()) read_.emplace_back(key);
  const auto it = j_.find(key);
  return it == j_.end() ? nullptr : &*it;
}

const nlohmann::json& JsonFields::require(std::string_view key, const std::string& expected) {
  const nlohmann::json* v = get(key);
  if (!v)
    throw Error(key_path(key) + ": missing" + (owner_.empty() ? "" : ", required by " + owner_) +
                (expected.empty() ? "" : "; expected " + expected));
  return *v;
}

double JsonFields::number(std::string_view key, double fallback) {
  const nlohmann::json* v = get(key);
  return v ? number_of(*v, key_path(key)) : fallback;
}

int64_t JsonFields::integer(std::string_view key, int64_t fallback) {
  const nlohmann::json* v = get(key);
  return v ? integer_of(*v, key_path(key)) : fallback;
}

bool JsonFields::boolean(std::string_view key, bool fallback) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (!v->is_boolean()) fail(key, "must be true or false, got " + v->dump());
  return v->get<bool>();
}

std::string JsonFields::string(std::string_view key, const std::string& fallback) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (!v->is_string()) fail(key, "must be a string, got " + v->dump());
  return v->get<std::string>();
}

std::vector<int64_t> JsonFields::integers(std::string_view key,
                                          const std::vector<int64_t>& fallback,
                                          const std::string& what) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (!v->is_array()) fail(key, "must be a list of " + what + ", got " + v->dump());
  std::vector<int64_t> out;
  for (std::size_t i = 0; i < v->size(); ++i)
    out.push_back(integer_of((*v)[i], key_path(key) + "[" + std::to_string(i) + "]"));
  return out;
}

std::vector<std::string> JsonFields::strings(std::string_view key,
                                             const std::vector<std::string>& fallback,
                                             const std::string& what) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (!v->is_array()) fail(key, "must be a list of " + what + ", got " + v->dump());
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) fail(key, "must be a list of " + what + ", got " + v->dump());
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<double> JsonFields::optional_number(std::string_view key) {
  const nlohmann::json* v = get(key);
  if (!v) return std::nullopt;
  return number_of(*v, key_path(key));
}

double JsonFields::required_number(std::string_view key) {
  return number_of(require(key), key_path(key));
}

int64_t JsonFields::required_integer(std::string_view key) {
  return integer_of(require(key), key_path(key));
}

std::string JsonFields::required_string(std::string_view key) {
  require(key);
  return string(key, "");
}

std::vector<int64_t> JsonFields::required_integers(std::string_view key, const std::string& what) {
  require(key);
  return integers(key, {}, what);
}

void JsonFields::check(bool ok, std::string_view key, const std::string& message) const {
  if (ok) return;
  const auto it = j_.find(key);
  fail(key, message + (it != j_.end() ? ", got " + it->dump() : std::string()));
}

void JsonFields::finish(std::string_view type) const {
  for (auto it = j_.begin(); it != j_.end(); ++it)
    if (std::find(read_.begin(), read_.end(), it.key()) == read_.end()) {
      std::string known;
      for (const auto& k : read_) known += (known.empty() ? "" : ", ") + k;
      throw Error(key_path(it.key()) + ": unknown key" +
                  (type.empty() ? std::string() : " for type " + std::string(type)) +
                  " (expected one of: " + known + ")");
    }
}

void JsonFields::fail(std::string_view key, const std::string& message) const {
  throw Error(key_path(key) + ": " + message);
}

}  // namespace ts
