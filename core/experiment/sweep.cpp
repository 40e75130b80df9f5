#include "core/experiment/sweep.h"

#include "core/error.h"
#include "core/experiment/config_overrides.h"
#include "core/experiment/experiment_json.h"
#include "core/io/atomic_file.h"
#include "core/io/json_fields.h"
#include "core/rng.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts {

namespace {

// One random parameter: its path and how it is drawn.
struct Draw {
  std::string path;
  enum class Kind { log_uniform, uniform, choice } kind;
  double lo = 0, hi = 0;
  nlohmann::json choices;
};

Draw parse_draw(const std::string& path, const nlohmann::json& spec, const std::string& where) {
  Draw d;
  d.path = path;
  if (!spec.is_object() || spec.size() != 1)
    throw Error(where +
                ": must be one of {\"log_uniform\": [low, high]}, {\"uniform\": [low, "
                "high]} or {\"choice\": [values...]}, got " +
                spec.dump());
  const std::string kind = spec.begin().key();
  const nlohmann::json& v = spec.begin().value();
  if (kind == "choice") {
    if (!v.is_array() || v.empty())
      throw Error(where + ".choice: must be a non-empty list of values, got " + v.dump());
    d.kind = Draw::Kind::choice;
    d.choices = v;
    return d;
  }
  if (kind != "log_uniform" && kind != "uniform")
    throw Error(where + ": unknown kind \"" + kind +
                "\" (expected one of: log_uniform, uniform, choice)");
  const std::string at = where + "." + kind;
  if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number())
    throw Error(at + ": must be [low, high], two numbers, got " + v.dump());
  d.kind = kind == "log_uniform" ? Draw::Kind::log_uniform : Draw::Kind::uniform;
  d.lo = v[0].get<double>();
  d.hi = v[1].get<double>();
  if (!std::isfinite(d.lo) || !std::isfinite(d.hi))
    throw Error(at + ": the bounds must be finite, got " + v.dump());
  if (d.lo > d.hi) throw Error(at + ": low " + v[0].dump() + " is above high " + v[1].dump());
  if (d.kind == Draw::Kind::log_uniform && d.lo <= 0)
    throw Error(at + ": low must be > 0 for a log scale, got " + v[0].dump());
  return d;
}

nlohmann::json draw(const Draw& d, Rng& rng) {
  switch (d.kind) {
    case Draw::Kind::log_uniform:
      return std::exp(rng.uniform(std::log(d.lo), std::log(d.hi)));
    case Draw::Kind::uniform:
      return rng.uniform(d.lo, d.hi);
    case Draw::Kind::choice:
      return d.choices[std::size_t(rng.uniform() * double(d.choices.size())) % d.choices.size()];
  }
  return nullptr;
}

// Parses `config` as an experiment. A swept "type" (optimizer.type: sgd -> adam) leaves the
// base's keys of the old type behind ("optimizer.momentum: unknown key for type adam"): such a
// key, when the sweep did not set it itself, is dropped and the config parsed again, so each
// object keeps the keys its new type has (a schedule's lr) and loses the others.
void parse_dropping_old_keys(nlohmann::json& config, const nlohmann::json& values,
                             const std::string& source) {
  const std::string marker = ": unknown key for type ";
  for (int tries = 0;; ++tries) {
    try {
      parse_experiment(config, source);
      return;
    } catch (const Error& e) {
      const std::string what = e.what();
      const std::size_t at = what.find(marker);
      if (at == std::string::npos || tries >= 32) throw;
      const std::size_t from = what.rfind(": ", at - 1);
      const std::string key = what.substr(from == std::string::npos ? 0 : from + 2,
                                          at - (from == std::string::npos ? 0 : from + 2));
      if (values.contains(key)) throw;  // the sweep set it: its own mistake
      apply_override(config, ConfigOverride{dotted_path(key, source), nullptr, source});
    }
  }
}

}  // namespace

