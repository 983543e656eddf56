// Pass 2: one workgroup per channel merges that channel's partial states in double, in a
// fixed order, and writes the keypoint. With MAX_ONLY it writes the effective beta
// (beta / max when the max is finite and > 0) for normalise-by-max.
layout(local_size_x = 256) in;

layout(std430, binding = 1) readonly buffer Partials { Partial parts[]; };
layout(std430, binding = 2) buffer Betas { float betas[]; };
layout(std430, binding = 3) writeonly buffer Results { Result results[]; };

uniform uint uGroups;  // partials per channel
uniform float uBeta;

const float kNegInf = -1.0 / 0.0;
shared float sh_m[256];
shared double sh_s[256];
shared double sh_sx[256];
shared double sh_sy[256];
shared uint sh_idx[256];

void main() {
  const uint c = gl_WorkGroupID.y;
  const uint t = gl_LocalInvocationID.x;
  // The channel max first (cheap: one float per partial), so all rescaling is relative to it.
  float m = kNegInf;
  uint idx = 0xffffffffu;
  for (uint g = t; g < uGroups; g += 256u) {
    const Partial p = parts[c * uGroups + g];
    if (p.m > m) { m = p.m; idx = p.idx; }
  }
  sh_m[t] = m;
  sh_idx[t] = idx;
  barrier();
  for (uint h = 128u; h > 0u; h >>= 1u) {
    if (t < h) {
      const float ma = sh_m[t], mb = sh_m[t + h];
      const uint ia = sh_idx[t], ib = sh_idx[t + h];
      sh_idx[t] = (ma > mb) ? ia : (mb > ma) ? ib : min(ia, ib);
      sh_m[t] = max(ma, mb);
    }
    barrier();
  }
  const float M = sh_m[0];
  const uint I = sh_idx[0];
  barrier();
#ifdef MAX_ONLY
  if (t == 0u) betas[c] = (M > 0.0 && !isinf(M)) ? uBeta / M : uBeta;
#else
  const float beta = betas[c];
  double s = 0.0, sx = 0.0, sy = 0.0;
  if (M != kNegInf) {
    for (uint g = t; g < uGroups; g += 256u) {
      const Partial p = parts[c * uGroups + g];
      if (p.m == kNegInf) continue;
      const double f = (p.m == M) ? 1.0 : double(exp(beta * (p.m - M)));
      const double ps = double(p.s) * f;
      s += ps;
      sx += double(p.sx) * f;
      sy += (double(p.sy) + double(p.row0) * double(p.s)) * f;
    }
  }
  sh_s[t] = s;
  sh_sx[t] = sx;
  sh_sy[t] = sy;
  barrier();
  for (uint h = 128u; h > 0u; h >>= 1u) {
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
    r.value = M;
    r.idx = I;
    if (M == kNegInf || !(S > 0.0)) {
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
