// The decoding lab's window read (DecodedFrame::windows on the GPU engine): workgroup c copies the
// (2r+1) x (2r+1) window around channel c's argmax, taken from the decode's results on the
// GPU, into a small buffer: win[c] = the argmax index (0xffffffff: no valid pixel, no values
// written), then win[K + c (2r+1)^2 + i] = the bits of the float value (row-major,
// window-local; 0 outside the map). Float values are copied on their bits, so NaN, Inf and
// denormals reach the CPU unchanged; uint8 as 0..255.
layout(local_size_x = 64) in;
layout(std430, binding = 3) readonly buffer Results { Result results[]; };
layout(std430, binding = 8) writeonly buffer Windows { uint win[]; };
#ifndef INPUT_U8
layout(std430, binding = 0) readonly buffer InputBits { uint bits[]; } raw;
#endif

uniform int uRadius;
uniform uint uChannels;

void main() {
  const uint c = gl_WorkGroupID.x;
  const uint t = gl_LocalInvocationID.x;
  const uint idx = results[c].idx;
  if (t == 0u) win[c] = idx;
  if (idx == 0xffffffffu) return;
  const int n = 2 * uRadius + 1;
  const uint n2 = uint(n * n);
  const int cx = int(idx % uWidth), cy = int(idx / uWidth);
  for (uint i = t; i < n2; i += 64u) {
    const int x = cx - uRadius + int(i % uint(n));
    const int y = cy - uRadius + int(i / uint(n));
    uint v = 0u;  // 0.0f
    if (x >= 0 && y >= 0 && x < int(uWidth) && y < int(uHeight)) {
      const uint e = c * uPlane + uint(y) * uWidth + uint(x);
#ifdef INPUT_U8
      v = floatBitsToUint(load_elem(e));
#else
      v = raw.bits[e];
#endif
    }
    win[uChannels + c * n2 + i] = v;
  }
}
