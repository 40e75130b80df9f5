// PNG bytes of an RGBA image in memory (stb's encoder), for the exports that write PNG files.
// Any thread.
#pragma once

#include <string>

namespace ts::plot {

// width x height pixels of 4 bytes (R, G, B, A), rows `stride` bytes apart, top row first.
// Throws ts::Error starting with `where` when encoding fails.
std::string encode_png(int width, int height, const void* rgba, int stride,
                       const std::string& where);

}  // namespace ts::plot
