#include "app/plot/png_encode.h"

#include "core/error.h"

#include <stb_image_write.h>

namespace ts::plot {

std::string encode_png(int width, int height, const void* rgba, int stride,
                       const std::string& where) {
  std::string bytes;
  const auto append = [](void* out, void* data, int size) {
    static_cast<std::string*>(out)->append(static_cast<const char*>(data), std::size_t(size));
  };
  if (!stbi_write_png_to_func(append, &bytes, width, height, 4, rgba, stride))
    throw Error(where + "PNG encoding failed");
  return bytes;
}

}  // namespace ts::plot
