// The softmax map of one channel, p = exp(beta (x - m)) / s, into an r32f image the viewer
// draws directly (no CPU round trip). Needs the decode results of the same input.
layout(local_size_x = 16, local_size_y = 16) in;
layout(r32f, binding = 0) writeonly uniform image2D uOut;
layout(std430, binding = 2) readonly buffer Betas { float betas[]; };
layout(std430, binding = 3) readonly buffer Results { Result results[]; };
uniform uint uChannel;

void main() {
  const uvec2 p = gl_GlobalInvocationID.xy;
  if (p.x >= uWidth || p.y >= uHeight) return;
  const Result r = results[uChannel];
  const float v = load_elem(uBaseOffset + uChannel * uChannelStride, p.y * uRowStride + p.x);
  float q = 0.0;
  if (r.peak > 0.0 && !isnan(v)) {
    const float e = (v == r.value) ? 1.0 : exp(betas[uChannel] * (v - r.value));
    q = e * float(r.peak);
  }
  imageStore(uOut, ivec2(p), vec4(q, 0.0, 0.0, 0.0));
}
