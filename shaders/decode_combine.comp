// Pass 2: one workgroup per channel merges that channel's partial states in double, in a
// fixed order (deterministic), and writes the keypoint. With MAX_ONLY it writes instead the
// channel's ChannelScale for normalise-by-max: the effective beta beta / max (as
// core/decode.hpp's effective_beta: only when the max is finite and > 0), computed in double
// and split so that the exponent cannot overflow; a max below 2^-64 (denormals included)
// also sets a value shift that brings it to [1, 2).
// WG: threads per workgroup (256; the engine compiles 64 for software rasterisers, where every
// thread of a workgroup is a coroutine that each barrier switches through).
#ifndef WG
#define WG 256
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 1) readonly buffer Partials { Partial parts[]; };
layout(std430, binding = 3) writeonly buffer Results { Result results[]; };

uniform uint uGroups;  // partials per channel
uniform double uBeta;  // MAX_ONLY: the user's beta

shared uint sh_key[WG];
shared uint sh_idx[WG];
shared float sh_m[WG];
shared double sh_s[WG];
shared double sh_sx[WG];
shared double sh_sy[WG];

#ifdef MAX_ONLY
// A float as a double, exactly, on the bits (a GPU may flush a denormal when converting).
double to_double(float v) {
  const uint b = floatBitsToUint(v);
  if (((b >> 23u) & 0xffu) != 0u) return double(v);
  if ((b & 0x7fffffu) == 0u) return 0.0LF;  // +-0: llvmpipe's ldexp(0.0, -149) is not 0
  const double mag = ldexp(double(b & 0x7fffffu), -149);
  return (b & 0x80000000u) != 0u ? -mag : mag;
}

ChannelScale make_scale(double beta_eff, int shift) {
  int e;
  const double fr = frexp(2.0 * beta_eff, e);  // 2 beta_eff = fr 2^e, fr in [0.5, 1)
  const int e1 = e / 2;
  ChannelScale cs;
  cs.bm = float(fr);
  cs.f1 = ldexp(1.0, e1);
  cs.f2 = ldexp(1.0, e - e1);
  cs.shift = shift;
  return cs;
}
#endif

void main() {
  const uint c = gl_WorkGroupID.y;
  const uint t = gl_LocalInvocationID.x;
  // The channel max first (one float per partial), so all rescaling is relative to it.
  uint key = 0u, idx = 0xffffffffu;
  float m = kNegInf;
  for (uint g = t; g < uGroups; g += uint(WG)) {
    const Partial p = parts[c * uGroups + g];
    const uint k = okey(p.m);
    if (k > key) { key = k; idx = p.idx; m = p.m; }
  }
  sh_key[t] = key;
  sh_idx[t] = idx;
  sh_m[t] = m;
  barrier();
  for (uint h = uint(WG) / 2u; h > 0u; h >>= 1u) {
    if (t < h) {
      const uint ka = sh_key[t], kb = sh_key[t + h];
      const uint ia = sh_idx[t], ib = sh_idx[t + h];
      sh_idx[t] = (ka > kb) ? ia : (kb > ka) ? ib : min(ia, ib);
      sh_m[t] = kb > ka ? sh_m[t + h] : sh_m[t];
      sh_key[t] = max(ka, kb);
    }
    barrier();
  }
  const uint K = sh_key[0];
  const float M = sh_m[0];
  const uint I = sh_idx[0];
  barrier();
#ifdef MAX_ONLY
  if (t == 0u) {
    const double md = to_double(M);
    int shift = 0;
    double beta_eff = uBeta;
    if (K != 0u && md > 0.0 && !isinf(M)) {
      if (md < ldexp(1.0LF, -64)) {
        int e;
        frexp(md, e);  // md = fr 2^e, fr in [0.5, 1): md 2^(1-e) in [1, 2)
        shift = 1 - e;
        beta_eff = uBeta / ldexp(md, shift);
      } else {
        beta_eff = uBeta / md;
      }
    }
    scales[c] = make_scale(beta_eff, shift);
  }
#else
  const ChannelScale cs = scales[c];
  double s = 0.0, sx = 0.0, sy = 0.0;
  if (K != 0u) {
    for (uint g = t; g < uGroups; g += uint(WG)) {
      const Partial p = parts[c * uGroups + g];
      const uint k = okey(p.m);
      if (k == 0u) continue;
      const double f = (k == K) ? 1.0 : rescale_d(cs, p.m, M);
      s += p.s * f;
      sx += p.sx * f;
      sy += p.sy * f;
    }
  }
  sh_s[t] = s;
  sh_sx[t] = sx;
  sh_sy[t] = sy;
  barrier();
  for (uint h = uint(WG) / 2u; h > 0u; h >>= 1u) {
    if (t < h) {
      sh_s[t] += sh_s[t + h];
      sh_sx[t] += sh_sx[t + h];
      sh_sy[t] += sh_sy[t + h];
    }
    barrier();
  }
  if (t == 0u) {
    Result r;
    const double S = sh_s[0];
    r.value = K == 0u ? kNegInf : scale_pow2(M, -cs.shift);
    r.idx = K == 0u ? 0xffffffffu : I;
    if (K == 0u || !(S > 0.0)) {
      r.sx = 0.0;
      r.sy = 0.0;
      r.peak = 0.0;
    } else {
      r.sx = sh_sx[0] / S;
      r.sy = sh_sy[0] / S;
      r.peak = 1.0 / S;
    }
    results[c] = r;
  }
#endif
}
