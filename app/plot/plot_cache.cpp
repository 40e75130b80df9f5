#include "app/plot/plot_cache.h"

#include "app/plot/frame_signature.h"

#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>
#include <backends/imgui_impl_opengl3.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ts::plot {

namespace {

PlotCaches* g_installed = nullptr;

}  // namespace

PlotCache::PlotCache() : list_(std::make_unique<ImDrawList>(ImGui::GetDrawListSharedData())) {}

PlotCache::~PlotCache() {
  if (framebuffer_) glDeleteFramebuffers(1, &framebuffer_);
}

ImDrawList* PlotCache::begin(ImVec2 p0, ImVec2 p1) {
  p0_ = p0;
  p1_ = p1;
  list_->_ResetForNewFrame();
  list_->PushClipRect(p0, p1);
  list_->PushTextureID(ImGui::GetIO().Fonts->TexID);
  return list_.get();
}

void PlotCache::end(ImVec4 clip) {
  list_->PopTextureID();
  list_->PopClipRect();
  clip_ = clip;
  const ImVec2 scale = ImGui::GetIO().DisplayFramebufferScale;
  const int w = int(std::lround((p1_.x - p0_.x) * scale.x)),
            h = int(std::lround((p1_.y - p0_.y) * scale.y));
  if (w <= 0 || h <= 0) return;
  const uint64_t hash = hash_draw_list(0xcbf29ce484222325ull, *list_);
  const double now = ImGui::GetTime();
  const bool resized = w != texture_.width() || h != texture_.height();
  // A change waits for the window's next refresh frame, unless the texture is older than a
  // refresh period (the plot was hovered, or hidden, until now).
  const bool due = PlotCaches::refresh_frame() || now - drawn_at_ >= 1.0 / kRefreshHz;
  if (resized || (hash != drawn_hash_ && due)) {
    rasterize(w, h);
    drawn_hash_ = hash;
    drawn_at_ = now;
  }
}

void PlotCache::blit(int height) const {
  if (!framebuffer_) return;
  const ImVec2 s = ImGui::GetIO().DisplayFramebufferScale;
  // The visible part, in the texture's pixels and in the target's (both bottom-up).
  const int x0 = int(std::lround((std::max(clip_.x, p0_.x) - p0_.x) * s.x));
  const int x1 = int(std::lround((std::min(clip_.z, p1_.x) - p0_.x) * s.x));
  const int y0 = int(std::lround((std::max(clip_.y, p0_.y) - p0_.y) * s.y));
  const int y1 = int(std::lround((std::min(clip_.w, p1_.y) - p0_.y) * s.y));
  if (x1 <= x0 || y1 <= y0) return;
  const int ox = int(std::lround(p0_.x * s.x)), oy = int(std::lround(p0_.y * s.y));
  glBindFramebuffer(GL_READ_FRAMEBUFFER, framebuffer_);
  glBlitFramebuffer(x0, texture_.height() - y1, x1, texture_.height() - y0, ox + x0,
                    height - (oy + y1), ox + x1, height - (oy + y0), GL_COLOR_BUFFER_BIT,
                    GL_NEAREST);
}

uint64_t PlotCache::hash_placement(uint64_t seed) const {
  const float where[8] = {p0_.x, p0_.y, p1_.x, p1_.y, clip_.x, clip_.y, clip_.z, clip_.w};
  return hash_bytes(seed, where, sizeof where);
}

void PlotCache::rasterize(int width, int height) {
  GLint last_framebuffer = 0, last_texture = 0;
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &last_framebuffer);
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &last_texture);
  if (width != texture_.width() || height != texture_.height()) {
    texture_.allocate(width, height);
    if (!framebuffer_) glGenFramebuffers(1, &framebuffer_);
    glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture_.id(), 0);
  }
  glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
  // The panels are see-through over the window's clear colour (app/window/main.cpp), so the
  // plot's background is that colour, opaque.
  const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  const GLboolean scissor = glIsEnabled(GL_SCISSOR_TEST);
  glDisable(GL_SCISSOR_TEST);
  glClearColor(bg.x, bg.y, bg.z, 1.f);
  glClear(GL_COLOR_BUFFER_BIT);
  if (scissor) glEnable(GL_SCISSOR_TEST);
  ImDrawList* lists[] = {list_.get()};
  ImDrawData data;
  data.Valid = true;
  data.CmdLists = lists;
  data.CmdListsCount = 1;
  data.TotalVtxCount = list_->VtxBuffer.Size;
  data.TotalIdxCount = list_->IdxBuffer.Size;
  data.DisplayPos = p0_;
  data.DisplaySize = ImVec2(p1_.x - p0_.x, p1_.y - p0_.y);
  data.FramebufferScale = ImGui::GetIO().DisplayFramebufferScale;
  ImGui_ImplOpenGL3_RenderDrawData(&data);
  note_offscreen_change();
  PlotCaches::count_rasterization();
  // Finished before the texture is read. Mesa's llvmpipe rasterizes on its own threads and,
  // under load, the copy into the window could read a texture it was still drawing: pieces
  // of the curve came out wrong, differently from run to run.
  glFinish();
  glBindFramebuffer(GL_FRAMEBUFFER, GLuint(last_framebuffer));
  glBindTexture(GL_TEXTURE_2D, GLuint(last_texture));
}

PlotCaches::PlotCaches(ImGuiContext* context) : context_(context) { g_installed = this; }

PlotCaches::~PlotCaches() {
  if (g_installed == this) g_installed = nullptr;
}

void PlotCaches::blit(int height) const {
  GLint draw = 0, read = 0;
  glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &draw);
  glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &read);
  for_each_shown([&](ImGuiID, const PlotCache& c) { c.blit(height); });
  glBindFramebuffer(GL_DRAW_FRAMEBUFFER, GLuint(draw));
  glBindFramebuffer(GL_READ_FRAMEBUFFER, GLuint(read));
}

void PlotCaches::begin_frame(bool caching, bool refresh) {
  caching_ = caching;
  refresh_ = refresh;
}

bool PlotCaches::refresh_frame() {
  const PlotCaches* self = g_installed;
  return !self || self->refresh_;
}

void PlotCaches::count_rasterization() {
  if (g_installed) ++g_installed->rasterizations_;
}

int PlotCaches::shown() const {
  int n = 0;
  for_each_shown([&](ImGuiID, const PlotCache&) { ++n; });
  return n;
}

uint64_t PlotCaches::signature() const {
  uint64_t h = 0;
  for_each_shown(
      [&](ImGuiID id, const PlotCache& c) { h = c.hash_placement(hash_bytes(h, &id, sizeof id)); });
  return h;
}

PlotCache* PlotCaches::find(ImGuiID id) {
  PlotCaches* self = g_installed;
  if (!self || !self->caching_ || ImGui::GetCurrentContext() != self->context_) return nullptr;
  const int frame = ImGui::GetFrameCount();
  // About five seconds at 60 Hz: a plot hidden for less (another tab) keeps its texture.
  constexpr int kUnused = 300;
  if (frame - self->swept_ > kUnused) {
    for (auto it = self->entries_.begin(); it != self->entries_.end();)
      it = frame - it->second.used > kUnused ? self->entries_.erase(it) : std::next(it);
    self->swept_ = frame;
  }
  Entry& e = self->entries_[id];
  if (!e.cache) e.cache = std::make_unique<PlotCache>();
  e.used = frame;
  return e.cache.get();
}

}  // namespace ts::plot