Sweep parse_sweep(const nlohmann::json& j, const std::string& source, const StudyBaseLoader& load) {
  JsonFields f(j, source);
  Sweep s;
  s.definition = j;
  s.name = f.string("name", "");
  f.check(!s.name.empty(), "name", "must name the sweep");
  const StudyBase base = load(f.required_string("base"));
  nlohmann::json common = base.config;
  if (const auto* set = f.get("set")) apply_set(common, *set, f.key_path("set"));

  // The grid: each path with its list of values, in the file's order.
  std::vector<std::pair<std::string, nlohmann::json>> grid;
  if (const auto* g = f.get("grid")) {
    if (!g->is_object() || g->empty())
      f.fail("grid",
             "must be an object of dotted paths and their lists of values, like "
             "{\"schedule.lr\": [0.01, 0.1]}, got " +
                 g->dump());
    for (auto it = g->begin(); it != g->end(); ++it) {
      const std::string where = f.key_path("grid") + "." + it.key();
      if (!it.value().is_array() || it.value().empty())
        throw Error(where + ": an empty list of values (give at least one), got " +
                    it.value().dump());
      grid.emplace_back(it.key(), it.value());
    }
  }
  // Random draws: `count` of them, seeded.
  std::vector<Draw> draws;
  int64_t count = 0;
  uint64_t seed = 0;
  if (const auto* r = f.get("random")) {
    JsonFields rf(*r, f.key_path("random"));
    count = rf.integer("count", 0);
    rf.check(count >= 1 && count <= 100000, "count", "must be in [1, 100000]");
    seed = uint64_t(rf.integer("seed", 0));
    const nlohmann::json& params = rf.require("params", "an object of paths and how to draw them");
    if (!params.is_object() || params.empty())
      rf.fail("params", "must name at least one path and how to draw it, got " + params.dump());
    for (auto it = params.begin(); it != params.end(); ++it)
      draws.push_back(parse_draw(it.key(), it.value(), rf.key_path("params") + "." + it.key()));
    rf.finish();
  }
  f.finish();  // a misspelt key ("grids") is refused, not ignored
  f.check(!grid.empty() || !draws.empty(), "grid", "a sweep needs a grid or random draws");

  // Every grid point, the last key varying fastest; each with its random draws.
  std::vector<nlohmann::json> points(1, nlohmann::json::object());
  for (const auto& [path, values] : grid) {
    std::vector<nlohmann::json> next;
    for (const auto& p : points)
      for (const auto& v : values) {
        nlohmann::json q = p;
        q[path] = v;
        next.push_back(std::move(q));
      }
    points = std::move(next);
  }
  Rng rng(seed);
  std::vector<nlohmann::json> all;
  for (const auto& p : points) {
    if (draws.empty()) {
      all.push_back(p);
      continue;
    }
    for (int64_t k = 0; k < count; ++k) {
      nlohmann::json q = p;
      for (const Draw& d : draws) q[d.path] = draw(d, rng);
      all.push_back(std::move(q));
    }
  }
  f.check(all.size() <= 100000, "grid",
          "makes " + std::to_string(all.size()) + " runs, more than 100000");
  const int digits = all.size() > 9999 ? 5 : 4;
  for (std::size_t i = 0; i < all.size(); ++i) {
    SweepRun run;
    char name[32];
    std::snprintf(name, sizeof name, "run-%0*zu", digits, i);
    run.name = name;
    run.values = all[i];
    run.config = common;
    // Each value where the file gave it: a wrong path or value is refused by its key.
    for (auto it = all[i].begin(); it != all[i].end(); ++it) {
      const bool from_grid =
          std::any_of(grid.begin(), grid.end(), [&](const auto& g) { return g.first == it.key(); });
      apply_set(run.config, nlohmann::json{{it.key(), it.value()}},
                f.key_path(from_grid ? "grid" : "random.params"));
    }
    run.config["name"] = s.name + " " + run.name;
    parse_dropping_old_keys(run.config, run.values,
                            source + " (" + run.name + ": " + run.values.dump() + ")");
    s.runs.push_back(std::move(run));
  }
  return s;
}

Sweep read_sweep(const std::filesystem::path& file) {
  return parse_sweep(read_experiment_json(file), file.string(),
                     [&](const std::string& base) { return load_base(base, file); });
}

