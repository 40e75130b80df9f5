// Strict reading of one JSON object: typed getters, errors that name the full key path
// ("training.batch_size: must be >= 1, got 0"), and `finish`, which rejects any key that was not
// read (a typo is an error, not a silent default). The one reader of every JSON the project
// takes (experiment configs, schedules, optimizers, commands, window settings), so each follows
// the same rules:
//   number   any JSON number that is finite ("1e999" overflows: "must be finite");
//   integer  a JSON integer within int64, or a number with an integral value of magnitude at
//            most 2^53 (1e4 is 10000; 1e16 is not exactly one integer: "must be an integer");
//   boolean  true or false only; string  a JSON string only;
//   lists    a JSON array whose every item follows the item's rule.
// A plain helper; no state beyond the object being read and the keys asked for.
#pragma once

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ts {

class JsonFields {
 public:
  // Throws "<path>: must be a JSON object {...}, got ..." unless `j` is an object.
  JsonFields(const nlohmann::json& j, std::string path);

  const std::string& path() const { return path_; }
  std::string key_path(std::string_view key) const;
  bool has(std::string_view key) const { return j_.contains(key); }
  // The raw value (marks the key as read), or nullptr when absent.
  const nlohmann::json* get(std::string_view key);
  // The value of a key that must be present; `expected` (when given) says what it should be.
  const nlohmann::json& require(std::string_view key, const std::string& expected = "");

  // The value when the key is present, else `fallback`.
  double number(std::string_view key, double fallback);
  int64_t integer(std::string_view key, int64_t fallback);
  bool boolean(std::string_view key, bool fallback);
  std::string string(std::string_view key, const std::string& fallback);
  // Lists; `what` names the items in errors ("layer names", "steps").
  std::vector<int64_t> integers(std::string_view key, const std::vector<int64_t>& fallback,
                                const std::string& what = "integers");
  std::vector<std::string> strings(std::string_view key, const std::vector<std::string>& fallback,
                                   const std::string& what = "strings");
  // Present or not, without a fallback.
  std::optional<double> optional_number(std::string_view key);

  // The same, for keys that must be present ("missing" otherwise).
  double required_number(std::string_view key);
  int64_t required_integer(std::string_view key);
  std::string required_string(std::string_view key);
  std::vector<int64_t> required_integers(std::string_view key, const std::string& what);

  // Names what needs the keys in "missing" errors: "x: missing, required by the \"step\" schedule".
  void required_by(std::string owner) { owner_ = std::move(owner); }

  // Throws "path.key: <message>, got <value>" unless `ok`.
  void check(bool ok, std::string_view key, const std::string& message) const;
  // Throws for the first key that no getter read, listing the keys that were:
  // "path.key: unknown key[ for type T] (expected one of: a, b)".
  void finish(std::string_view type = {}) const;

  [[noreturn]] void fail(std::string_view key, const std::string& message) const;

  // The rules above for one value (`where` names it in the error).
  static double number_of(const nlohmann::json& v, const std::string& where);
  static int64_t integer_of(const nlohmann::json& v, const std::string& where);

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::string owner_;
  std::vector<std::string> read_;  // in the order asked for
};

}  // namespace ts
