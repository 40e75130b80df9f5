#include "core/experiment/config_changes.h"

#include "core/error.h"
#include "core/experiment/experiment_json.h"
#include "core/optim/optimizer_json.h"
#include "core/schedule/schedule_json.h"
#include "core/text_format.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <utility>

namespace ts {

namespace {

using Leaves = std::vector<std::pair<std::string, std::string>>;

// Every leaf of a JSON value under its dotted path. An array of objects is walked element by
// element, each under its "name" when it has one (model.layers.fc1.units), else its index;
// an array of plain values is one leaf.
void flatten(const nlohmann::json& j, const std::string& path, Leaves& out) {
  const auto under = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it) flatten(it.value(), under(it.key()), out);
  } else if (j.is_array() && !j.empty() &&
             std::all_of(j.begin(), j.end(), [](const auto& e) { return e.is_object(); })) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      const std::string name = j[i].value("name", std::string());
      flatten(j[i], under(name.empty() ? std::to_string(i) : name), out);
    }
  } else {
    out.emplace_back(path, j.is_string() ? j.get<std::string>() : j.dump());
  }
}

// A number's text in a phrase: a drawn rate 0.14774117175830156 as 0.1477, unless that would
// read like `other` (0.14774 against 0.14771 keep their digits). Other text as it is.
std::string shortened(const std::string& text, const std::string& other) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.size() <= 8 || end != text.c_str() + text.size()) return text;
  const double w = std::strtod(other.c_str(), &end);
  for (int digits = 4; digits <= 17; ++digits) {
    char a[40], b[40];
    std::snprintf(a, sizeof a, "%.*g", digits, v);
    std::snprintf(b, sizeof b, "%.*g", digits, w);
    if (std::string(a) != b || end != other.c_str() + other.size()) return a;
  }
  return text;
}

Leaves leaves_of(const ExperimentConfig& c) {
  Leaves out;
  flatten(to_json(c), "", out);
  return out;
}

// Each dropout layer's rate, in order.
std::vector<double> dropout_rates(const ExperimentConfig& c) {
  std::vector<double> rates;
  for (const auto& l : c.model.layers)
    if (l.kind == LayerKind::dropout) rates.push_back(l.rate);
  return rates;
}

}  // namespace

void take_plan(ExperimentConfig& config, const ExperimentConfig& to) {
  config.name = to.name;
  config.description = to.description;
  config.training.steps = to.training.steps;
  config.training.epochs = to.training.epochs;
  config.training.eval_interval = to.training.eval_interval;
  config.training.checkpoint_interval = to.training.checkpoint_interval;
  config.training.early_stopping = to.training.early_stopping;
  config.training.threads = to.training.threads;
  config.monitor.keyframe_interval = to.monitor.keyframe_interval;
}

std::vector<Command> fork_commands(const ExperimentConfig& from, const ExperimentConfig& to) {
  std::vector<Command> out;
  // `rest` becomes `to` with every live setting and the plan put back to `from`'s: what is
  // left must be `from` itself.
  ExperimentConfig rest = to;
  take_plan(rest, from);
  if (to_json(to.schedule) != to_json(from.schedule)) out.push_back(cmd::SetSchedule{to.schedule});
  rest.schedule = from.schedule;
  if (to_json(to.optimizer) != to_json(from.optimizer))
    out.push_back(cmd::SetOptimizer{to.optimizer});
  rest.optimizer = from.optimizer;
  const auto set = [&](Setting s, double a, double b) {
    if (a != b) out.push_back(cmd::Set{s, b});
  };
  set(Setting::batch_size, double(from.training.batch_size), double(to.training.batch_size));
  rest.training.batch_size = from.training.batch_size;
  const std::vector<double> rates = dropout_rates(to), old_rates = dropout_rates(from);
  if (rates != old_rates && rates.size() == old_rates.size() && !rates.empty()) {
    // One rate for every dropout layer is what the live setting takes.
    if (std::adjacent_find(rates.begin(), rates.end(), std::not_equal_to<>()) != rates.end())
      throw Error("a fork sets one dropout rate for every dropout layer, not " +
                  format_number(rates.front()) + " and " + format_number(rates.back()));
    out.push_back(cmd::Set{Setting::dropout, rates.front()});
    std::size_t i = 0;
    for (auto& l : rest.model.layers)
      if (l.kind == LayerKind::dropout) l.rate = old_rates[i++];
  }
  set(Setting::clip_norm, from.training.clip_norm, to.training.clip_norm);
  set(Setting::clip_value, from.training.clip_value, to.training.clip_value);
  rest.training.clip_norm = from.training.clip_norm;
  rest.training.clip_value = from.training.clip_value;
  const auto& was = from.training.frozen;
  const auto& now = to.training.frozen;
  for (const auto& layer : now)
    if (std::find(was.begin(), was.end(), layer) == was.end()) out.push_back(cmd::Freeze{layer});
  for (const auto& layer : was)
    if (std::find(now.begin(), now.end(), layer) == now.end()) out.push_back(cmd::Unfreeze{layer});
  rest.training.frozen = from.training.frozen;
  set(Setting::stats_interval, double(from.monitor.stats_interval),
      double(to.monitor.stats_interval));
  set(Setting::sharpness_interval, double(from.monitor.sharpness_interval),
      double(to.monitor.sharpness_interval));
  set(Setting::spike_factor, from.monitor.spike_factor, to.monitor.spike_factor);
  rest.monitor.stats_interval = from.monitor.stats_interval;
  rest.monitor.sharpness_interval = from.monitor.sharpness_interval;
  rest.monitor.spike_factor = from.monitor.spike_factor;

  const Leaves a = leaves_of(from), b = leaves_of(rest);
  const std::map<std::string, std::string> before(a.begin(), a.end());
  for (const auto& [path, value] : b) {
    const auto it = before.find(path);
    if (it == before.end() || it->second != value)
      throw Error(path + " cannot change in a fork (" +
                  (it == before.end() ? std::string("none") : it->second) + " -> " + value +
                  "): that is another experiment; start it as a run of its own");
  }
  const std::map<std::string, std::string> after(b.begin(), b.end());
  for (const auto& [path, value] : a)
    if (!after.count(path))
      throw Error(path + " cannot change in a fork (" + value +
                  " -> none): that is another experiment; start it as a run of its own");
  return out;
}