bool same_plan(const nlohmann::json& a, const nlohmann::json& b) {
  auto plan = [](const nlohmann::json& m) {
    return m.is_object() ? nlohmann::json{{"sweep", m.value("sweep", nlohmann::json())},
                                          {"runs", m.value("runs", nlohmann::json())}}
                         : m;
  };
  return plan(a) == plan(b);
}

namespace {
bool is_run_name(const std::string& name) {
  return name.size() >= 8 && name.size() <= 9 && name.rfind("run-", 0) == 0 &&
         std::all_of(name.begin() + 4, name.end(),
                     [](unsigned char c) { return c >= '0' && c <= '9'; });
}

// Numbers as equal when they agree to a part in 10^9: a config written back by a run prints
// its numbers from the parsed values.
bool same_value(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return std::abs(x - y) <= 1e-9 * std::max(std::abs(x), std::abs(y));
  }
  return a == b;
}
}  // namespace

SweepPlan read_sweep_plan(const std::filesystem::path& dir) {
  SweepPlan plan;
  plan.dir = dir;
  plan.manifest_path = dir / "manifest.json";
  const std::string source = plan.manifest_path.string();
  std::error_code ec;
  if (!std::filesystem::exists(plan.manifest_path, ec))
    throw Error(source +
                ": no sweep is planned here; plan one with `trainscope-cli sweep plan SWEEP "
                "--out " +
                dir.string() + "`");
  try {
    plan.manifest = nlohmann::json::parse(read_file(plan.manifest_path, std::size_t(64) << 20));
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": not JSON (" + e.what() + ")");
  }
  JsonFields f(plan.manifest, source);
  const nlohmann::json& sweep = f.require("sweep", "the sweep as planned");
  f.check(sweep.is_object() && sweep.contains("name") && sweep["name"].is_string(), "sweep",
          "must be the sweep file as planned, an object with its \"name\"");
  plan.name = sweep["name"].get<std::string>();
  const nlohmann::json& runs = f.require("runs", "the list of runs");
  f.check(runs.is_array() && !runs.empty(), "runs", "must be a non-empty list of runs");
  f.get("slurm");  // what `sweep slurm --submit` recorded
  f.finish();
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    JsonFields r(runs[i], f.key_path("runs") + "[" + std::to_string(i) + "]");
    SweepRun run;
    run.name = r.required_string("name");
    r.check(is_run_name(run.name), "name",
            "must be a run directory's name like run-0007, got \"" + run.name + "\"");
    r.check(std::find(seen.begin(), seen.end(), run.name) == seen.end(), "name",
            "\"" + run.name + "\" names two runs");
    seen.push_back(run.name);
    run.values = r.require("values", "the run's swept values");
    r.check(run.values.is_object(), "values",
            "must be an object of dotted paths and values, got " + run.values.dump());
    r.finish();
    // The config as planned: the run directory's config.json is rewritten by the recorder when a
    // task starts (normalized, with the task's threads), so it is not what the values were.
    const std::filesystem::path config = dir / run.name / "planned.json";
    if (!std::filesystem::exists(config, ec))
      throw Error(config.string() + ": missing; " + r.path() +
                  " names this run (plan the sweep again)");
    run.config = read_experiment_json(config);
    parse_experiment(run.config, config.string());
    for (auto it = run.values.begin(); it != run.values.end(); ++it) {
      const std::string where = r.key_path("values") + "." + it.key();
      const nlohmann::json* at = value_at(run.config, dotted_path(it.key(), where));
      if (!at || !same_value(*at, it.value()))
        throw Error(where + ": " + it.value().dump() + " here, but " + config.string() +
                    (at ? " has " + at->dump() : std::string(" has no such key")) +
                    "; the manifest and the run disagree (plan the sweep again, with --force)");
    }
    plan.runs.push_back(std::move(run));
  }
  return plan;
}

nlohmann::json sweep_manifest(const Sweep& sweep) {
  nlohmann::json runs = nlohmann::json::array();
  for (const SweepRun& r : sweep.runs) runs.push_back({{"name", r.name}, {"values", r.values}});
  return {{"sweep", sweep.definition}, {"runs", runs}};
}

}  // namespace ts
