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
#include "app/window/frame_stats.h"
#include "app/window/key_taps.h"
#include "app/window/lab_window.h"
#include "app/window/present_policy.h"
#include "app/window/window_options.h"
#include "core/error.h"

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

// Why the window cannot open: no display named, or (`named`) the one named did not let
// GLFW in (its error printed above); and what to do instead.
void print_no_display(const char* named = nullptr) {
  if (named)
    std::fprintf(stderr,
                 "trainscope: the display %s did not open (GLFW's error above), so the window "
                 "cannot open.\n",
                 named);
  else
    std::fprintf(stderr,
                 "trainscope: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the "
                 "window cannot open.\n");
  std::fprintf(
      stderr,
      "Train headless instead, for example:\n"
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
std::vector<std::string> g_dropped;  // directories dropped on the window, opened as runs

// Opens the window with an OpenGL 3.3 context and ImGui on it (dark style, the panels' fill
// left to `clear_color`), or says why it cannot and returns null.
GLFWwindow* open_window(const ts::WindowOptions& w, ImVec4& clear_color) {
  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if ((!display || !*display) && (!wayland || !*wayland)) {
    print_no_display();
    return nullptr;
  }
  glfwSetErrorCallback([](int code, const char* what) {
    std::fprintf(stderr, "trainscope: GLFW error %d: %s\n", code, what);
  });
  if (!glfwInit()) {
    print_no_display(display && *display ? display : wayland);
    return nullptr;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_RESIZABLE, w.frames > 0 ? GLFW_FALSE : GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(w.width, w.height, "trainscope", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr, "trainscope: could not create an OpenGL 3.3 window\n");
    glfwTerminate();
    return nullptr;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  glfwSetWindowRefreshCallback(window, [](GLFWwindow*) { g_exposed = true; });
  glfwSetDropCallback(window, [](GLFWwindow*, int count, const char** paths) {
    for (int i = 0; i < count; ++i) g_dropped.emplace_back(paths[i]);
    g_exposed = true;
  });

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  static std::string ini_path;  // ImGui keeps a pointer to it
  ini_path = w.ini_path;
  if (!ini_path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(ini_path).parent_path(), ec);
  }
  io.IniFilename = ini_path.empty() ? nullptr : ini_path.c_str();
  ImGui::StyleColorsDark();
  // The panels tile the window, so their background is the clear colour: ImGui skips a
  // transparent fill, which spares software renderers a full-screen layer every frame.
  ImVec4& panel_bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  clear_color = ImVec4(panel_bg.x, panel_bg.y, panel_bg.z, 1.f);
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

  return window;
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file size limit, writes fail with EFBIG and the run pauses saying which file,
  // instead of the process being killed by SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  int exit_code = 0;
  const auto parsed = ts::window_options(argc, argv, exit_code);
  if (!parsed) return exit_code;
  const ts::WindowOptions& w = *parsed;
  const int frames = w.frames;
  // As in trainscope-cli: freed memory stays in the process, so training steps never hand
  // Eigen's packing buffers back to the kernel.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);

  ImVec4 clear_color;
  GLFWwindow* window = open_window(w, clear_color);
  if (!window) return 1;

  int code = 0;
  {
    ts::plot::PlotCaches plot_caches(w.no_plot_cache ? nullptr : ImGui::GetCurrentContext());
    ts::PresentPolicy policy(ts::plot::kRefreshHz);
    std::unique_ptr<ts::LabWindow> lab;
    try {
      lab = std::make_unique<ts::LabWindow>(w.lab);
      lab->restore_view(w.saved);
    } catch (const ts::Error& e) {
      std::fprintf(stderr, "trainscope: %s\n", e.what());
      code = 2;
    }
    // Per frame: the work (showing the frame drawn before, if any; input; building; for a
    // drawn frame, rendering) and the interval from the end of the previous frame, which adds
    // the wait that paces the loop at 60 Hz.
    using Clock = std::chrono::steady_clock;
    const auto ms = [](Clock::duration d) {
      return std::chrono::duration<double, std::milli>(d).count();
    };
    const auto t0 = Clock::now();
    auto last = t0;
    ts::FrameStats stats(t0);
    ImVec2 last_mouse(-1.f, -1.f);
    int last_fw = 0, last_fh = 0;
    // A drawn frame is handed to the renderer with glFlush and shown by the swap at the start
    // of the next iteration, after the wait that paces the loop. A software renderer
    // (llvmpipe) rasterizes on its own threads from the flush on, so the UI thread does not
    // wait for it, as it would not wait for a GPU; the frame shows one loop period later.
    bool flushed = false;
    const auto show = [&] {
      if (!flushed) return;
      const auto t = Clock::now();
      glfwSwapBuffers(window);
      if (frames > 0) stats.record_swap(ms(Clock::now() - t));
      flushed = false;
    };
    for (int frame = 0; lab && !glfwWindowShouldClose(window); ++frame) {
      const auto start = Clock::now();
      show();
      glfwPollEvents();
      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      ImGui::NewFrame();
      const bool input = had_input(ImGui::GetIO(), last_mouse);
      const bool refresh =
          policy.begin_frame(std::chrono::duration<double>(start - t0).count(), input);
      plot_caches.begin_frame(policy.acting(), refresh);
      int fw = 0, fh = 0;
      glfwGetFramebufferSize(window, &fw, &fh);
      for (const std::string& dir : g_dropped) lab->open_run_dir(dir);
      g_dropped.clear();
      lab->draw(float(fw), float(fh), stats.rate());
      ImGui::Render();
      const bool last_frame = frames > 0 && frame + 1 >= frames;
      const bool forced =
          g_exposed || fw != last_fw || fh != last_fh || (last_frame && !w.shot.empty());
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
        if (last_frame && !w.shot.empty() && !save_png(w.shot, fw, fh)) {
          std::fprintf(stderr, "trainscope: could not write %s\n", w.shot.c_str());
          code = 2;
        }
        glFlush();
        flushed = true;
      }
      const auto now = Clock::now();
      const double work = ms(now - start);
      if (frames > 0 && frame > 0) {  // the statistics of a --frames run
        const auto st = lab->status();
        stats.record(work, drawn, ms(now - last), st ? st->samples_per_s : 0.0);
      }
      last = now;
      stats.count(now, work, drawn);
      if (last_frame) {
        show();
        break;
      }
      // Swap intervals do not throttle under every display server, and an undrawn frame has
      // no swap: pace at ~60 Hz. Input wakes the loop at once.
      if (work < 16.0) glfwWaitEventsTimeout((16.0 - work) / 1000.0);
    }
    if (lab && w.save_at_exit) {
      try {
        ts::save_settings(w.settings_path, lab->settings(w.saved));
      } catch (const ts::Error& e) {
        std::fprintf(stderr, "trainscope: settings not saved: %s\n", e.what());
      }
    }
    if (frames > 0 && !stats.empty()) {
      const auto st = lab ? lab->status() : nullptr;
      stats.print(st ? st->step : 0, plot_caches.rasterizations(), plot_caches.shown());
    }
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return code;
}