std::string config_difference(const ExperimentConfig& base, const ExperimentConfig& other,
                              std::size_t most) {
  const auto skip = [](const std::string& path) {
    return path == "name" || path == "description" || path == "training.threads";
  };
  const Leaves a = leaves_of(base), b = leaves_of(other);
  const std::map<std::string, std::string> before(a.begin(), a.end()), after(b.begin(), b.end());
  // An object whose type changed (an optimizer that became adam) is said by its type:
  // "optimizer sgd -> adam", not each key the new type brought or the old one took along;
  // the keys both have still show when their values differ.
  std::vector<std::string> retyped;
  for (const auto& [path, value] : b) {
    const auto it = before.find(path);
    if (path.size() > 5 && path.ends_with(".type") && it != before.end() && it->second != value)
      retyped.push_back(path.substr(0, path.size() - 4));  // "optimizer."
  }
  const auto under_retyped = [&](const std::string& path) {
    return std::any_of(retyped.begin(), retyped.end(),
                       [&](const std::string& p) { return path.rfind(p, 0) == 0; });
  };
  std::vector<std::string> items;
  for (const std::string& p : retyped) {
    const std::string type = p + "type";
    items.push_back(p.substr(0, p.size() - 1) + " " + before.at(type) + " -> " + after.at(type));
  }
  for (const auto& [path, value] : b) {
    if (skip(path) || (under_retyped(path) && path.ends_with(".type"))) continue;
    const auto it = before.find(path);
    if (it == before.end()) {
      if (!under_retyped(path)) items.push_back(path + " " + value);
    } else if (it->second != value) {
      items.push_back(path + " " + shortened(it->second, value) + " -> " +
                      shortened(value, it->second));
    }
  }
  for (const auto& [path, value] : a)
    if (!skip(path) && !after.count(path) && !under_retyped(path))
      items.push_back(path + " " + value + " -> none");
  // One change made to several layers alike is one item: "model.layers.*.function tanh ->
  // relu (10 layers)"; a change of one layer keeps its name.
  struct Group {
    std::string key, first;
    int count;
  };
  std::vector<Group> groups;
  const std::string layers = "model.layers.";
  for (const std::string& item : items) {
    std::string key = item;
    if (item.rfind(layers, 0) == 0)
      if (const auto dot = item.find('.', layers.size()); dot != std::string::npos)
        key = layers + "*" + item.substr(dot);
    const auto it =
        std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.key == key; });
    if (it == groups.end())
      groups.push_back({key, item, 1});
    else
      ++it->count;
  }
  items.clear();
  for (const Group& g : groups)
    items.push_back(g.count > 1 ? g.key + " (" + std::to_string(g.count) + " layers)" : g.first);
  if (items.size() > most) {
    const std::size_t more = items.size() - most;
    items.resize(most);
    items.push_back("and " + std::to_string(more) + " more");
  }
  return join(items);
}

}  // namespace ts
