// Strict reading of one JSON object of a config: typed getters with defaults, range errors
// that name the full key path ("training.batch_size: must be >= 1, got 0"), and `finish`,
// which rejects any key that was not read (a typo is an error, not a silent default).
// A plain helper used by the config parsers; no state beyond the object being read.
#pragma once

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <string>

namespace ts {

class JsonFields {
 public:
  JsonFields(const nlohmann::json& j, std::string path);

  const std::string& path() const { return path_; }
  std::string key_path(const std::string& key) const;
  bool has(const std::string& key) const { return j_.contains(key); }
  // The raw value (marks the key as read), or nullptr when absent.
  const nlohmann::json* get(const std::string& key);
  // The value of a key that must be present; `expected` (when given) says what it should be.
  const nlohmann::json& require(const std::string& key, const std::string& expected = "");

  double number(const std::string& key, double fallback);
  int64_t integer(const std::string& key, int64_t fallback);
  bool boolean(const std::string& key, bool fallback);
  std::string string(const std::string& key, const std::string& fallback);

  // Throws "path.key: <message>, got <value>" unless `ok`.
  void check(bool ok, const std::string& key, const std::string& message) const;
  // Throws for the first key that no getter read.
  void finish() const;

  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::set<std::string> read_;
};

}  // namespace ts
