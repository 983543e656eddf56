// The C++ mirror of shaders/decode_types.glsl: the records the decode shaders exchange
// through std430 storage buffers. Plain data with no GL dependency, so the layout test
// (tests/unit/gpu_layout_test.cpp) runs without a context: it parses the .glsl file, lays it
// out by the std430 rules and compares offsets, sizes and alignment with the tables below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

namespace peakscope::gpu {

// See decode_types.glsl for the meaning of each field.
struct Partial {
  float m;
  float s;
  float sx;
  float sy;
  std::uint32_t idx;
  std::uint32_t row0;
  std::uint32_t pad1;
  std::uint32_t pad2;
};

struct Result {
  double sx;
  double sy;
  double peak;
  float value;
  std::uint32_t idx;
};

// std430 sizes and alignments (a struct aligns to its largest member; its size rounds up to
// that alignment; float/uint 4 bytes, double 8).
static_assert(sizeof(Partial) == 32 && alignof(Partial) == 4);
static_assert(sizeof(Result) == 32 && alignof(Result) == 8);

// One field of a mirrored record: its GLSL name and type, and where C++ puts it.
struct FieldLayout {
  const char* name;
  const char* glsl_type;
  std::size_t offset, size;
};

#define PEAKSCOPE_GPU_FIELD(S, f, t)    \
  FieldLayout {                         \
#f, t, offsetof(S, f), sizeof(S::f) \
  }
inline constexpr FieldLayout kPartialFields[] = {
    PEAKSCOPE_GPU_FIELD(Partial, m, "float"),   PEAKSCOPE_GPU_FIELD(Partial, s, "float"),
    PEAKSCOPE_GPU_FIELD(Partial, sx, "float"),  PEAKSCOPE_GPU_FIELD(Partial, sy, "float"),
    PEAKSCOPE_GPU_FIELD(Partial, idx, "uint"),  PEAKSCOPE_GPU_FIELD(Partial, row0, "uint"),
    PEAKSCOPE_GPU_FIELD(Partial, pad1, "uint"), PEAKSCOPE_GPU_FIELD(Partial, pad2, "uint"),
};
inline constexpr FieldLayout kResultFields[] = {
    PEAKSCOPE_GPU_FIELD(Result, sx, "double"),   PEAKSCOPE_GPU_FIELD(Result, sy, "double"),
    PEAKSCOPE_GPU_FIELD(Result, peak, "double"), PEAKSCOPE_GPU_FIELD(Result, value, "float"),
    PEAKSCOPE_GPU_FIELD(Result, idx, "uint"),
};
#undef PEAKSCOPE_GPU_FIELD

// Every mirrored record, for the layout test: GLSL struct name, fields, C++ size and alignment.
struct RecordLayout {
  const char* name;
  const FieldLayout* fields;
  std::size_t count, size, align;
};
inline constexpr RecordLayout kRecords[] = {
    {"Partial", kPartialFields, std::size(kPartialFields), sizeof(Partial), alignof(Partial)},
    {"Result", kResultFields, std::size(kResultFields), sizeof(Result), alignof(Result)},
};

}  // namespace peakscope::gpu
