#include "app/plot/chart_png.h"

#include "app/plot/png_encode.h"

#include "app/plot/xy_plot.h"
#include "core/error.h"
#include "core/io/atomic_file.h"

#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <system_error>
#include <vector>

namespace ts {

namespace {

constexpr const char* kFontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// The caller's ImGui context and GL bindings, restored however the render ends.
class Restore {
 public:
  Restore() : imgui_(ImGui::GetCurrentContext()) {
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &framebuffer_);
    glGetIntegerv(GL_VIEWPORT, viewport_);
  }
  ~Restore() {
    glBindFramebuffer(GL_FRAMEBUFFER, GLuint(framebuffer_));
    glViewport(viewport_[0], viewport_[1], viewport_[2], viewport_[3]);
    ImGui::SetCurrentContext(imgui_);
  }
  Restore(const Restore&) = delete;
  Restore& operator=(const Restore&) = delete;

 private:
  ImGuiContext* imgui_;
  GLint framebuffer_ = 0;
  GLint viewport_[4] = {0, 0, 0, 0};
};

// A private ImGui context with its own fonts and renderer objects.
class PrivateImGui {
 public:
  PrivateImGui(float font_px, int width, int height, const std::string& where) {
    atlas_.Flags |= ImFontAtlasFlags_NoPowerOfTwoHeight;
    std::error_code ec;
    if (std::filesystem::exists(kFontFile, ec)) {
      atlas_.AddFontFromFileTTF(kFontFile, font_px);
    } else {
      ImFontConfig config;
      config.SizePixels = std::round(font_px);
      atlas_.AddFontDefault(&config);
    }
    context_ = ImGui::CreateContext(&atlas_);
    ImGui::SetCurrentContext(context_);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.LogFilename = nullptr;
    io.DisplaySize = ImVec2(float(width), float(height));
    io.DeltaTime = 1.f / 60.f;
    ImGui::StyleColorsDark();
    ImGuiStyle& style = ImGui::GetStyle();
    style.WindowPadding = ImVec2(0, 0);
    style.WindowBorderSize = 0;
    style.WindowRounding = 0;
    if (!ImGui_ImplOpenGL3_Init("#version 330 core")) {
      ImGui::DestroyContext(context_);
      throw Error(where +
                  "the OpenGL renderer of the chart could not start (OpenGL 3.3 core is needed)");
    }
  }
  ~PrivateImGui() {
    ImGui::SetCurrentContext(context_);
    ImGui_ImplOpenGL3_Shutdown();
    ImGui::DestroyContext(context_);
  }
  PrivateImGui(const PrivateImGui&) = delete;
  PrivateImGui& operator=(const PrivateImGui&) = delete;

 private:
  ImFontAtlas atlas_;
  ImGuiContext* context_ = nullptr;
};

// A colour framebuffer of the chart's size.
class Framebuffer {
 public:
  Framebuffer(int width, int height) {
    glGenFramebuffers(1, &fbo_);
    glGenRenderbuffers(1, &color_);
    glBindRenderbuffer(GL_RENDERBUFFER, color_);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, width, height);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, color_);
    complete_ = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
  }
  ~Framebuffer() {
    glDeleteFramebuffers(1, &fbo_);
    glDeleteRenderbuffers(1, &color_);
  }
  Framebuffer(const Framebuffer&) = delete;
  Framebuffer& operator=(const Framebuffer&) = delete;
  bool complete() const { return complete_; }

 private:
  GLuint fbo_ = 0, color_ = 0;
  bool complete_ = false;
};

}  // namespace

void write_chart_png(const SvgChart& chart, int width, int height,
                     const std::filesystem::path& path) {
  write_widget_png([&](ImVec2 size) { plot::xy_plot("chart", chart, size); }, width, height, path);
}

void write_widget_png(const std::function<void(ImVec2 size)>& draw, int width, int height,
                      const std::filesystem::path& path) {
  const std::string where = path.string() + ": ";
  GLint max_size = 0;
  glGetIntegerv(GL_MAX_RENDERBUFFER_SIZE, &max_size);
  if (width < 64 || height < 64 || width > max_size || height > max_size)
    throw Error(where + "a PNG of " + std::to_string(width) + "x" + std::to_string(height) +
                " cannot be rendered; each side must be between 64 and " +
                std::to_string(max_size));
  std::vector<unsigned char> pixels(std::size_t(width) * std::size_t(height) * 4);
  {
    Restore restore;
    // Text grows with the picture: 13 px (the window's size) up to 900x560, then in proportion.
    const float font_px =
        std::clamp(13.f * std::min(float(width) / 900.f, float(height) / 560.f), 13.f, 48.f);
    for (int i = 0; i < 64 && glGetError() != GL_NO_ERROR; ++i) {
    }  // errors of earlier drawing are not this export's
    PrivateImGui imgui(font_px, width, height, where);
    Framebuffer fb(width, height);
    if (!fb.complete())
      throw Error(where + "the OpenGL driver refused a " + std::to_string(width) + "x" +
                  std::to_string(height) + " framebuffer");
    ImGui_ImplOpenGL3_NewFrame();
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("##chart", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_NoBackground);
    draw(ImGui::GetIO().DisplaySize);
    ImGui::End();
    ImGui::Render();
    glViewport(0, 0, width, height);
    glClearColor(25 / 255.f, 27 / 255.f, 32 / 255.f, 1.f);  // dark, as in the window
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    if (glGetError() != GL_NO_ERROR)
      throw Error(where + "reading the rendered chart back from OpenGL failed");
  }
  for (std::size_t i = 3; i < pixels.size(); i += 4) pixels[i] = 255;
  // OpenGL's rows run bottom to top; PNG's top to bottom.
  const std::size_t row = std::size_t(width) * 4;
  std::vector<unsigned char> flipped(pixels.size());
  for (int y = 0; y < height; ++y)
    std::copy_n(pixels.data() + std::size_t(height - 1 - y) * row, row,
                flipped.data() + std::size_t(y) * row);
  write_file_atomic_creating_parents(
      path, plot::encode_png(width, height, flipped.data(), int(row), where));
}

}  // namespace ts
