// The records the decode shaders exchange through storage buffers (std430). Prepended to
// every shader that uses them (after #version and the variant #defines); mirrored field by
// field by core/gpu/decode_types.hpp, whose layout tests/unit/gpu_layout_test.cpp checks
// against this file. Change both together.

// One workgroup's online-softmax state over a contiguous range of one channel's row-major
// pixels, relative to the range's max m: s = sum exp(beta (x - m)), sx = sum e * column,
// sy = sum e * row, in double (float sums drift by ~1e-7 per addition, which is a pixel at
// the far end of a 2^24-pixel row); idx is the row-major index of the first max
// (0xffffffff: no valid pixel). m is in the channel's scaled domain (ChannelScale.shift).
struct Partial {
  double s;
  double sx;
  double sy;
  float m;
  uint idx;
};

// How a channel's exponent is computed without overflow, for any finite values and any
// accepted beta: values are first scaled by 2^shift (exactly, on the bits; shift != 0 only
// when normalising a channel whose max is below 2^-64, denormals included), then
//   beta_eff * (v - m) = ((bm * d) * f1) * f2,  d = 0.5 * v - 0.5 * m
// (halving first so that v - m cannot overflow; bm in [0.5, 1) and f1, f2 powers of two,
// so every product stays in float range or saturates the right way: -inf or 0).
struct ChannelScale {
  float bm;
  float f1;
  float f2;
  int shift;
};

// One channel's keypoint: soft-argmax (pixels), peak probability (0: no valid pixel), the
// max value (unscaled) and the row-major index of its first occurrence.
struct Result {
  double sx;
  double sy;
  double peak;
  float value;
  uint idx;
};

// One subject of the synthetic scene (core/scene.hpp) for the GPU renderer: centre (pixels,
// double: a float centre would move a 1920-wide scene's pixels by 1e-4 px),
// weight, the 4-FWHM box the CPU renderer splats into (pixels outside are 0), and 1 / the
// channel's max for per-subject stacks.
struct SceneSubject {
  double x;
  double y;
  float weight;
  float inv_max;
  int x0;
  int x1;
  int y0;
  int y1;
};
