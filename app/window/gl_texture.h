// An RGBA8 OpenGL texture owned by the UI thread, for dataset sample grids.
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
  unsigned id() const { return id_; }
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  unsigned id_ = 0;
  int width_ = 0;
  int height_ = 0;
};

}  // namespace ts
