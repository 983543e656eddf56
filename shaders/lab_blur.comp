// DARK's blurred maximum of one channel (DecodedFrame::blurred_max on the GPU engine), as
// core/lab/dark.cpp blurred_max computes it: OpenCV's Gaussian kernel (uTaps weights,
// double, in `taps`), a zero border, non-finite pixels read as 0. Three variants:
//   ROWS:  the horizontal pass of channel uChannel into `tmp` (in double, as the CPU keeps it:
//          a float scratch lost the digits of denormal-range maps), for one band of rows plus the
//          kernel's reach above and below it.
//   COLS:  the vertical pass over `tmp` for the band and the max of each workgroup's pixels
//          into maxes[workgroup].
//   FINAL: one workgroup reduces maxes[0 .. uGroups) into maxes[uGroups + uBand].
// Grid-stride loops, so any map size runs in a bounded number of workgroups.
layout(local_size_x = 256) in;
layout(std430, binding = 9) buffer Tmp { double tmp[]; };
layout(std430, binding = 10) readonly buffer Taps { double taps[]; };
layout(std430, binding = 11) buffer Maxes { double maxes[]; };
#ifndef INPUT_U8
layout(std430, binding = 0) readonly buffer InputBits { uint bits[]; } raw;
#endif

uniform uint uChannel;
uniform int uTaps;     // odd kernel size
uniform uint uGroups;  // FINAL: the partial maxima to reduce
// The map goes through in bands of rows so that tmp stays within the storage-block limit:
uniform uint uTmpRow0, uTmpRows;  // ROWS: the rows it blurs into tmp; COLS: the rows tmp holds
uniform uint uOutRow0, uOutRows;  // COLS: the rows whose blurred values it takes the max of
uniform uint uBand;               // FINAL: writes maxes[uGroups + uBand]

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
  const uint stride = gl_NumWorkGroups.x * 256u;
  const int kr = uTaps / 2;
#if defined(ROWS)
  // Rows [uTmpRow0, uTmpRow0 + uTmpRows) of the map, blurred along x, into tmp (band-relative).
  const uint nt = uTmpRows * uWidth;
  for (uint i = gl_GlobalInvocationID.x; i < nt; i += stride) {
    const int x = int(i % uWidth);
    const uint row = (uTmpRow0 + i / uWidth) * uWidth;
    double s = 0.0LF;
    const int i0 = max(-kr, -x), i1 = min(kr, int(uWidth) - 1 - x);
    for (int k = i0; k <= i1; ++k) s += taps[k + kr] * value_at(row + uint(x + k));
    tmp[i] = s;
  }
#elif defined(COLS)
  // Rows [uOutRow0, uOutRow0 + uOutRows) blurred along y from tmp (which holds every row they
  // read), and the max of each workgroup's pixels.
  double m = -1.0e300LF;  // below every blurred value (those lie in the float range)
  const uint no = uOutRows * uWidth;
  for (uint i = gl_GlobalInvocationID.x; i < no; i += stride) {
    const int y = int(uOutRow0 + i / uWidth);
    const uint x = i % uWidth;
    double s = 0.0LF;
    const int j0 = max(-kr, -y), j1 = min(kr, int(uHeight) - 1 - y);
    for (int k = j0; k <= j1; ++k)
      s += taps[k + kr] * tmp[uint(y + k - int(uTmpRow0)) * uWidth + x];
    m = max(m, s);
  }
  reduce_max(m);
  if (gl_LocalInvocationID.x == 0u) maxes[gl_WorkGroupID.x] = sh_max[0];
#elif defined(FINAL)
  double m = -1.0e300LF;  // below every blurred value (those lie in the float range)
  for (uint g = gl_LocalInvocationID.x; g < uGroups; g += 256u) m = max(m, maxes[g]);
  reduce_max(m);
  if (gl_LocalInvocationID.x == 0u) maxes[uGroups + uBand] = sh_max[0];
#endif
}
