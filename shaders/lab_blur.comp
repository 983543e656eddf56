// DARK's blurred maximum of one channel (GlEngine::last_blurred_max), as
// core/decoders/dark.cpp blurred_max computes it: OpenCV's Gaussian kernel (uTaps weights,
// double, in `taps`), a zero border, non-finite pixels read as 0. Three variants:
//   ROWS:  the horizontal pass of channel uChannel into `tmp` (double sums stored as float,
//          relative error 6e-8; clamped to the float range).
//   COLS:  the vertical pass over `tmp` and the max of each workgroup's pixels into
//          maxes[workgroup].
//   FINAL: one workgroup reduces maxes[0 .. uGroups) into maxes[uGroups].
// Grid-stride loops, so any map size runs in a bounded number of workgroups.
layout(local_size_x = 256) in;
layout(std430, binding = 9) buffer Tmp { float tmp[]; };
layout(std430, binding = 10) readonly buffer Taps { double taps[]; };
layout(std430, binding = 11) buffer Maxes { double maxes[]; };
#ifndef INPUT_U8
layout(std430, binding = 0) readonly buffer InputBits { uint bits[]; } raw;
#endif

uniform uint uChannel;
uniform int uTaps;     // odd kernel size
uniform uint uGroups;  // FINAL: the partial maxima to reduce

shared double sh_max[256];

// Channel uChannel's pixel e as a double, 0 when not finite (exact on the bits for float).
double value_at(uint e) {
#ifdef INPUT_U8
  return double(load_elem(uChannel * uPlane + e));
#else
  const uint b = raw.bits[uChannel * uPlane + e];
  if ((b & 0x7f800000u) == 0x7f800000u) return 0.0LF;
  if ((b & 0x7f800000u) != 0u) return double(uintBitsToFloat(b));
  if ((b & 0x7fffffu) == 0u) return 0.0LF;  // +-0 (llvmpipe's ldexp(0, -149) is not 0)
  const double mag = ldexp(double(b & 0x7fffffu), -149);  // denormal, exactly
  return (b & 0x80000000u) != 0u ? -mag : mag;
#endif
}

void reduce_max(double m) {
  const uint t = gl_LocalInvocationID.x;
  sh_max[t] = m;
  barrier();
  for (uint h = 128u; h > 0u; h >>= 1u) {
    if (t < h) sh_max[t] = max(sh_max[t], sh_max[t + h]);
    barrier();
  }
}

void main() {
  const uint n = uWidth * uHeight;
  const uint stride = gl_NumWorkGroups.x * 256u;
  const int kr = uTaps / 2;
#if defined(ROWS)
  for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
    const int x = int(i % uWidth);
    const uint row = i - uint(x);
    double s = 0.0LF;
    const int i0 = max(-kr, -x), i1 = min(kr, int(uWidth) - 1 - x);
    for (int k = i0; k <= i1; ++k) s += taps[k + kr] * value_at(row + uint(x + k));
    tmp[i] = float(clamp(s, -3.4028234663852886e38LF, 3.4028234663852886e38LF));
  }
#elif defined(COLS)
  double m = -1.0e300LF;  // below every blurred value (those lie in the float range)
  for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
    const int y = int(i / uWidth);
    const uint x = i - uint(y) * uWidth;
    double s = 0.0LF;
    const int j0 = max(-kr, -y), j1 = min(kr, int(uHeight) - 1 - y);
    for (int k = j0; k <= j1; ++k) s += taps[k + kr] * double(tmp[uint(y + k) * uWidth + x]);
    m = max(m, s);
  }
  reduce_max(m);
  if (gl_LocalInvocationID.x == 0u) maxes[gl_WorkGroupID.x] = sh_max[0];
#elif defined(FINAL)
  double m = -1.0e300LF;  // below every blurred value (those lie in the float range)
  for (uint g = gl_LocalInvocationID.x; g < uGroups; g += 256u) m = max(m, maxes[g]);
  reduce_max(m);
  if (gl_LocalInvocationID.x == 0u) maxes[uGroups] = sh_max[0];
#endif
}
