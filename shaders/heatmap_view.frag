// Colours a single-channel float texture through a 256-entry colour map.
// Linear: t = (v - lo) / (hi - lo). Log: t = log(v / hi) / log(lo / hi) reversed, for the
// softmax map whose values span many decades at high beta.
in vec2 vUv;
out vec4 fragColor;
uniform sampler2D uMap;
uniform sampler2D uLut;
uniform float uLo;
uniform float uHi;
uniform int uLog;
void main() {
  float v = texture(uMap, vUv).r;
  float t;
  if (uLog != 0) {
    float floor_v = max(uLo, 1e-30);
    t = (log(max(v, floor_v)) - log(floor_v)) / max(log(uHi) - log(floor_v), 1e-6);
  } else {
    t = (v - uLo) / max(uHi - uLo, 1e-30);
  }
  if (isnan(v)) t = 0.0;
  fragColor = vec4(texture(uLut, vec2(clamp(t, 0.0, 1.0) * (255.0 / 256.0) + 0.5 / 256.0, 0.5)).rgb, 1.0);
}
