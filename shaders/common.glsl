// Shared by the decode and softmax-map shaders (prepended after decode_types.glsl).
// The frame lives in one buffer: channel c's plane starts at element c * uPlane (uPlane a
// multiple of 4 for float, 16 for uint8, so every plane starts on a 16-byte boundary) and
// its rows are dense (row stride = uWidth).
#ifdef INPUT_U8
layout(std430, binding = 0) readonly buffer Input { uvec4 q[]; } inp;  // 16 pixels per load
const uint kPerLoad = 16u;
float load_elem(uint i) {
  const uint w = inp.q[i >> 4u][(i >> 2u) & 3u];
  return float((w >> ((i & 3u) * 8u)) & 0xffu);
}
#else
layout(std430, binding = 0) readonly buffer Input { vec4 q[]; } inp;  // 4 pixels per load
const uint kPerLoad = 4u;
float load_elem(uint i) { return inp.q[i >> 2u][i & 3u]; }
#endif
layout(std430, binding = 2) buffer Scales { ChannelScale scales[]; };

uniform uint uWidth;
uniform uint uHeight;
uniform uint uPlane;  // elements between channel planes
// 1 on maps wider or taller than 8192 pixels: weights in double (exp_d). A float exp's error
// of ~1e-7, smooth over a ramp, shifts the mean by ~1e-7 of the extent: 0.002 px at 4M.
uniform uint uExact;

const float kNegInf = -1.0 / 0.0;

// An order-preserving key of a float, on its bits (so comparisons hold on GPUs that flush
// denormals): larger value, larger key; -0 and +0 share one; NaN and -Inf (never a maximum,
// never weighted) get 0, below every other value.
uint okey(float v) {
  uint b = floatBitsToUint(v);
  if ((b & 0x7fffffffu) > 0x7f800000u || b == 0xff800000u) return 0u;
  if (b == 0x80000000u) b = 0u;
  return (b & 0x80000000u) != 0u ? ~b : (b | 0x80000000u);
}

// v * 2^k exactly on the bits (toward zero when the result is denormal): denormal inputs
// and outputs survive a GPU that flushes them in float arithmetic.
float scale_pow2(float v, int k) {
  const uint b = floatBitsToUint(v);
  const uint sign = b & 0x80000000u;
  int e = int((b >> 23u) & 0xffu);
  uint mant = b & 0x7fffffu;
  if (e == 255 || k == 0 || (e == 0 && mant == 0u)) return v;
  if (e == 0) {  // denormal: normalise, the exponent going to 0 or below
    const int msb = findMSB(mant);
    e = msb - 22;
    mant = (mant << uint(23 - msb)) & 0x7fffffu;
  }
  e += k;
  if (e >= 255) return uintBitsToFloat(sign | 0x7f800000u);
  if (e <= 0) {
    const int sh = 1 - e;
    if (sh > 24) return uintBitsToFloat(sign);
    return uintBitsToFloat(sign | ((mant | 0x800000u) >> uint(sh)));
  }
  return uintBitsToFloat(sign | (uint(e) << 23u) | mant);
}

// beta_eff * (v - m) for v <= m (see ChannelScale): never overflows to NaN; -inf or a
// large negative number when the weight is 0, 0 when beta_eff is below float range.
float expo(ChannelScale cs, float v, float m) {
  precise float d = 0.5 * v - 0.5 * m;
  precise float t = ((cs.bm * d) * cs.f1) * cs.f2;
  return t;
}

// exp(t) in double for t <= 0 (0 below -745 and for NaN): t = n ln2 + r, |r| <= ln2 / 2,
// exp(r) by its Taylor series to r^12 (error below 1e-15), then scaled by 2^n exactly.
double exp_d(double t) {
  if (!(t > -745.0LF)) return 0.0LF;
  const double n = floor(t * 1.4426950408889634LF + 0.5LF);
  const double r = (t - n * 0.693147180369123816490LF) - n * 1.90821492927058770002e-10LF;
  double p = 1.0LF / 479001600.0LF;
  p = p * r + 1.0LF / 39916800.0LF;
  p = p * r + 1.0LF / 3628800.0LF;
  p = p * r + 1.0LF / 362880.0LF;
  p = p * r + 1.0LF / 40320.0LF;
  p = p * r + 1.0LF / 5040.0LF;
  p = p * r + 1.0LF / 720.0LF;
  p = p * r + 1.0LF / 120.0LF;
  p = p * r + 1.0LF / 24.0LF;
  p = p * r + 1.0LF / 6.0LF;
  p = p * r + 0.5LF;
  p = p * r + 1.0LF;
  p = p * r + 1.0LF;
  return ldexp(p, int(n));
}

// The weight exp(beta_eff (v - m)) of v against the max m, in double (uExact: the exponent
// and exp in double) or a float exp widened; 1 when v == m (+inf included), 0 for NaN v.
double weight_d(ChannelScale cs, float v, float m) {
  if (v == m) return 1.0LF;
  if (uExact != 0u) {
    const double b2 = double(cs.bm) * double(cs.f1) * double(cs.f2);  // 2 beta_eff, exact
    return exp_d(0.5LF * b2 * (double(v) - double(m)));
  }
  const float e = exp(expo(cs, v, m));
  return (floatBitsToUint(e) & 0x7fffffffu) > 0x7f800000u ? 0.0LF : double(e);
}

// The factor exp(beta_eff (v - m)) that moves a sum taken against v onto a larger max m, always
// in double: a float exp's relative error of ~6e-8 per rescale compounds over a thread's many
// rescales (each new running max) into a bias of 1e-6 of the extent on near-uniform weights
// (2e-3 px on a 4096-row map at beta 1e-3). Rescales are rare (a new max, and the merge tree),
// so the double exp costs nothing that shows. 1 when v == m, 0 for NaN or -inf v.
double rescale_d(ChannelScale cs, float v, float m) {
  if (v == m) return 1.0LF;
  const double b2 = double(cs.bm) * double(cs.f1) * double(cs.f2);  // 2 beta_eff, exact
  return exp_d(0.5LF * b2 * (double(v) - double(m)));
}
