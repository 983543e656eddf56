// The softmax map of one channel, p = peak * exp(beta_eff (x - m)), into an r32f image the
// viewer draws directly (no CPU round trip). Needs the decode results of the same input.
layout(local_size_x = 16, local_size_y = 16) in;
layout(r32f, binding = 0) writeonly uniform image2D uOut;
layout(std430, binding = 3) readonly buffer Results { Result results[]; };
uniform uint uChannel;

void main() {
  const uvec2 p = gl_GlobalInvocationID.xy;
  if (p.x >= uWidth || p.y >= uHeight) return;
  const Result r = results[uChannel];
  const ChannelScale cs = scales[uChannel];
  float v = load_elem(uChannel * uPlane + p.y * uWidth + p.x);
  float q = 0.0;
  const uint kv = okey(v);
  if (r.peak > 0.0 && kv != 0u) {
    v = scale_pow2(v, cs.shift);
    const float m = scale_pow2(r.value, cs.shift);
    const float e = (okey(v) == okey(m)) ? 1.0 : exp(expo(cs, v, m));
    q = e * float(r.peak);
  }
  imageStore(uOut, ivec2(p), vec4(q, 0.0, 0.0, 0.0));
}
