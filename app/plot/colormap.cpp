#include "app/plot/colormap.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace ts::plot {

namespace {
constexpr Rgb kViridis[9] = {
    {0.267f, 0.004f, 0.329f}, {0.278f, 0.173f, 0.478f}, {0.231f, 0.318f, 0.545f},
    {0.173f, 0.443f, 0.557f}, {0.129f, 0.565f, 0.553f}, {0.153f, 0.678f, 0.506f},
    {0.361f, 0.784f, 0.388f}, {0.667f, 0.863f, 0.196f}, {0.992f, 0.906f, 0.145f}};
constexpr Rgb kDiverging[7] = {{0.129f, 0.400f, 0.675f}, {0.404f, 0.663f, 0.812f},
                               {0.820f, 0.898f, 0.941f}, {0.969f, 0.969f, 0.969f},
                               {0.992f, 0.859f, 0.780f}, {0.937f, 0.541f, 0.384f},
                               {0.698f, 0.094f, 0.169f}};

static_assert(std::size(kViridis) <= kMaxColormapStops &&
                  std::size(kDiverging) <= kMaxColormapStops,
              "shaders/colormap.frag receives at most kMaxColormapStops stops");

uint32_t byte(float c) { return uint32_t(std::lround(std::clamp(c, 0.f, 1.f) * 255.f)); }
}  // namespace

std::span<const Rgb> colormap_stops(Colormap map) {
  if (map == Colormap::diverging) return kDiverging;
  return kViridis;
}

Rgb colormap_at(Colormap map, float t) {
  const auto stops = colormap_stops(map);
  const int n = int(stops.size());
  const float x = std::clamp(t, 0.f, 1.f) * float(n - 1);
  const int i = std::min(int(x), n - 2);
  const float f = x - float(i);
  Rgb c;
  for (int k = 0; k < 3; ++k)
    c[std::size_t(k)] = stops[std::size_t(i)][std::size_t(k)] * (1 - f) +
                        stops[std::size_t(i + 1)][std::size_t(k)] * f;
  return c;
}

uint32_t colormap_rgba(Colormap map, float v, float lo, float hi) {
  const Rgb c = std::isnan(v) ? kNoValue : colormap_at(map, (v - lo) / std::max(hi - lo, 1e-30f));
  return 0xff000000u | (byte(c[2]) << 16) | (byte(c[1]) << 8) | byte(c[0]);
}

}  // namespace ts::plot
