// Highway re-includes this file once per SIMD target (foreach_target.h).
#include "core/cpu_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/cpu_kernels.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace peakscope::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
// uint8 lanes loaded a quarter-vector at a time and widened to float.
using DU8Q = hn::Rebind<std::uint8_t, DF>;
using DI32 = hn::Rebind<std::int32_t, DF>;

// Loads N elements starting at p as floats; NaN stays NaN.
HWY_INLINE hn::Vec<DF> LoadF(DF df, const float* p) {
  return hn::LoadU(df, p);
}
HWY_INLINE hn::Vec<DF> LoadF(DF df, const std::uint8_t* p) {
  const DU8Q du8;
  const DI32 di32;
  return hn::ConvertTo(df, hn::PromoteTo(di32, hn::LoadU(du8, p)));
}

// exp(t) for t in [-87, 0] (other lanes are masked off by the callers): round-to-nearest
// range reduction t = n ln2 + r, |r| <= ln2 / 2, a degree-6 Taylor polynomial (relative error
// < 2e-7, float rounding level) and 2^n built in the exponent bits (n >= -126: always normal,
// so there is no denormal slow path). About half the work of a general exp.
HWY_INLINE hn::Vec<DF> ExpNeg(DF df, hn::Vec<DF> t) {
  const DI32 di;
  const auto n = hn::NearestInt(hn::Mul(t, hn::Set(df, 1.44269504088896341f)));
  const auto nf = hn::ConvertTo(df, n);
  auto r = hn::MulAdd(nf, hn::Set(df, -0.693145751953125f), t);
  r = hn::MulAdd(nf, hn::Set(df, -1.428606765330187045e-6f), r);
  auto p = hn::Set(df, 1.0f / 720);
  p = hn::MulAdd(p, r, hn::Set(df, 1.0f / 120));
  p = hn::MulAdd(p, r, hn::Set(df, 1.0f / 24));
  p = hn::MulAdd(p, r, hn::Set(df, 1.0f / 6));
  p = hn::MulAdd(p, r, hn::Set(df, 0.5f));
  p = hn::MulAdd(p, r, hn::Set(df, 1.0f));
  p = hn::MulAdd(p, r, hn::Set(df, 1.0f));
  const auto scale = hn::BitCast(df, hn::ShiftLeft<23>(hn::Add(n, hn::Set(di, 127))));
  return hn::Mul(p, scale);
}

// max(acc, v) ignoring NaN in v. x86's maxps returns its second operand when either is NaN,
// so Max(v, acc) keeps acc for a NaN v (acc itself is never NaN); elsewhere Max of a NaN is
// target-defined and NaN lanes are replaced by -Inf first.
HWY_INLINE hn::Vec<DF> MaxNoNaN(DF df, hn::Vec<DF> acc, hn::Vec<DF> v) {
#if HWY_ARCH_X86
  (void)df;
  return hn::Max(v, acc);
#else
  return hn::Max(
      acc, hn::IfThenElse(hn::Eq(v, v), v, hn::Set(df, -std::numeric_limits<float>::infinity())));
#endif
}

// Max over rows [0, rows) of width w, NaN ignored: one horizontal reduction per group.
// Four accumulators keep the max units busy (the max latency is several cycles).
template <typename T>
float GroupMaxT(const T* first, std::ptrdiff_t stride, int rows, int w) {
  const DF df;
  const int n = static_cast<int>(hn::Lanes(df));
  const auto ninf = hn::Set(df, -std::numeric_limits<float>::infinity());
  auto m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf;
  float m = -std::numeric_limits<float>::infinity();
  if (stride == w) {  // contiguous rows: one long row, so narrow maps keep the loop full
    w *= rows;
    rows = 1;
  }
  for (int r = 0; r < rows; ++r) {
    const T* row = first + r * stride;
    int x = 0;
    for (; x + 4 * n <= w; x += 4 * n) {
      m0 = MaxNoNaN(df, m0, LoadF(df, row + x));
      m1 = MaxNoNaN(df, m1, LoadF(df, row + x + n));
      m2 = MaxNoNaN(df, m2, LoadF(df, row + x + 2 * n));
      m3 = MaxNoNaN(df, m3, LoadF(df, row + x + 3 * n));
    }
    for (; x + n <= w; x += n) m0 = MaxNoNaN(df, m0, LoadF(df, row + x));
    for (; x < w; ++x) {
      const float v = static_cast<float>(row[x]);
      if (v > m) m = v;  // false for NaN
    }
  }
  const auto mm = hn::Max(hn::Max(m0, m1), hn::Max(m2, m3));
  return std::max(m, hn::GetLane(hn::MaxOfLanes(df, mm)));
}

void GroupMax(const RowBlock& b, float* cellmax) {
  const int nseg = b.segments();
  for (int y = b.y0; y < b.y1; y += b.group) {
    const int rows = std::min(b.group, b.y1 - y);
    float* out = cellmax + static_cast<std::ptrdiff_t>((y - b.y0) / b.group) * nseg;
    for (int s = 0; s < nseg; ++s) {
      const int x0 = s * b.seg, w = std::min(b.seg, b.width - x0);
      if (b.type == ElemType::kFloat32)
        out[s] = GroupMaxT(static_cast<const float*>(b.base) + y * b.row_stride + x0, b.row_stride,
                           rows, w);
      else
        out[s] = GroupMaxT(static_cast<const std::uint8_t*>(b.base) + y * b.row_stride + x0,
                           b.row_stride, rows, w);
    }
  }
}

