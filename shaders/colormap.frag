// The heatmaps' colours: each texel is one value (a single float channel), mapped from
// [Lo, Hi] onto a colormap: 0 viridis (perceptually even, for counts and magnitudes), 1 a
// blue-white-red diverging map centred on the middle of the range (for signed data such as
// weights). A NaN texel (no value) is drawn dark grey.
#version 330 core
uniform sampler2D Texture;
uniform float Lo;
uniform float Hi;
uniform int Map;
in vec2 Frag_UV;
in vec4 Frag_Color;
layout (location = 0) out vec4 Out_Color;

// Viridis at nine evenly spaced points, linearly interpolated.
const vec3 kViridis[9] = vec3[9](
    vec3(0.267, 0.004, 0.329), vec3(0.278, 0.173, 0.478), vec3(0.231, 0.318, 0.545),
    vec3(0.173, 0.443, 0.557), vec3(0.129, 0.565, 0.553), vec3(0.153, 0.678, 0.506),
    vec3(0.361, 0.784, 0.388), vec3(0.667, 0.863, 0.196), vec3(0.992, 0.906, 0.145));
// Blue, white, red at seven evenly spaced points.
const vec3 kDiverging[7] = vec3[7](
    vec3(0.129, 0.400, 0.675), vec3(0.404, 0.663, 0.812), vec3(0.820, 0.898, 0.941),
    vec3(0.969, 0.969, 0.969), vec3(0.992, 0.859, 0.780), vec3(0.937, 0.541, 0.384),
    vec3(0.698, 0.094, 0.169));

vec3 viridis(float t) {
  float x = t * 8.0;
  int i = min(int(x), 7);
  return mix(kViridis[i], kViridis[i + 1], x - float(i));
}

vec3 diverging(float t) {
  float x = t * 6.0;
  int i = min(int(x), 5);
  return mix(kDiverging[i], kDiverging[i + 1], x - float(i));
}

void main() {
  float v = texture(Texture, Frag_UV).r;
  if (isnan(v)) {
    Out_Color = vec4(0.16, 0.17, 0.19, 1.0) * Frag_Color;
    return;
  }
  float t = clamp((v - Lo) / max(Hi - Lo, 1e-30), 0.0, 1.0);
  vec3 c = Map == 1 ? diverging(t) : viridis(t);
  Out_Color = vec4(c, 1.0) * Frag_Color;
}
