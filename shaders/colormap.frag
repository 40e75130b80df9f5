// The heatmaps' colours: each texel is one value (a single float channel), mapped from
// [Lo, Hi] onto the colormap whose evenly spaced stops arrive in Stops (StopCount of them;
// app/plot/colormap.cpp holds the table, which the exports use too). A NaN texel (no value)
// is drawn in NoValue.
#version 330 core
uniform sampler2D Texture;
uniform float Lo;
uniform float Hi;
uniform vec3 Stops[9];
uniform int StopCount;
uniform vec3 NoValue;
in vec2 Frag_UV;
in vec4 Frag_Color;
layout (location = 0) out vec4 Out_Color;

vec3 ramp(float t) {
  int n = clamp(StopCount, 2, 9);
  float x = t * float(n - 1);
  int i = min(int(x), n - 2);
  return mix(Stops[i], Stops[i + 1], x - float(i));
}

void main() {
  float v = texture(Texture, Frag_UV).r;
  if (isnan(v)) {
    Out_Color = vec4(NoValue, 1.0) * Frag_Color;
    return;
  }
  float t = clamp((v - Lo) / max(Hi - Lo, 1e-30), 0.0, 1.0);
  Out_Color = vec4(ramp(t), 1.0) * Frag_Color;
}
