// Colours a one-channel float texture through a 256-entry colour table by the rule of
// core/colour_scale.hpp: the entry of a value is the number of the scale's edges at or below
// it (ColourScale::index), NaN entry 0 but drawn in uNanColour. The edges come from ColourScale::edges(); this shader
// only compares against them, so it colours exactly as the CPU does.
//   uMap    the values (r32f), one texel per output pixel
//   uEdges  ColourScale::edges() (r32f, 256 x 1; texel 0 unused)
//   uLut    the colour table (rgb8, 256 x 1)
//   uNanColour  kNanColour (core/colour_scale.hpp) in 0..1
out vec4 fragColor;
uniform sampler2D uMap;
uniform sampler2D uEdges;
uniform sampler2D uLut;
uniform vec3 uNanColour;
const int kColourEntries = 256;  // ColourScale::kEntries

// The number of edges 1..255 at or below v: a binary search (the edges do not decrease).
int colour_index(float v) {
  if (isnan(v)) return 0;
  int i = 0;
  for (int step = kColourEntries / 2; step > 0; step /= 2)
    if (texelFetch(uEdges, ivec2(i + step, 0), 0).r <= v) i += step;
  return i;
}

void main() {
  float v = texelFetch(uMap, ivec2(gl_FragCoord.xy), 0).r;
  vec3 rgb = texelFetch(uLut, ivec2(colour_index(v), 0), 0).rgb;
  fragColor = vec4(isnan(v) ? uNanColour : rgb, 1.0);
}
