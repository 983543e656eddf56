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

// How pass 2 forms a channel's weights w = exp(t), t = beta * (v - m), where t >= t_min, and
// exactly 0 otherwise (also for NaN and -Inf pixels).
//   m        the channel's maximum, finite.
//   beta     the effective beta (core/decode.hpp effective_beta), finite and > 0.
//   t_min    the cut-off, >= kMinExponent.
//   precise  false: the float path: t, exp and partial sums in float (relative error of each
//            weight below ~3e-7), partial sums of at most 4 vectors flushed into double
//            lanes. Callers only choose it when beta is in [kFloatBetaMin, kFloatBetaMax]
//            and the map's extent max(W, H) <= kFloatExtent (see cpu_engine.hpp for why).
//            true: the double path: t = beta * (v - m) and exp in double, sums in double,
//            right for any finite values and any beta (about 2x slower where every pixel
//            pays an exp).
struct ExpArgs {
  double m = 0, beta = 1;
  float t_min = -87.0f;
  bool precise = false;
};

// Exponential sums over the cells whose max >= group_threshold (the others are not read):
// s = sum w, sx = sum w * x, sy = sum w * y, with w as in ExpArgs. Partial sums of each
// row segment are returned in double (x relative to the segment start inside the kernel).
struct Sums {
  double s = 0, sx = 0, sy = 0;
};
Sums exp_sums(const RowBlock& b, const float* groupmax, float group_threshold, const ExpArgs& a);

// Writes p = w * inv_s for every pixel of rows [y0, y1) into out (dense rows of `width`
// floats, out points at row y0); w as in exp_sums.
void softmax_rows(const RowBlock& b, const ExpArgs& a, double inv_s, float* out);

// The lowest exponent the kernels accept: exp(-87) is still a normal float.
inline constexpr float kMinExponent = -87.0f;
// The float path's domain. beta >= kFloatBetaMin: a difference v - m that overflows to -Inf
// in float is a true exponent below -kFloatBetaMin * FLT_MAX = -340 < kMinExponent, so its
// weight is 0 either way; beta <= kFloatBetaMax: beta itself is a normal float.
inline constexpr double kFloatBetaMin = 1e-36;
inline constexpr double kFloatBetaMax = 1e38;
// The largest extent max(W, H) the float path serves: a systematic relative error d of the
// weights moves the soft-argmax by at most d * extent / 2, and d < 3e-7 keeps that < 1e-3 px
// with margin at 4096 (tests/unit/accuracy_test.cpp measures d and the worst maps).
inline constexpr int kFloatExtent = 4096;

// Name of the SIMD target chosen at run time (e.g. "AVX2").
const char* simd_target_name();

}  // namespace peakscope::kernels
