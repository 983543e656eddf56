// The records the decode shaders exchange through storage buffers (std430). Prepended to
// every shader that uses them (after #version and the variant #defines); mirrored field by
// field by core/gpu/decode_types.hpp, whose layout tests/unit/gpu_layout_test.cpp checks
// against this file. Change both together.

// One workgroup's online-softmax state over a contiguous range of one channel's row-major
// pixels, relative to the range's max m: s = sum exp(beta (x - m)), sx = sum e * column,
// sy = sum e * (row - row0) (rows relative to the range's first row keep the float sums
// small), idx the row-major index of the first max (0xffffffff: no valid pixel).
struct Partial {
  float m;
  float s;
  float sx;
  float sy;
  uint idx;
  uint row0;
  uint pad1;
  uint pad2;
};

// One channel's keypoint: soft-argmax (pixels), peak probability (0: no valid pixel), the
// max value and the row-major index of its first occurrence.
struct Result {
  double sx;
  double sy;
  double peak;
  float value;
  uint idx;
};
