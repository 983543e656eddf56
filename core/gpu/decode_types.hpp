// The C++ mirror of shaders/decode_types.glsl: the records the decode shaders exchange
// through std430 storage buffers. Plain data with no GL dependency, so the layout test
// (tests/unit/gpu_layout_test.cpp) runs without a context: it parses the .glsl file, lays it
// out by the std430 rules and compares offsets, sizes and alignment with the tables below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

namespace peakscope::gpu {

// See decode_types.glsl for the meaning of each record and field.
struct Partial {
  double s;
  double sx;
  double sy;
  float m;
  std::uint32_t idx;
};

struct ChannelScale {
  float bm;
  float f1;
  float f2;
  std::int32_t shift;
};

struct Result {
  double sx;
  double sy;
  double peak;
  float value;
  std::uint32_t idx;
};

struct SceneSubject {
  double x;
  double y;
  float weight;
  float inv_max;
  std::int32_t x0, x1, y0, y1;
};

// std430 sizes and alignments (a struct aligns to its largest member; its size rounds up to
// that alignment; float/int/uint 4 bytes, double 8).
static_assert(sizeof(Partial) == 32 && alignof(Partial) == 8);
static_assert(sizeof(ChannelScale) == 16 && alignof(ChannelScale) == 4);
static_assert(sizeof(Result) == 32 && alignof(Result) == 8);
static_assert(sizeof(SceneSubject) == 40 && alignof(SceneSubject) == 8);

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
    PEAKSCOPE_GPU_FIELD(Partial, s, "double"),  PEAKSCOPE_GPU_FIELD(Partial, sx, "double"),
    PEAKSCOPE_GPU_FIELD(Partial, sy, "double"), PEAKSCOPE_GPU_FIELD(Partial, m, "float"),
    PEAKSCOPE_GPU_FIELD(Partial, idx, "uint"),
};
inline constexpr FieldLayout kChannelScaleFields[] = {
    PEAKSCOPE_GPU_FIELD(ChannelScale, bm, "float"),
    PEAKSCOPE_GPU_FIELD(ChannelScale, f1, "float"),
    PEAKSCOPE_GPU_FIELD(ChannelScale, f2, "float"),
    PEAKSCOPE_GPU_FIELD(ChannelScale, shift, "int"),
};
inline constexpr FieldLayout kResultFields[] = {
    PEAKSCOPE_GPU_FIELD(Result, sx, "double"),   PEAKSCOPE_GPU_FIELD(Result, sy, "double"),
    PEAKSCOPE_GPU_FIELD(Result, peak, "double"), PEAKSCOPE_GPU_FIELD(Result, value, "float"),
    PEAKSCOPE_GPU_FIELD(Result, idx, "uint"),
};
inline constexpr FieldLayout kSceneSubjectFields[] = {
    PEAKSCOPE_GPU_FIELD(SceneSubject, x, "double"),
    PEAKSCOPE_GPU_FIELD(SceneSubject, y, "double"),
    PEAKSCOPE_GPU_FIELD(SceneSubject, weight, "float"),
    PEAKSCOPE_GPU_FIELD(SceneSubject, inv_max, "float"),
    PEAKSCOPE_GPU_FIELD(SceneSubject, x0, "int"),
    PEAKSCOPE_GPU_FIELD(SceneSubject, x1, "int"),
    PEAKSCOPE_GPU_FIELD(SceneSubject, y0, "int"),
    PEAKSCOPE_GPU_FIELD(SceneSubject, y1, "int"),
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
    {"ChannelScale", kChannelScaleFields, std::size(kChannelScaleFields), sizeof(ChannelScale),
     alignof(ChannelScale)},
    {"Result", kResultFields, std::size(kResultFields), sizeof(Result), alignof(Result)},
    {"SceneSubject", kSceneSubjectFields, std::size(kSceneSubjectFields), sizeof(SceneSubject),
     alignof(SceneSubject)},
};

}  // namespace peakscope::gpu
