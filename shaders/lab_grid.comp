// The decoding lab's beta grid (DecodedFrame::beta_grid on the GPU engine): the last frame decoded at J betas
// in one submission. The channel max M and its index come from the decode's results on the
// GPU, so every weight is taken against the final max and the states need no rescaling.
//
// Pass 1 (default): workgroup (g, c) covers uChunksPerGroup chunks of 4096 pixels of channel
// c; each chunk is loaded ONCE into registers (16 pixels per thread, coalesced) and then
// reduced at every beta j: s = sum exp(beta_eff (v - M)), sx, sy (the softmax sums, weights as
// the decode computes them: common.glsl weight_d with the channel's ChannelScale, made here
// from M as decode_combine.comp MAX_ONLY makes it) and, with DEBIASED, ds, dsx, dsy with the
// debiased weights exp(b (v - M)) - exp(-b M) (core/lab/debiased.cpp debiased_weight, in
// double, expm1 for small b M). The workgroup's sums go to gparts[((c J + j) G + g) NQ + q].
// Pass 2 (COMBINE): one invocation per (c, j) adds the G partials in a fixed order
// (deterministic) and writes 8 doubles: the six sums, M (as a double) and the argmax index
// (0xffffffff: no valid pixel). The CPU finishes the keypoints (a few divisions).
#ifdef DEBIASED
const uint NQ = 6u;
#else
const uint NQ = 3u;
#endif
layout(std430, binding = 3) readonly buffer Results { Result results[]; };
layout(std430, binding = 8) readonly buffer Betas { double betas[]; };
layout(std430, binding = 9) buffer GridParts { double gparts[]; };
layout(std430, binding = 10) writeonly buffer GridOut { double gout[]; };
#ifndef INPUT_U8
layout(std430, binding = 0) readonly buffer InputBits { uint bits[]; } raw;
#endif

uniform uint uBetas;      // J
uniform uint uNormalize;  // 1: beta_eff = beta / M (core/decode.hpp effective_beta)
uniform uint uChannels;   // K
uniform uint uGroups;     // G, workgroups per channel in pass 1
uniform uint uChunksPerGroup;

// A float as a double, exactly, on the bits (a GPU may flush a denormal when converting).
double to_double_bits(uint b) {
  if (((b >> 23u) & 0xffu) != 0u) return double(uintBitsToFloat(b));
  if ((b & 0x7fffffu) == 0u) return 0.0LF;  // +-0 (llvmpipe's ldexp(0, -149) is not 0)
  const double mag = ldexp(double(b & 0x7fffffu), -149);
  return (b & 0x80000000u) != 0u ? -mag : mag;
}

#ifdef COMBINE
layout(local_size_x = 64) in;
void main() {
  const uint id = gl_GlobalInvocationID.x;
  if (id >= uChannels * uBetas) return;
  const uint c = id / uBetas;
  const Result r = results[c];
  double acc[6] = double[6](0.0LF, 0.0LF, 0.0LF, 0.0LF, 0.0LF, 0.0LF);
  if (r.idx != 0xffffffffu)
    for (uint g = 0u; g < uGroups; ++g)
      for (uint q = 0u; q < NQ; ++q) acc[q] += gparts[(id * uGroups + g) * NQ + q];
  for (uint q = 0u; q < 6u; ++q) gout[id * 8u + q] = acc[q];
  gout[id * 8u + 6u] = r.idx == 0xffffffffu ? 0.0LF : to_double_bits(floatBitsToUint(r.value));
  gout[id * 8u + 7u] = double(r.idx);
}
#else
layout(local_size_x = 256) in;
const uint kPer = 16u;  // pixels per thread per chunk
const uint kChunk = 256u * kPer;

shared double sh[NQ * 256u];
#ifdef INPUT_U8
shared double sh_w[256];  // the soft weight of each byte value at the current beta
#ifdef DEBIASED
shared double sh_dw[256];  // its debiased weight
#endif
#endif

ChannelScale scale_of(double beta_eff, int shift) {
  int e;
  const double fr = frexp(2.0LF * beta_eff, e);
  const int e1 = e / 2;
  ChannelScale cs;
  cs.bm = float(fr);
  cs.f1 = ldexp(1.0, e1);
  cs.f2 = ldexp(1.0, e - e1);
  cs.shift = shift;
  return cs;
}

// expm1(t) in double: a Taylor series for |t| < 0.25 (relative error below 1e-17), else
// exp_d(t) - 1 (no cancellation that matters: |expm1(t)| > 0.22 there). t <= 709.
double expm1_d(double t) {
  if (t < -0.25LF || t > 0.25LF) return exp_d(t) - 1.0LF;
  double p = 1.0LF;
  for (int k = 17; k >= 2; --k) p = 1.0LF + p * t / double(k);
  return t * p;
}

// exp(t) for any t: exp_d (common.glsl) below 709, +inf above (a negative channel max makes
// exp(-b m) overflow, as in double on the CPU, and the CPU's fallback follows).
double exp_any(double t) {
  if (t > 709.0LF) return double(uintBitsToFloat(0x7f800000u));
  return exp_d(t);
}

