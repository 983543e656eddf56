// The synthetic scene of core/scene.hpp rendered on the GPU, into the frame's device buffer.
// Each invocation makes 4 consecutive pixels of a channel's row-major plane (one uint of
// uint8 pixels, or one vec4 of floats), so no two invocations write the same word.
//   PER_SUBJECT: channel c is subject c alone, times its 1 / max (computed on the host as the
//                CPU renderer finds it), stored as float or rounded to 0..255.
//   SUM:         the one-channel sum of all subjects, as float into the scratch buffer.
//   STORE:       scratch / its max (from the max pass's partials) into the output.
// Pixels outside a subject's 4-FWHM box are 0, as the CPU renderer leaves them.
layout(local_size_x = 256) in;
layout(std430, binding = 5) readonly buffer Subjects { SceneSubject subjects[]; };
#if defined(OUTPUT_U8) && !defined(SUM)
layout(std430, binding = 0) writeonly buffer Out { uint words[]; } outp;
#elif !defined(SUM)
layout(std430, binding = 0) writeonly buffer Out { vec4 v4[]; } outp;
#endif
layout(std430, binding = 6) buffer Scratch { vec4 acc[]; };
#ifdef STORE
layout(std430, binding = 1) readonly buffer Partials { Partial parts[]; };
uniform uint uGroups;
shared float sh_max[256];
#endif

uniform uint uWidth;
uniform uint uHeight;
uniform uint uPlane;     // elements between output planes (a multiple of 16)
uniform uint uSubjects;  // SUM: how many
uniform float uA;        // 4 ln 2 / fwhm^2

// The mask of subject s at pixel (x, y): weight exp(-a dx^2) exp(-a dy^2) inside its box.
float splat(const SceneSubject s, uint x, uint y) {
  const int xi = int(x), yi = int(y);
  if (xi < s.x0 || xi > s.x1 || yi < s.y0 || yi > s.y1) return 0.0;
  const double dx = double(xi) - s.x, dy = double(yi) - s.y;
  const float gx = exp(-uA * float(dx * dx));
  const float gy = exp(-uA * float(dy * dy));
  return s.weight * gy * gx;
}

void main() {
  const uint n = uWidth * uHeight;
  const uint word = gl_GlobalInvocationID.x;  // 4 pixels each
  const uint c = gl_WorkGroupID.y;
#ifdef STORE
  // The max of the sum, from the partials of the max pass (each workgroup the same way).
  float mx = -1.0 / 0.0;
  for (uint g = gl_LocalInvocationID.x; g < uGroups; g += 256u) mx = max(mx, parts[g].m);
  sh_max[gl_LocalInvocationID.x] = mx;
  barrier();
  for (uint h = 128u; h > 0u; h >>= 1u) {
    if (gl_LocalInvocationID.x < h)
      sh_max[gl_LocalInvocationID.x] =
          max(sh_max[gl_LocalInvocationID.x], sh_max[gl_LocalInvocationID.x + h]);
    barrier();
  }
  const float scale = sh_max[0] > 0.0 ? 1.0 / sh_max[0] : 0.0;
#endif
  if (word * 4u >= n) return;
  vec4 v = vec4(0.0);
  for (uint k = 0u; k < 4u; ++k) {
    const uint i = word * 4u + k;
    if (i >= n) break;
    const uint x = i % uWidth, y = i / uWidth;
#if defined(PER_SUBJECT)
    const SceneSubject s = subjects[c];
    v[k] = splat(s, x, y) * s.inv_max;
#elif defined(SUM)
    float a = 0.0;
    for (uint j = 0u; j < uSubjects; ++j) a += splat(subjects[j], x, y);
    v[k] = a;
#else
    v[k] = acc[word][k] * scale;
#endif
  }
#ifdef SUM
  acc[word] = v;
#elif defined(OUTPUT_U8)
  const uvec4 b = uvec4(floor(clamp(v, 0.0, 1.0) * 255.0 + 0.5));
  outp.words[(c * uPlane) / 4u + word] = b.x | (b.y << 8u) | (b.z << 16u) | (b.w << 24u);
#else
  outp.v4[(c * uPlane) / 4u + word] = v;
#endif
}
