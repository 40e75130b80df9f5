// A 2-D OpenGL texture owned by the UI thread, sampled nearest and clamped at the edges:
// RGBA8 pixels (dataset sample grids), one float channel (heatmap values), or RGBA8 storage
// to render into (cached plots).
#pragma once

#include <cstdint>
#include <span>

namespace ts {

class GlTexture {
 public:
  GlTexture() = default;
  ~GlTexture();
  GlTexture(const GlTexture&) = delete;
  GlTexture& operator=(const GlTexture&) = delete;

  // Uploads width*height RGBA pixels, creating or resizing the texture.
  void upload(int width, int height, std::span<const uint32_t> rgba);
  // Uploads width*height floats into a single-channel (R32F) texture.
  void upload(int width, int height, std::span<const float> values);
  // width*height RGBA8 pixels with undefined contents, to attach to a framebuffer.
  void allocate(int width, int height);
  unsigned id() const { return id_; }
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  void prepare(int width, int height);

  unsigned id_ = 0;
  int width_ = 0;
  int height_ = 0;
};

}  // namespace ts
