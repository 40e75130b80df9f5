#include "app/plot/frame_signature.h"

#include <cstring>

namespace ts::plot {

namespace {
uint64_t g_offscreen_changes = 0;

constexpr uint64_t kPrime = 0x100000001b3ull;

uint64_t mix(uint64_t h, uint64_t w) {
  h = (h ^ w) * kPrime;
  return h ^ (h >> 29);
}
}  // namespace

uint64_t hash_bytes(uint64_t seed, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  // Four independent lanes, so the multiplications overlap: a frame's vertices are about
  // a megabyte.
  uint64_t lane[4] = {seed, seed ^ 0x9e3779b97f4a7c15ull, seed ^ 0xc2b2ae3d27d4eb4full,
                      seed ^ 0x165667b19e3779f9ull};
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t w[4];
    std::memcpy(w, p + i, 32);
    for (int k = 0; k < 4; ++k) lane[k] = mix(lane[k], w[k]);
  }
  uint64_t h = mix(mix(mix(lane[0], lane[1]), lane[2]), lane[3]);
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = mix(h, w);
  }
  for (; i < n; ++i) h = mix(h, p[i]);
  return mix(h, n);
}

uint64_t hash_draw_list(uint64_t seed, const ImDrawList& l) {
  uint64_t h =
      hash_bytes(seed, l.VtxBuffer.Data, std::size_t(l.VtxBuffer.Size) * sizeof(ImDrawVert));
  h = hash_bytes(h, l.IdxBuffer.Data, std::size_t(l.IdxBuffer.Size) * sizeof(ImDrawIdx));
  for (const ImDrawCmd& c : l.CmdBuffer) {
    h = hash_bytes(h, &c.ClipRect, sizeof c.ClipRect);
    h = hash_bytes(h, &c.TextureId, sizeof c.TextureId);
    h = hash_bytes(h, &c.UserCallback, sizeof c.UserCallback);
    h = hash_bytes(h, &c.UserCallbackData, sizeof c.UserCallbackData);
    const unsigned range[3] = {c.VtxOffset, c.IdxOffset, c.ElemCount};
    h = hash_bytes(h, range, sizeof range);
  }
  return h;
}

uint64_t hash_draw_data(uint64_t seed, const ImDrawData& d) {
  const float frame[6] = {d.DisplayPos.x,  d.DisplayPos.y,       d.DisplaySize.x,
                          d.DisplaySize.y, d.FramebufferScale.x, d.FramebufferScale.y};
  uint64_t h = hash_bytes(seed, frame, sizeof frame);
  for (int i = 0; i < d.CmdListsCount; ++i) h = hash_draw_list(h, *d.CmdLists[i]);
  return mix(h, uint64_t(d.CmdListsCount));
}

void note_offscreen_change() { ++g_offscreen_changes; }

uint64_t offscreen_changes() { return g_offscreen_changes; }

}  // namespace ts::plot
