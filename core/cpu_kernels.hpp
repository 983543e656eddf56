// SIMD row kernels of the CPU engine (Highway, runtime dispatch over SSE4/AVX2/AVX-512).
// Internal to core/: the engine (cpu_engine.hpp) is the public entry point.
#pragma once

#include <cstddef>

#include "core/heatmap.hpp"

namespace peakscope::kernels {

// Rows [y0, y1) of one channel: base points at row 0 of that channel. Rows are handled in
// groups of `group` consecutive rows (y0 is a multiple of group), so narrow maps pay one
// horizontal reduction per group rather than per row; wide maps are cut into segments of
// `seg` columns, so a row is only read again where it can contribute. A cell is one group
// by one segment.
struct RowBlock {
  const void* base = nullptr;
  ElemType type = ElemType::kFloat32;
  int width = 0;
  std::ptrdiff_t row_stride = 0;
  int y0 = 0, y1 = 0;
  int group = 1;
  int seg = 1;  // columns per segment (the last one may be narrower)
  int segments() const { return (width + seg - 1) / seg; }
};

// Maximum of each cell, NaN ignored (an all-NaN cell gives -Inf). cellmax[i * segments() + s]
// covers rows [y0 + i * group, y0 + (i + 1) * group) clipped to y1, columns of segment s.
void group_max(const RowBlock& b, float* cellmax);

// Exponential sums over the cells whose max >= group_threshold (the others are not read): s = sum
// w, sx = sum w * x, sy = sum w * y, with w = exp(beta * (v - m)) where that exponent is >= t_min
// and exactly 0 otherwise (also for NaN and -Inf). m finite, beta finite > 0, t_min >=
// kMinExponent. Float partial sums per 256-element chunk, combined in double.
struct Sums {
  double s = 0, sx = 0, sy = 0;
};
Sums exp_sums(const RowBlock& b, const float* groupmax, float group_threshold, float m, float beta,
              float t_min);

// Writes p = w * inv_s for every pixel of rows [y0, y1) into out (dense rows of `width`
// floats, out points at row y0); w as in exp_sums.
void softmax_rows(const RowBlock& b, float m, float beta, float t_min, float inv_s, float* out);

// The lowest exponent the kernels accept: exp(-87) is still a normal float.
inline constexpr float kMinExponent = -87.0f;

// Name of the SIMD target chosen at run time (e.g. "AVX2").
const char* simd_target_name();

}  // namespace peakscope::kernels
