// The heatmaps' colormaps as data: viridis (perceptually even, for counts and magnitudes)
// and a blue-white-red diverging map (for signed data, centred on the middle of the range),
// each a few evenly spaced RGB stops interpolated linearly. The GPU program
// (shaders/colormap.frag) receives these stops as uniforms and the exports colour on the CPU
// from the same table, so a saved PNG or SVG has the window's colours (to within the GPU's
// rounding of one step in 255).
// Plain data and pure functions: any thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace ts::plot {

enum class Colormap { viridis = 0, diverging = 1 };

using Rgb = std::array<float, 3>;  // each channel in [0, 1]

// The most stops a colormap has: the size of colormap.frag's Stops array.
inline constexpr std::size_t kMaxColormapStops = 9;

// The stops of `map`, evenly spaced from the low end to the high end.
std::span<const Rgb> colormap_stops(Colormap map);
// The colour of t in [0, 1] (clamped).
Rgb colormap_at(Colormap map, float t);
// The colour "no value" (a NaN cell) is drawn in.
inline constexpr Rgb kNoValue{0.16f, 0.17f, 0.19f};
// v on [lo, hi] as opaque RGBA bytes (R first in memory, like IM_COL32); NaN as kNoValue.
uint32_t colormap_rgba(Colormap map, float v, float lo, float hi);

}  // namespace ts::plot