// core/lab/debiased.cpp debiased_weight(v, b, m) for finite v; e = exp(-b m) (with the
// small-b m form) and small = |b m| <= 600.
double debiased_w(double v, double b, double m, double e, bool small) {
  if (small) return expm1_d(b * v) * e;
  return exp_any(b * (v - m)) - e;
}

void main() {
  const uint c = gl_WorkGroupID.y;
  const uint g = gl_WorkGroupID.x;
  const uint t = gl_LocalInvocationID.x;
  const Result r = results[c];
  if (r.idx == 0xffffffffu) return;  // no valid pixel: the whole workgroup leaves
  const uint n = uWidth * uHeight;
  const uint Mb = floatBitsToUint(r.value);
  const double md = to_double_bits(Mb);
  const bool finite_max = (Mb & 0x7f800000u) != 0x7f800000u;
  // decode_combine.comp MAX_ONLY: the shift that brings a tiny max to [1, 2).
  int shift = 0;
  double norm = md;
  if (uNormalize != 0u && md > 0.0LF && finite_max && md < ldexp(1.0LF, -64)) {
    int e;
    frexp(md, e);
    shift = 1 - e;
    norm = ldexp(md, shift);
  }
  const bool normalize = uNormalize != 0u && md > 0.0LF && finite_max;
  const float M = scale_pow2(r.value, shift);
  for (uint ch = 0u; ch < uChunksPerGroup; ++ch) {
    const uint cb = (g * uChunksPerGroup + ch) * kChunk;
    if (cb >= n) break;  // the same for the whole workgroup
    // The chunk, loaded once: pixel cb + k 256 + t (coalesced).
    // uint8: the byte (256 past the plane); float: the bits (-inf, weight 0, past the plane).
    uint vals[kPer];
    for (uint k = 0u; k < kPer; ++k) {
      const uint i = cb + k * 256u + t;
#ifdef INPUT_U8
      vals[k] = i < n ? uint(load_elem(c * uPlane + i)) : 256u;
#else
      vals[k] = i < n ? raw.bits[c * uPlane + i] : 0xff800000u;
#endif
    }
    for (uint j = 0u; j < uBetas; ++j) {
      const double beta = betas[j];
      const ChannelScale cs = scale_of(normalize ? beta / norm : beta, shift);
#ifdef DEBIASED
      const double b = normalize ? beta / md : beta;  // effective_beta in double
      const bool deb = finite_max;                    // +Inf max: soft-argmax (on the CPU)
      const bool small = b * md <= 600.0LF && b * md >= -600.0LF;
      const double e = deb ? exp_any(-b * md) : 0.0LF;
#endif
#ifdef INPUT_U8
      barrier();  // the previous beta's table is no longer read
      sh_w[t] = weight_d(cs, float(t), M);
#ifdef DEBIASED
      sh_dw[t] = deb ? debiased_w(double(t), b, md, e, small) : 0.0LF;
#endif
      barrier();
#endif
      double q[6] = double[6](0.0LF, 0.0LF, 0.0LF, 0.0LF, 0.0LF, 0.0LF);
      for (uint k = 0u; k < kPer; ++k) {
        const uint i = cb + k * 256u + t;
#ifdef INPUT_U8
        if (vals[k] > 255u) continue;
        const double w = sh_w[vals[k]];
#else
        const uint vb = vals[k];
        if ((vb & 0x7fffffffu) > 0x7f800000u || vb == 0xff800000u) continue;  // NaN, -inf: 0
        const float v = scale_pow2(uintBitsToFloat(vb), shift);
        const double w = weight_d(cs, v, M);
#endif
        const double x = double(i % uWidth), y = double(i / uWidth);
        q[0] += w;
        q[1] += w * x;
        q[2] += w * y;
#ifdef DEBIASED
#ifdef INPUT_U8
        const double dw = sh_dw[vals[k]];
#else
        const bool fin = (vb & 0x7f800000u) != 0x7f800000u;
        const double dw = (deb && fin && (vb & 0x7fffffffu) != 0u)
                              ? debiased_w(to_double_bits(vb), b, md, e, small)
                              : 0.0LF;
#endif
        q[3] += dw;
        q[4] += dw * x;
        q[5] += dw * y;
#endif
      }
      for (uint qq = 0u; qq < NQ; ++qq) sh[qq * 256u + t] = q[qq];
      barrier();
      for (uint h = 128u; h > 0u; h >>= 1u) {
        if (t < h)
          for (uint qq = 0u; qq < NQ; ++qq) sh[qq * 256u + t] += sh[qq * 256u + t + h];
        barrier();
      }
      if (t == 0u) {
        const uint o = ((c * uBetas + j) * uGroups + g) * NQ;
        for (uint qq = 0u; qq < NQ; ++qq)
          gparts[o + qq] = (ch == 0u ? 0.0LF : gparts[o + qq]) + sh[qq * 256u];
      }
      barrier();  // sh is reused by the next beta
    }
  }
}
#endif
