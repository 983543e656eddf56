// Shared by the decode shaders (prepended after #version and the variant #defines).
// Reads element (x, y) of channel c. Strides are in elements (bytes for uint8).

#ifdef INPUT_U8
layout(std430, binding = 0) readonly buffer Input { uint words[]; } inp;
float load_elem(uint base, uint i) {
  uint b = base + i;
  return float((inp.words[b >> 2u] >> ((b & 3u) * 8u)) & 0xffu);
}
#else
layout(std430, binding = 0) readonly buffer Input { float vals[]; } inp;
float load_elem(uint base, uint i) { return inp.vals[base + i]; }
#endif

uniform uint uWidth;
uniform uint uHeight;
uniform uint uRowStride;
uniform uint uChannelStride;
uniform uint uBaseOffset;      // elements before channel 0 (sub-allocation in the buffer)

const float kNegInf = -1.0 / 0.0;