// Sum of w and w * x over one row, x relative to the row start, in double.
template <typename T>
void RowExpSums(const T* row, int w, float m, float beta, float t_min, double& s_out,
                double& sx_out) {
  const DF df;
  const int n = static_cast<int>(hn::Lanes(df));
  const auto vm = hn::Set(df, m), vb = hn::Set(df, beta);
  const auto vmin = hn::Set(df, t_min);
  const auto iota = hn::Iota(df, 0.0f);
  double s = 0, sx = 0;
  constexpr int kChunk = 256;  // float accumulation per chunk keeps the error ~1e-7 relative
  int x = 0;
  for (int c0 = 0; c0 + n <= w; c0 += kChunk) {
    const int c1 = (c0 + kChunk < w) ? c0 + kChunk : w;
    auto vs = hn::Zero(df), vsx = hn::Zero(df);
    auto vx = iota;  // x - c0 as float, exact
    const auto step = hn::Set(df, static_cast<float>(n));
    bool any = false;
    for (x = c0; x + n <= c1; x += n, vx = hn::Add(vx, step)) {
      const auto t = hn::Mul(hn::Sub(LoadF(df, row + x), vm), vb);
      const auto keep = hn::Ge(t, vmin);  // false for NaN and -Inf: those cost nothing
      if (hn::AllFalse(df, keep)) continue;
      const auto e = hn::IfThenElseZero(keep, ExpNeg(df, t));
      vs = hn::Add(vs, e);
      vsx = hn::MulAdd(e, vx, vsx);
      any = true;
    }
    if (any) {
      const double cs = hn::GetLane(hn::SumOfLanes(df, vs));
      s += cs;
      sx += hn::GetLane(hn::SumOfLanes(df, vsx)) + static_cast<double>(c0) * cs;
    }
    if (x < c1) break;  // fewer than n left: scalar tail below
  }
  for (; x < w; ++x) {
    const float t = (static_cast<float>(row[x]) - m) * beta;
    if (t >= t_min) {
      const float e = std::exp(t);
      s += e;
      sx += static_cast<double>(e) * x;
    }
  }
  s_out = s;
  sx_out = sx;
}

Sums ExpSums(const RowBlock& b, const float* cellmax, float group_threshold, float m, float beta,
             float t_min) {
  Sums out;
  const int nseg = b.segments();
  for (int y0 = b.y0; y0 < b.y1; y0 += b.group) {
    const float* cells = cellmax + static_cast<std::ptrdiff_t>((y0 - b.y0) / b.group) * nseg;
    const int y1 = std::min(b.y1, y0 + b.group);
    for (int sg = 0; sg < nseg; ++sg) {
      if (!(cells[sg] >= group_threshold)) continue;
      const int x0 = sg * b.seg, w = std::min(b.seg, b.width - x0);
      for (int y = y0; y < y1; ++y) {
        double s = 0, sx = 0;  // sx relative to x0
        if (b.type == ElemType::kFloat32)
          RowExpSums(static_cast<const float*>(b.base) + y * b.row_stride + x0, w, m, beta, t_min,
                     s, sx);
        else
          RowExpSums(static_cast<const std::uint8_t*>(b.base) + y * b.row_stride + x0, w, m, beta,
                     t_min, s, sx);
        out.s += s;
        out.sx += sx + static_cast<double>(x0) * s;
        out.sy += s * y;
      }
    }
  }
  return out;
}

template <typename T>
void SoftmaxRow(const T* row, int w, float m, float beta, float t_min, float inv_s, float* out) {
  const DF df;
  const int n = static_cast<int>(hn::Lanes(df));
  const auto vm = hn::Set(df, m), vb = hn::Set(df, beta), vinv = hn::Set(df, inv_s);
  const auto vmin = hn::Set(df, t_min);
  int x = 0;
  for (; x + n <= w; x += n) {
    const auto t = hn::Mul(hn::Sub(LoadF(df, row + x), vm), vb);
    const auto keep = hn::Ge(t, vmin);
    hn::StoreU(hn::IfThenElseZero(keep, hn::Mul(ExpNeg(df, t), vinv)), df, out + x);
  }
  for (; x < w; ++x) {
    const float t = (static_cast<float>(row[x]) - m) * beta;
    out[x] = t >= t_min ? std::exp(t) * inv_s : 0.0f;
  }
}

void SoftmaxRows(const RowBlock& b, float m, float beta, float t_min, float inv_s, float* out) {
  for (int y = b.y0; y < b.y1; ++y, out += b.width) {
    if (b.type == ElemType::kFloat32)
      SoftmaxRow(static_cast<const float*>(b.base) + y * b.row_stride, b.width, m, beta, t_min,
                 inv_s, out);
    else
      SoftmaxRow(static_cast<const std::uint8_t*>(b.base) + y * b.row_stride, b.width, m, beta,
                 t_min, inv_s, out);
  }
}

const char* TargetName() {
  return hwy::TargetName(HWY_TARGET);
}

}  // namespace peakscope::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace peakscope::kernels {

HWY_EXPORT(GroupMax);
HWY_EXPORT(ExpSums);
HWY_EXPORT(SoftmaxRows);
HWY_EXPORT(TargetName);

void group_max(const RowBlock& b, float* cellmax) {
  HWY_DYNAMIC_DISPATCH(GroupMax)(b, cellmax);
}
Sums exp_sums(const RowBlock& b, const float* cellmax, float group_threshold, float m, float beta,
              float t_min) {
  return HWY_DYNAMIC_DISPATCH(ExpSums)(b, cellmax, group_threshold, m, beta, t_min);
}
void softmax_rows(const RowBlock& b, float m, float beta, float t_min, float inv_s, float* out) {
  HWY_DYNAMIC_DISPATCH(SoftmaxRows)(b, m, beta, t_min, inv_s, out);
}
const char* simd_target_name() {
  return HWY_DYNAMIC_DISPATCH(TargetName)();
}

}  // namespace peakscope::kernels
#endif
