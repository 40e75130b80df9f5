// trainscope: the window. GLFW + Dear ImGui + OpenGL 3.3.
//
// The loop runs at 60 Hz and draws a frame only when it changed (app/window/present_policy.h).
//
// Test hooks: --frames N (exit after N frames and print frame-time statistics: the work of a
// frame, median, 95th percentile and max, over every frame and over the frames drawn, and the
// interval between frames, which adds the wait that paces the loop at 60 Hz; and the median
// of the trainer's samples/s over the frames that saw it training), --bench-points
// N (a synthetic N-point series on the loss plot), --shot PATH (PNG of the last frame), --preset
// NAME, --width/--height (fixed size),
// --start (start training at once), --steps N (the plan's length), --tab (the plots tab to open),
// --export-dir (where plot exports go), --no-plot-cache (draw plots afresh every frame:
// app/plot/plot_cache.h). Widget centres and user events go to stdout.
#include "app/plot/frame_signature.h"
#include "app/plot/plot_cache.h"
#include "app/window/key_taps.h"
#include "app/window/lab_window.h"
#include "app/window/present_policy.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_json.h"

#include <CLI/CLI.hpp>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <malloc.h>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace {

void print_no_display() {
  std::fprintf(
      stderr,
      "trainscope: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window "
      "cannot open.\nTrain headless instead, for example:\n"
      "  build/app/trainscope-cli train --preset lenet-300-100-mnist --out runs/lenet\n"
      "  build/app/trainscope-cli eval --checkpoint runs/lenet/checkpoints/step-8590.safetensors\n"
      "or run the window under a virtual display: xvfb-run -a build/app/trainscope\n");
}

bool save_png(const std::string& path, int w, int h) {
  std::vector<unsigned char> px(std::size_t(w) * std::size_t(h) * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
  for (std::size_t i = 3; i < px.size(); i += 4) px[i] = 255;
  stbi_flip_vertically_on_write(1);
  return stbi_write_png(path.c_str(), w, h, 4, px.data(), w * 4) != 0;
}

// Whether the user did anything since the last frame: ImGui's input, read after NewFrame().
bool had_input(const ImGuiIO& io, ImVec2& last_mouse) {
  bool any = io.MousePos.x != last_mouse.x || io.MousePos.y != last_mouse.y ||
             io.MouseWheel != 0.f || io.MouseWheelH != 0.f || io.InputQueueCharacters.Size > 0 ||
             io.KeyCtrl || io.KeyShift || io.KeyAlt || io.KeySuper;
  last_mouse = io.MousePos;
  for (int i = 0; i < IM_ARRAYSIZE(io.MouseDown); ++i)
    any = any || io.MouseDown[i] || io.MouseReleased[i];
  for (int i = 0; i < IM_ARRAYSIZE(io.KeysDown) && !any; ++i) any = io.KeysDown[i];
  return any;
}

// The window was exposed (or must be drawn again for another reason of the window system's).
bool g_exposed = false;

}  // namespace

