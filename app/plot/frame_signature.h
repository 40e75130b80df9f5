// What a frame puts on screen, as a 64-bit signature, so the window can leave a frame
// undrawn when it would show the same pixels as the one already on screen
// (app/window/present_policy.h).
//
// The draw data carries most of it: every vertex, index, clip rectangle, texture and draw
// callback. What it does not carry is what those name: a texture's contents and the
// uniforms a draw callback sets. Code that changes either (a texture upload, a heatmap's
// value range, a cached plot rasterized again) calls note_offscreen_change(), and the
// count of such changes goes into the signature.
//
// UI thread only.
#pragma once

#include <imgui.h>

#include <cstddef>
#include <cstdint>

namespace ts::plot {

// Hash of n bytes, continuing from `seed`.
uint64_t hash_bytes(uint64_t seed, const void* data, std::size_t n);
// Hash of what a draw list would put on screen: vertices, indices, and each command's clip
// rectangle, texture, callback and index range.
uint64_t hash_draw_list(uint64_t seed, const ImDrawList& list);
// Hash of every list of `data`, with its display position, size and scale.
uint64_t hash_draw_data(uint64_t seed, const ImDrawData& data);

// Something shown changed outside the draw data (see above).
void note_offscreen_change();
// How many such changes there have been.
uint64_t offscreen_changes();

}  // namespace ts::plot
