// Colouring runs by a hyperparameter (app/plot/run_colors.h).
#include "app/plot/colormap.h"
#include "app/plot/run_colors.h"
#include "core/chart/svg_chart.h"
#include "core/experiment/config_overrides.h"
#include "trainer_fixtures.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>

using namespace ts;
using namespace ts::testing;

namespace {
ExperimentConfig with(const std::vector<std::string>& sets) {
  return experiment_with_overrides(to_json(small_config()), sets, "t.json");
}
std::string hex_of(const plot::Rgb& c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", int(std::lround(255 * c[0])),
                int(std::lround(255 * c[1])), int(std::lround(255 * c[2])));
  return buf;
}
}  // namespace

TEST_CASE("runs are coloured by a differing key: rates on a log viridis, optimizers by category") {
  const ExperimentConfig a = with({"schedule.lr=0.001", "optimizer={\"type\": \"sgd\"}", "name=a"});
  const ExperimentConfig b = with({"schedule.lr=0.01", "optimizer={\"type\": \"adam\"}", "name=b"});
  const ExperimentConfig c = with({"schedule.lr=0.1", "optimizer={\"type\": \"sgd\"}", "name=c"});
  const std::vector<const ExperimentConfig*> runs = {&a, &b, &c};
  const auto keys = plot::differing_keys(runs);
  CHECK(std::find(keys.begin(), keys.end(), "schedule.lr") != keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "optimizer.type") != keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "name") == keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "training.batch_size") == keys.end());
  // 0.001, 0.01, 0.1 span 100x: log scale, so 0.01 is the middle of viridis.
  const auto lr = plot::colours_by(runs, "schedule.lr");
  CHECK(lr[0] == hex_of(plot::colormap_at(plot::Colormap::viridis, 0.f)));
  CHECK(lr[1] == hex_of(plot::colormap_at(plot::Colormap::viridis, 0.5f)));
  CHECK(lr[2] == hex_of(plot::colormap_at(plot::Colormap::viridis, 1.f)));
  // Categories in order of first appearance: sgd, adam, sgd.
  const auto opt = plot::colours_by(runs, "optimizer.type");
  CHECK(opt[0] == palette_color(0));
  CHECK(opt[1] == palette_color(1));
  CHECK(opt[2] == palette_color(0));
  // One run: nothing differs.
  CHECK(plot::differing_keys({&a}).empty());
}
