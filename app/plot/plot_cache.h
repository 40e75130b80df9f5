// A plot's pixels kept between frames. Under a software OpenGL renderer (Mesa's llvmpipe:
// Xvfb, virtual machines, remote desktops) rasterizing a plot's thousands of thin triangles
// costs milliseconds. While the user acts on the window it draws every frame at 60 Hz
// (app/window/present_policy.h), and redrawing a curve that grows every step sixty times a
// second would take CPU from the training it shows. So in those frames a plot is drawn into
// a draw list of its own; that list is rasterized into a texture when it differs from the
// one last rasterized, on the window's refresh frames (kRefreshHz times a second), and every
// frame the texture is copied into the window before the ImGui frame is drawn over it (the
// panels are see-through, so popups and tooltips stay on top). A plot under the pointer or
// being dragged is drawn directly instead, so hover, pan and zoom are never late. When the
// window draws only its refresh frames, a plot that changed would be rasterized for every
// frame drawn anyway, so plots are drawn directly then too.
//
// The window installs one PlotCaches for its ImGui context; in any other context (the
// offscreen PNG exports) plots are drawn directly. UI thread, with the window's GL context
// current.
#pragma once

#include "app/plot/gl_texture.h"

#include <imgui.h>

#include <cstdint>
#include <map>
#include <memory>

struct ImGuiContext;

namespace ts::plot {

inline constexpr double kRefreshHz = 20.0;

class PlotCache {
 public:
  PlotCache();
  ~PlotCache();
  PlotCache(const PlotCache&) = delete;
  PlotCache& operator=(const PlotCache&) = delete;

  // The list to draw the plot of box [p0, p1] (screen coordinates) into this frame.
  ImDrawList* begin(ImVec2 p0, ImVec2 p1);
  // Rasterizes the list drawn since begin() when it changed and a refresh is due (or the
  // box moved or resized); `clip` is the part of the box the window shows.
  void end(ImVec4 clip);
  // Copies the visible part of the texture to the bound framebuffer, which is `height`
  // pixels high; the ImGui frame is then drawn over it.
  void blit(int height) const;
  // Hash of where the texture goes this frame, continuing from `seed`; its contents are
  // counted by note_offscreen_change() (frame_signature.h) when it is rasterized.
  uint64_t hash_placement(uint64_t seed) const;

 private:
  void rasterize(int width, int height);

  std::unique_ptr<ImDrawList> list_;
  ImVec2 p0_, p1_;
  uint64_t drawn_hash_ = 0;  // of the list the texture holds
  double drawn_at_ = -1e9;   // ImGui time of that rasterization
  GlTexture texture_;
  unsigned framebuffer_ = 0;
  ImVec4 clip_;
};

class PlotCaches {
 public:
  // Caches plots drawn in `context` (none when null) from now until this object is
  // destroyed, which must be before the GL context goes.
  explicit PlotCaches(ImGuiContext* context);
  ~PlotCaches();
  PlotCaches(const PlotCaches&) = delete;
  PlotCaches& operator=(const PlotCaches&) = delete;

  // The cache for the plot with this id, or null when plots in the current ImGui context are
  // not cached. Caches not used for a few seconds are freed.
  static PlotCache* find(ImGuiID id);
  // Copies this frame's cached plots to the bound framebuffer (`height` pixels high), under
  // the ImGui frame: call after clearing it and before rendering ImGui's draw data.
  void blit(int height) const;
  // Before a frame is built: whether the window is drawing every frame (the user acts on
  // it), so that plots are cached, and whether this is a refresh frame, in which changed
  // cached plots are rasterized again. Outside refresh frames a changed plot keeps the
  // texture it has, unless that is older than a refresh period.
  void begin_frame(bool caching, bool refresh);
  // True in a refresh frame, and whenever no cache is installed.
  static bool refresh_frame();
  // Hash of which cached plots this frame shows and where (for frame_signature.h).
  uint64_t signature() const;
  // How many plots this frame shows from their textures.
  int shown() const;
  // How many times a cached plot has been rasterized into its texture.
  uint64_t rasterizations() const { return rasterizations_; }

 private:
  friend class PlotCache;
  static void count_rasterization();
  struct Entry {
    std::unique_ptr<PlotCache> cache;
    int used = 0;  // the frame it was last asked for
  };
  // Calls f(id, cache) for each plot this frame shows from its cache.
  template <class F>
  void for_each_shown(F&& f) const {
    const int frame = ImGui::GetFrameCount();
    for (const auto& [id, e] : entries_)
      if (e.used == frame) f(id, *e.cache);
  }
  ImGuiContext* context_;
  bool caching_ = true;
  bool refresh_ = true;
  uint64_t rasterizations_ = 0;
  std::map<ImGuiID, Entry> entries_;
  int swept_ = 0;
};

}  // namespace ts::plot
