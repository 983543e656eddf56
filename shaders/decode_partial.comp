// Pass 1: workgroup g of channel c (gl_WorkGroupID = (g, c): all channels in one dispatch)
// reduces uVecsPerGroup vector loads (4 floats or 16 bytes each, WG threads striding through
// them, coalesced) of the channel's row-major pixels to an online-softmax Partial. Weights
// are float, summed over one load in float and then in double (see Partial). Deterministic:
// a fixed tree, no atomics. With MAX_ONLY it computes only the max and its first index (for
// normalise-by-max, before the real pass).
// WG: threads per workgroup (256; the engine compiles 64 for software rasterisers, where every
// thread of a workgroup is a coroutine that each barrier switches through).
#ifndef WG
#define WG 256
#endif
layout(local_size_x = WG) in;
layout(std430, binding = 1) writeonly buffer Partials { Partial parts[]; };

uniform uint uVecsPerGroup;

shared uint sh_key[WG];
shared uint sh_idx[WG];
shared float sh_m[WG];
#ifndef MAX_ONLY
shared double sh_s[WG];
shared double sh_sx[WG];
shared double sh_sy[WG];
#endif

void main() {
  const uint c = gl_WorkGroupID.y;
  const uint g = gl_WorkGroupID.x;
  const uint t = gl_LocalInvocationID.x;
  const uint n = uWidth * uHeight;
  const uint nvec = (n + kPerLoad - 1u) / kPerLoad;
  const uint vbeg = g * uVecsPerGroup;
  const uint vend = min(vbeg + uVecsPerGroup, nvec);
  const uint base = c * uPlane;
#ifndef MAX_ONLY
  const ChannelScale cs = scales[c];
#endif
  float m = kNegInf;
  uint mkey = 0u;
  uint idx = 0xffffffffu;
  double S = 0.0, SX = 0.0, SY = 0.0;
  uint v = vbeg + t;
  uint i0 = v * kPerLoad;  // channel-relative index of the load's first pixel
  uint x0 = i0 % uWidth, y0 = i0 / uWidth;
  const uint step = uint(WG) * kPerLoad;
  const uint stepx = step % uWidth, stepy = step / uWidth;
  for (; v < vend; v += uint(WG)) {
    float vals[kPerLoad];
#ifdef INPUT_U8
    const uvec4 w = inp.q[(base >> 4u) + v];
    for (uint k = 0u; k < 16u; ++k) vals[k] = float((w[k >> 2u] >> ((k & 3u) * 8u)) & 0xffu);
#else
    const vec4 w = inp.q[(base >> 2u) + v];
    for (uint k = 0u; k < 4u; ++k) vals[k] = w[k];
#ifndef MAX_ONLY
    if (cs.shift != 0)
      for (uint k = 0u; k < 4u; ++k) vals[k] = scale_pow2(vals[k], cs.shift);
#endif
#endif
    const uint valid_n = min(kPerLoad, n - i0);  // the last load may run past the plane
    // The load's max first, so each weight below is taken against the running max. Keys
    // (common.glsl) for float, so that a GPU flushing denormals still finds the right max.
    uint lkey = 0u, lk = 0u;
    // Constant trip counts (lanes past the plane masked), so the loops unroll.
    for (uint k = 0u; k < kPerLoad; ++k) {
#ifdef INPUT_U8
      const uint kk = k < valid_n ? uint(vals[k]) + 1u : 0u;  // 0 stays "no valid pixel"
#else
      const uint kk = k < valid_n ? okey(vals[k]) : 0u;
#endif
      if (kk > lkey) { lkey = kk; lk = k; }
    }
    if (lkey > mkey) {
#ifndef MAX_ONLY
      const double f = rescale_d(cs, m, vals[lk]);  // m = -inf: 0 (the sums are 0 anyway)
      S *= f;
      SX *= f;
      SY *= f;
#endif
      m = vals[lk];
      mkey = lkey;
      idx = i0 + lk;
    }
#ifndef MAX_ONLY
    if (mkey != 0u && uExact != 0u) {
      for (uint k = 0u; k < valid_n; ++k) {
        const double e = weight_d(cs, vals[k], m);
        uint xk = x0 + k, yk = y0;
        while (xk >= uWidth) { xk -= uWidth; yk += 1u; }
        S += e;
        SX += e * double(xk);
        SY += e * double(yk);
      }
    } else if (mkey != 0u) {
      float s4 = 0.0, sx4 = 0.0, sy4 = 0.0;
      for (uint k = 0u; k < kPerLoad; ++k) {
        // exp of the exponent; NaN only for a NaN pixel (weight 0) or +inf against a +inf
        // max (weight 1, the +inf pixels share the probability); -inf pixels give 0.
        float e = exp(expo(cs, vals[k], m));
        if ((floatBitsToUint(e) & 0x7fffffffu) > 0x7f800000u) e = (vals[k] == m) ? 1.0 : 0.0;
        if (k >= valid_n) e = 0.0;
        uint xk = x0 + k, yk = y0;
        if (uWidth >= kPerLoad) {
          if (xk >= uWidth) { xk -= uWidth; yk += 1u; }
        } else {
          while (xk >= uWidth) { xk -= uWidth; yk += 1u; }
        }
        // Coordinates relative to the load's first pixel: float products of a weight and
        // a coordinate near 2^23 would round to a whole pixel.
        s4 += e;
        sx4 += e * float(int(xk) - int(x0));
        sy4 += e * float(yk - y0);
      }
      S += double(s4);
      SX += double(sx4) + double(s4) * double(x0);
      SY += double(sy4) + double(s4) * double(y0);
    }
#endif
    i0 += step;
    x0 += stepx;
    y0 += stepy;
    if (x0 >= uWidth) { x0 -= uWidth; y0 += 1u; }
  }
  sh_key[t] = mkey;
  sh_idx[t] = idx;
  sh_m[t] = m;
#ifndef MAX_ONLY
  sh_s[t] = S;
  sh_sx[t] = SX;
  sh_sy[t] = SY;
#endif
  barrier();
  for (uint h = uint(WG) / 2u; h > 0u; h >>= 1u) {
    if (t < h) {
      const uint ka = sh_key[t], kb = sh_key[t + h];
      const uint ia = sh_idx[t], ib = sh_idx[t + h];
      const float ma = sh_m[t], mb = sh_m[t + h];
      const uint kmax = max(ka, kb);
      const float mm = kb > ka ? mb : ma;
#ifndef MAX_ONLY
      const double fa = (ka == kmax) ? 1.0 : rescale_d(cs, ma, mm);
      const double fb = (kb == kmax) ? 1.0 : rescale_d(cs, mb, mm);
      sh_s[t] = sh_s[t] * fa + sh_s[t + h] * fb;
      sh_sx[t] = sh_sx[t] * fa + sh_sx[t + h] * fb;
      sh_sy[t] = sh_sy[t] * fa + sh_sy[t + h] * fb;
#endif
      sh_idx[t] = (ka > kb) ? ia : (kb > ka) ? ib : min(ia, ib);
      sh_key[t] = kmax;
      sh_m[t] = mm;
    }
    barrier();
  }
  if (t == 0u) {
    Partial p;
    p.m = sh_key[0] == 0u ? kNegInf : sh_m[0];
    p.idx = sh_key[0] == 0u ? 0xffffffffu : sh_idx[0];
#ifndef MAX_ONLY
    p.s = sh_s[0];
    p.sx = sh_sx[0];
    p.sy = sh_sy[0];
#else
    p.s = 0.0;
    p.sx = 0.0;
    p.sy = 0.0;
#endif
    parts[c * gl_NumWorkGroups.x + g] = p;
  }
}
