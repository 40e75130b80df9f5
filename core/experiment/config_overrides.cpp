#include "core/experiment/config_overrides.h"

#include "core/error.h"
#include "core/experiment/experiment_json.h"

#include <algorithm>
#include <cctype>

namespace ts {

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string joined(const std::vector<std::string>& path, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n && i < path.size(); ++i) s += (i ? "." : "") + path[i];
  return s;
}

const char* type_name(const nlohmann::json& j) {
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_boolean()) return "true or false";
  if (j.is_null()) return "null";
  return "a value";
}

// The element of an array a path part names: its index ("1") or the "name" of an object in it
// ("fc1"); the array's size when none is (an index past the end stays as it is).
std::size_t element_index(const nlohmann::json& array, const std::string& part) {
  if (all_digits(part) && part.size() < 10) return std::stoul(part);
  std::size_t index = array.size();
  for (std::size_t k = 0; k < array.size(); ++k)
    if (array[k].is_object() && array[k].value("name", std::string()) == part) index = k;
  return index;
}

}  // namespace

const nlohmann::json* value_at(const nlohmann::json& config, const std::vector<std::string>& path) {
  const nlohmann::json* node = &config;
  for (const std::string& part : path) {
    if (node->is_array()) {
      const std::size_t index = element_index(*node, part);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else if (node->is_object()) {
      const auto it = node->find(part);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else {
      return nullptr;
    }
  }
  return node;
}

std::vector<std::string> dotted_path(const std::string& key, const std::string& where) {
  std::vector<std::string> path;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part =
        key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) throw Error(where + ": the key \"" + key + "\" has an empty part");
    path.push_back(part);
    if (dot == std::string::npos) return path;
    start = dot + 1;
  }
}

ConfigOverride parse_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos)
    throw Error("--set " + assignment + ": expected KEY=VALUE (e.g. schedule.lr=0.001)");
  ConfigOverride o;
  o.text = "--set " + assignment;
  const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  o.path = dotted_path(key, "--set " + assignment);
  if (value.empty())
    throw Error("--set " + assignment + ": no value after '=' (use null to remove a key)");
  // JSON when it reads as JSON, else the text itself: adam, he_normal, fc1.
  o.value = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (o.value.is_discarded()) o.value = value;
  return o;
}

void apply_override(nlohmann::json& config, const ConfigOverride& o) {
  nlohmann::json* node = &config;
  for (std::size_t i = 0; i < o.path.size(); ++i) {
    const std::string& part = o.path[i];
    const bool last = i + 1 == o.path.size();
    const std::string here = joined(o.path, i);
    if (node->is_null()) *node = nlohmann::json::object();
    if (node->is_array()) {
      const std::size_t index = element_index(*node, part);
      if (index == node->size() && !(all_digits(part) && part.size() < 10))
        throw Error(o.text + ": " + here + " has no element named \"" + part + "\"");
      if (index >= node->size())
        throw Error(o.text + ": " + here + " has " + std::to_string(node->size()) +
                    " elements; index " + part + " is past its end");
      if (last) {
        if (o.value.is_null())
          node->erase(index);
        else
          (*node)[index] = o.value;
        return;
      }
      node = &(*node)[index];
    } else if (node->is_object()) {
      if (last) {
        if (o.value.is_null())
          node->erase(part);
        else
          (*node)[part] = o.value;
        return;
      }
      node = &(*node)[part];
    } else {
      throw Error(o.text + ": " + (here.empty() ? std::string("the config") : here) + " is " +
                  type_name(*node) + ", not an object with a key \"" + part + "\"");
    }
  }
}

ExperimentConfig experiment_with_overrides(nlohmann::json config,
                                           const std::vector<std::string>& assignments,
                                           const std::string& source) {
  std::string named = source;
  for (const auto& a : assignments) {
    apply_override(config, parse_override(a));
    named += (named == source ? " with --set " : ", --set ") + a;
  }
  return parse_experiment(config, named);
}

void apply_set(nlohmann::json& config, const nlohmann::json& set, const std::string& where) {
  if (!set.is_object())
    throw Error(where +
                ": must be an object of dotted config paths and their values, like "
                "{\"schedule.lr\": 0.01}, got " +
                set.dump());
  for (auto it = set.begin(); it != set.end(); ++it) {
    ConfigOverride o;
    o.text = where + "." + it.key();
    o.path = dotted_path(it.key(), o.text);
    o.value = it.value();
    apply_override(config, o);
  }
}

}  // namespace ts
