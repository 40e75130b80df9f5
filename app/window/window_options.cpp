#include "app/window/window_options.h"

#include "core/error.h"
#include "core/experiment/experiment_json.h"
#include "core/experiment/presets.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>

namespace ts {

std::optional<WindowOptions> window_options(int argc, char** argv, int& exit_code) {
  WindowOptions w;
  LabOptions& options = w.lab;
  CLI::App cli{"trainscope: watch neural networks train"};
  cli.add_option("--frames", w.frames,
                 "Exit after this many frames and print frame-time statistics");
  cli.add_option("--shot", w.shot, "Write a PNG screenshot of the last frame");
  auto* preset = cli.add_option("--preset", options.preset, "Experiment preset to open");
  cli.add_option("--config", options.config,
                 "An experiment config file to open instead of a preset")
      ->excludes(preset);
  cli.add_option("--data", options.data_dir, "Dataset directory");
  cli.add_option("--width", w.width, "Window width")->check(CLI::Range(320, 8192));
  cli.add_option("--height", w.height, "Window height")->check(CLI::Range(240, 8192));
  cli.add_flag("--start", options.autostart, "Start training at once");
  cli.add_option("--tab", options.tab, "Plots tab to open first")
      ->check(CLI::IsMember({"loss", "compare", "sweep", "schedule", "weights", "pruning",
                             "instruments", "landscape"}));
  cli.add_option("--export-dir", options.export_dir, "Directory plots are exported to");
  cli.add_option("--steps", options.steps, "Train this many steps instead of the preset's plan")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
  cli.add_option(
      "--bench-points", options.bench_points,
      "Draw a synthetic series of this many points with the loss (to measure frame times)");
  cli.add_option("--runs", options.runs,
                 "Open this many runs of the preset side by side (to measure the window with "
                 "several)")
      ->check(CLI::Range(1, 64));
  cli.add_option("--study", options.study,
                 "Open a study live: a shipped one's name (assets/studies) or a study file");
  cli.add_option(
      "run_dirs", options.follow,
      "Run directories to open read-only beside the preset's run, followed as they grow");
  cli.add_flag("--no-plot-cache", w.no_plot_cache,
               "Draw every plot afresh each frame instead of keeping its pixels between changes");
  std::string runs_dir;
  cli.add_option(
      "--runs-dir", runs_dir,
      "Record each experiment in a new directory under this one (default runs; '' records nothing; "
      "runs with --frames record nothing unless given)");
  std::string settings_file;
  cli.add_option("--settings", settings_file,
                 "Settings file (default $XDG_CONFIG_HOME/trainscope/settings.json; runs with "
                 "--frames use none "
                 "unless given)");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = cli.exit(e);
    return std::nullopt;
  }
  if (cli.count("--runs-dir"))
    options.runs_dir = runs_dir;
  else if (w.frames > 0)
    options.runs_dir.clear();
  // What the last session left: the preset, the tab and the curves' view, unless the command
  // line says otherwise. A damaged file is reported and left alone, never overwritten.
  w.settings_path = !settings_file.empty()
                        ? std::filesystem::path(settings_file)
                        : (w.frames > 0 ? std::filesystem::path() : default_settings_path());
  w.save_at_exit = !w.settings_path.empty();
  try {
    w.saved = load_settings(w.settings_path);
  } catch (const Error& e) {
    std::fprintf(stderr,
                 "trainscope: %s; starting with the defaults and leaving the file as it is\n",
                 e.what());
    w.save_at_exit = false;
  }
  if (!cli.count("--preset") && !cli.count("--config") && !w.saved.preset.empty()) {
    try {  // a preset that has gone since is ignored; a missing presets folder is reported by the
           // window
      const auto presets = list_presets(presets_dir());
      if (std::find(presets.begin(), presets.end(), w.saved.preset) != presets.end())
        options.preset = w.saved.preset;
    } catch (const Error&) {
    }
  }
  if (!cli.count("--tab") && !w.saved.tab.empty()) options.tab = w.saved.tab;
  // ImGui keeps its own window state next to the settings file.
  if (!w.settings_path.empty()) w.ini_path = (w.settings_path.parent_path() / "imgui.ini").string();
  return w;
}

}  // namespace ts
