// Pass 1: each workgroup reduces a contiguous range of one channel's row-major pixels to an
// online-softmax state: max m, s = sum exp(beta (x - m)), s*x, s*y (y relative to the range's
// first row) and the first index of the max. Deterministic: a fixed tree, no atomics.
// With MAX_ONLY it computes only m (for normalise-by-max, before the real pass).
layout(local_size_x = 256) in;

layout(std430, binding = 1) writeonly buffer Partials { Partial parts[]; };
layout(std430, binding = 2) readonly buffer Betas { float betas[]; };

uniform uint uElemsPerGroup;

shared float sh_m[256];
shared float sh_s[256];
shared float sh_sx[256];
shared float sh_sy[256];
shared uint sh_idx[256];

void main() {
  const uint c = gl_WorkGroupID.y;
  const uint g = gl_WorkGroupID.x;
  const uint t = gl_LocalInvocationID.x;
  const uint n = uWidth * uHeight;
  const uint start = g * uElemsPerGroup;
  const uint end = min(start + uElemsPerGroup, n);
  const uint row0 = start / uWidth;
  const uint base = uBaseOffset + c * uChannelStride;
#ifndef MAX_ONLY
  const float beta = betas[c];
#endif
  float m = kNegInf, s = 0.0, sx = 0.0, sy = 0.0;
  uint idx = 0xffffffffu;
  // Walk i = start + t, + 256, ... keeping (x, y) without a division per element.
  uint i = start + t;
  uint x = i % uWidth, y = i / uWidth;
  const uint stepy = 256u / uWidth, stepx = 256u % uWidth;
  for (; i < end; i += 256u) {
    const float v = load_elem(base, y * uRowStride + x);
    if (!isnan(v) && v != kNegInf) {
#ifdef MAX_ONLY
      if (v > m) { m = v; idx = i; }
#else
      const float yr = float(y - row0);
      if (v > m) {
        const float f = (m == kNegInf) ? 0.0 : exp(beta * (m - v));
        s = s * f + 1.0;
        sx = sx * f + float(x);
        sy = sy * f + yr;
        m = v;
        idx = i;
      } else {
        const float e = (v == m) ? 1.0 : exp(beta * (v - m));
        s += e;
        sx += e * float(x);
        sy += e * yr;
      }
#endif
    }
    x += stepx;
    y += stepy;
    if (x >= uWidth) { x -= uWidth; y += 1u; }
  }
  sh_m[t] = m;
  sh_s[t] = s;
  sh_sx[t] = sx;
  sh_sy[t] = sy;
  sh_idx[t] = idx;
  barrier();
  for (uint h = 128u; h > 0u; h >>= 1u) {
    if (t < h) {
      const float ma = sh_m[t], mb = sh_m[t + h];
      const float mm = max(ma, mb);
      if (mm != kNegInf) {
#ifndef MAX_ONLY
        const float fa = (ma == mm) ? 1.0 : exp(beta * (ma - mm));
        const float fb = (mb == mm) ? 1.0 : exp(beta * (mb - mm));
        sh_s[t] = sh_s[t] * fa + sh_s[t + h] * fb;
        sh_sx[t] = sh_sx[t] * fa + sh_sx[t + h] * fb;
        sh_sy[t] = sh_sy[t] * fa + sh_sy[t + h] * fb;
#endif
        const uint ia = sh_idx[t], ib = sh_idx[t + h];
        sh_idx[t] = (ma > mb) ? ia : (mb > ma) ? ib : min(ia, ib);
        sh_m[t] = mm;
      }
    }
    barrier();
  }
  if (t == 0u) {
    Partial p;
    p.m = sh_m[0];
    p.s = sh_s[0];
    p.sx = sh_sx[0];
    p.sy = sh_sy[0];
    p.idx = sh_idx[0];
    p.row0 = row0;
    p.pad1 = 0u;
    p.pad2 = 0u;
    parts[c * gl_NumWorkGroups.x + g] = p;
  }
}
