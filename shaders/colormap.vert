// The heatmaps' vertex stage: ImGui's vertex inputs (position, uv, colour) and projection,
// so a heatmap is an ordinary ImGui image drawn with another fragment stage. The inputs are
// bound before linking to the locations ImGui's own program uses (app/plot/heatmap.cpp).
#version 330 core
in vec2 Position;
in vec2 UV;
in vec4 Color;
uniform mat4 ProjMtx;
out vec2 Frag_UV;
out vec4 Frag_Color;
void main() {
  Frag_UV = UV;
  Frag_Color = Color;
  gl_Position = ProjMtx * vec4(Position.xy, 0.0, 1.0);
}