int main(int argc, char** argv) {
  // Past a file size limit, writes fail with EFBIG and the run pauses saying which file,
  // instead of the process being killed by SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App cli{"trainscope: watch neural networks train"};
  int frames = 0, width = 1280, height = 800;
  std::string shot;
  ts::LabOptions options;
  cli.add_option("--frames", frames, "Exit after this many frames and print frame-time statistics");
  cli.add_option("--shot", shot, "Write a PNG screenshot of the last frame");
  cli.add_option("--preset", options.preset, "Experiment preset to open");
  cli.add_option("--data", options.data_dir, "Dataset directory");
  cli.add_option("--width", width, "Window width")->check(CLI::Range(320, 8192));
  cli.add_option("--height", height, "Window height")->check(CLI::Range(240, 8192));
  cli.add_flag("--start", options.autostart, "Start training at once");
  cli.add_option("--tab", options.tab, "Plots tab to open first")
      ->check(CLI::IsMember({"loss", "schedule", "weights", "pruning", "instruments"}));
  cli.add_option("--export-dir", options.export_dir, "Directory plots are exported to");
  cli.add_option("--steps", options.steps, "Train this many steps instead of the preset's plan")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
  cli.add_option(
      "--bench-points", options.bench_points,
      "Draw a synthetic series of this many points with the loss (to measure frame times)");
  bool no_plot_cache = false;
  cli.add_flag("--no-plot-cache", no_plot_cache,
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
  CLI11_PARSE(cli, argc, argv);
  if (cli.count("--runs-dir"))
    options.runs_dir = runs_dir;
  else if (frames > 0)
    options.runs_dir.clear();
  // What the last session left: the preset, the tab and the curves' view, unless the command
  // line says otherwise. A damaged file is reported and left alone, never overwritten.
  const std::filesystem::path settings_path =
      !settings_file.empty() ? std::filesystem::path(settings_file)
                             : (frames > 0 ? std::filesystem::path() : ts::default_settings_path());
  ts::AppSettings saved;
  bool save_at_exit = !settings_path.empty();
  try {
    saved = ts::load_settings(settings_path);
  } catch (const ts::Error& e) {
    std::fprintf(stderr,
                 "trainscope: %s; starting with the defaults and leaving the file as it is\n",
                 e.what());
    save_at_exit = false;
  }
  if (!cli.count("--preset") && !saved.preset.empty()) {
    try {  // a preset that has gone since is ignored; a missing presets folder is reported by the
           // window
      const auto presets = ts::list_presets(ts::presets_dir());
      if (std::find(presets.begin(), presets.end(), saved.preset) != presets.end())
        options.preset = saved.preset;
    } catch (const ts::Error&) {
    }
  }
  if (!cli.count("--tab") && !saved.tab.empty()) options.tab = saved.tab;
  // ImGui keeps its own window state next to the settings file.
  static std::string ini_path;
  if (!settings_path.empty()) ini_path = (settings_path.parent_path() / "imgui.ini").string();
  // As in trainscope-cli: freed memory stays in the process, so training steps never hand
  // Eigen's packing buffers back to the kernel.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);

  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if ((!display || !*display) && (!wayland || !*wayland)) {
    print_no_display();
    return 1;
  }
  glfwSetErrorCallback([](int code, const char* what) {
    std::fprintf(stderr, "trainscope: GLFW error %d: %s\n", code, what);
  });
  if (!glfwInit()) {
    print_no_display();
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_RESIZABLE, frames > 0 ? GLFW_FALSE : GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(width, height, "trainscope", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr, "trainscope: could not create an OpenGL 3.3 window\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  glfwSetWindowRefreshCallback(window, [](GLFWwindow*) { g_exposed = true; });

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  if (!ini_path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(ini_path).parent_path(), ec);
  }
  io.IniFilename = ini_path.empty() ? nullptr : ini_path.c_str();
  ImGui::StyleColorsDark();
  // The panels tile the window, so their background is the clear colour: ImGui skips a
  // transparent fill, which spares software renderers a full-screen layer every frame.
  ImVec4& panel_bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  const ImVec4 clear_color(panel_bg.x, panel_bg.y, panel_bg.z, 1.f);
  panel_bg.w = 0.f;
  ImGui::GetStyle().WindowRounding = 0.f;
  // Installed before the backend's, which calls it after its own: every space-bar press is
  // counted (app/window/key_taps.h) and draws a frame.
  glfwSetKeyCallback(window, [](GLFWwindow*, int key, int, int action, int) {
    if (key == GLFW_KEY_SPACE && action == GLFW_PRESS) {
      ts::count_space_tap();
      g_exposed = true;
    }
  });
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  int code = 0;
  {
    ts::plot::PlotCaches plot_caches(no_plot_cache ? nullptr : ImGui::GetCurrentContext());
    ts::PresentPolicy policy(ts::plot::kRefreshHz);
    std::unique_ptr<ts::LabWindow> lab;
    try {
      lab = std::make_unique<ts::LabWindow>(options);
      lab->restore_view(saved);
    } catch (const ts::Error& e) {
      std::fprintf(stderr, "trainscope: %s\n", e.what());
      code = 2;
    }
    // Per frame: the work (showing the frame drawn before, if any; input; building; for a
    // drawn frame, rendering) and the interval from the end of the previous frame, which adds
    // the wait that paces the loop at 60 Hz.
    std::vector<double> work_ms, drawn_ms, interval_ms;
    // The trainer's throughput (over its last half second) as each frame saw it, while
    // training: its median is the run's figure.
    std::vector<double> samples_per_s;
    using Clock = std::chrono::steady_clock;
    const auto ms = [](Clock::duration d) {
      return std::chrono::duration<double, std::milli>(d).count();
    };
    const auto t0 = Clock::now();
    auto last = t0;
    ImVec2 last_mouse(-1.f, -1.f);
    int last_fw = 0, last_fh = 0;
    // The status bar's figures, renewed once a second (so a still window stays still).
    ts::LabWindow::FrameRate rate;
    auto rate_from = t0;
    int rate_frames = 0;
    double rate_ms = 0;
    // A drawn frame is handed to the renderer with glFlush and shown by the swap at the start
    // of the next iteration, after the wait that paces the loop. A software renderer
    // (llvmpipe) rasterizes on its own threads from the flush on, so the UI thread does not
    // wait for it, as it would not wait for a GPU; the frame shows one loop period later.
    bool flushed = false;
    std::vector<double> swap_ms;  // the swap at the start of an iteration, when one was due
    const auto show = [&] {
      if (!flushed) return;
      const auto t = Clock::now();
      glfwSwapBuffers(window);
      if (frames > 0) swap_ms.push_back(ms(Clock::now() - t));
      flushed = false;
    };
    for (int frame = 0; lab && !glfwWindowShouldClose(window); ++frame) {
      const auto start = Clock::now();
      show();
      glfwPollEvents();
      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      ImGui::NewFrame();
      const bool input = had_input(io, last_mouse);
      const bool refresh =
          policy.begin_frame(std::chrono::duration<double>(start - t0).count(), input);
      plot_caches.begin_frame(policy.acting(), refresh);
      int fw = 0, fh = 0;
      glfwGetFramebufferSize(window, &fw, &fh);
      lab->draw(float(fw), float(fh), rate);
      ImGui::Render();
      const bool last_frame = frames > 0 && frame + 1 >= frames;
      const bool forced =
          g_exposed || fw != last_fw || fh != last_fh || (last_frame && !shot.empty());
      g_exposed = false;
      last_fw = fw;
      last_fh = fh;
      const uint64_t changes = ts::plot::offscreen_changes();
      const uint64_t signature = ts::plot::hash_draw_data(
          ts::plot::hash_bytes(plot_caches.signature(), &changes, sizeof changes),
          *ImGui::GetDrawData());
      const bool drawn = policy.present(signature, forced);
      if (drawn) {
        glViewport(0, 0, fw, fh);
        glClearColor(clear_color.x, clear_color.y, clear_color.z, 1.f);
        glClear(GL_COLOR_BUFFER_BIT);
        plot_caches.blit(fh);  // the cached plots, under the ImGui frame
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        if (last_frame && !shot.empty() && !save_png(shot, fw, fh)) {
          std::fprintf(stderr, "trainscope: could not write %s\n", shot.c_str());
          code = 2;
        }
        glFlush();
        flushed = true;
      }
      const auto now = Clock::now();
      const double work = ms(now - start);
      if (frames > 0 && frame > 0) {  // the statistics of a --frames run
        if (const auto st = lab->status(); st && st->samples_per_s > 0)
          samples_per_s.push_back(st->samples_per_s);
        work_ms.push_back(work);
        if (drawn) drawn_ms.push_back(work);
        interval_ms.push_back(ms(now - last));
      }
      last = now;
      if (drawn) {
        ++rate_frames;
        rate_ms += work;
      }
      if (now - rate_from >= std::chrono::seconds(1)) {
        const double span = std::chrono::duration<double>(now - rate_from).count();
        rate.drawn_per_s = double(rate_frames) / span;
        if (rate_frames > 0) rate.frame_ms = rate_ms / rate_frames;
        rate_from = now;
        rate_frames = 0;
        rate_ms = 0;
      }
      if (last_frame) {
        show();
        break;
      }
      // Swap intervals do not throttle under every display server, and an undrawn frame has
      // no swap: pace at ~60 Hz. Input wakes the loop at once.
      if (work < 16.0) glfwWaitEventsTimeout((16.0 - work) / 1000.0);
    }
    if (lab && save_at_exit) {
      try {
        ts::save_settings(settings_path, lab->settings(saved));
      } catch (const ts::Error& e) {
        std::fprintf(stderr, "trainscope: settings not saved: %s\n", e.what());
      }
    }
    if (frames > 0 && !work_ms.empty()) {
      const auto pct = [](std::vector<double> v, double p) {
        if (v.empty()) return 0.0;
        std::sort(v.begin(), v.end());
        return v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
      };
      const auto st = lab ? lab->status() : nullptr;
      std::printf(
          "frames %zu median_ms %.2f p95_ms %.2f max_ms %.2f interval_median_ms %.2f "
          "interval_p95_ms %.2f train_step %lld train_samples_per_s %.0f drawn %zu "
          "drawn_median_ms %.2f drawn_p95_ms %.2f swap_median_ms %.2f swap_p95_ms %.2f "
          "plot_rasterizations %llu cached_plots_shown %d\n",
          work_ms.size() + 1, pct(work_ms, 0.5), pct(work_ms, 0.95), pct(work_ms, 1.0),
          pct(interval_ms, 0.5), pct(interval_ms, 0.95), st ? (long long)st->step : 0LL,
          pct(samples_per_s, 0.5), drawn_ms.size(), pct(drawn_ms, 0.5), pct(drawn_ms, 0.95),
          pct(swap_ms, 0.5), pct(swap_ms, 0.95), (unsigned long long)plot_caches.rasterizations(),
          plot_caches.shown());
    }
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return code;
}
