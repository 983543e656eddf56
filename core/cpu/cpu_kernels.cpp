// Highway re-includes this file once per SIMD target (foreach_target.h).
#include "core/cpu/cpu_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/cpu/cpu_kernels.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
// (after highway.h, inside the per-target pass)
#include <hwy/contrib/math/math-inl.h>

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

// The float path's weight exp(beta (v - m)) from d = v - m (d <= 0, beta d >= -87 in the
// lanes the callers keep; the others are masked off), beta = beta_hi + beta_lo, bl2e =
// beta_hi * log2(e). Range reduction beta d = n ln2 + r, n = round(d * bl2e), |r| <= ~ln2 / 2,
// with r = d * beta_hi - n * ln2_hi in one FMA (n * ln2_hi is exact), so r carries no
// rounding error of the product beta d however large it is; then - n * ln2_lo and, when
// kBetaLo, + d * beta_lo. A degree-6 minimax polynomial (relative error < 2e-8 with float
// coefficients; p(0) = 1 exactly, so the maximum's weight is exactly 1) and 2^n built in the
// exponent bits (n >= -126: no denormal slow path). About half the work of a general exp.
template <bool kBetaLo>
HWY_INLINE hn::Vec<DF> ExpNeg(DF df, hn::Vec<DF> d, hn::Vec<DF> vb, hn::Vec<DF> vblo,
                              hn::Vec<DF> vbl2e) {
  const DI32 di;
  const auto n = hn::NearestInt(hn::Mul(d, vbl2e));
  const auto nf = hn::ConvertTo(df, n);
  auto r = hn::MulAdd(d, vb, hn::Mul(nf, hn::Set(df, -0.693145751953125f)));
  r = hn::MulAdd(nf, hn::Set(df, -1.428606765330187045e-6f), r);
  if (kBetaLo) r = hn::MulAdd(d, vblo, r);
  auto p = hn::Set(df, 0.00138368458f);
  p = hn::MulAdd(p, r, hn::Set(df, 0.00837481581f));
  p = hn::MulAdd(p, r, hn::Set(df, 0.0416682251f));
  p = hn::MulAdd(p, r, hn::Set(df, 0.166664198f));
  p = hn::MulAdd(p, r, hn::Set(df, 0.499999911f));
  p = hn::MulAdd(p, r, hn::Set(df, 1.0f));
  p = hn::MulAdd(p, r, hn::Set(df, 1.0f));
  const auto scale = hn::BitCast(df, hn::ShiftLeft<23>(hn::Add(n, hn::Set(di, 127))));
  return hn::Mul(p, scale);
}

// The lanes ExpNeg may see: on SIMD targets masked-off lanes (NaN, -Inf, far below the
// cut-off) compute garbage that the callers discard, with the intrinsics' defined behaviour;
// the scalar target emulates them in C++, where a NaN converted to int and then offset would
// be undefined behaviour, so there those lanes are zeroed first.
HWY_INLINE hn::Vec<DF> MaskedD(hn::Mask<DF> keep, hn::Vec<DF> d) {
#if HWY_TARGET == HWY_SCALAR || HWY_TARGET == HWY_EMU128
  return hn::IfThenElseZero(keep, d);
#else
  (void)keep;
  return d;
#endif
}

// What the float path's lanes need besides the values: m, beta split in two, beta log2(e),
// and the cut-off as a bound on d = v - m (d >= d_min <=> beta d >= t_min, to rounding).
struct FloatExp {
  float m, beta, beta_lo, bl2e, d_min;
};
// Zeros on the double path, whose beta may lie beyond the float range (a float conversion
// out of range would be undefined behaviour).
inline FloatExp MakeFloatExp(const ExpArgs& a) {
  FloatExp f{};
  if (a.precise) return f;
  f.m = static_cast<float>(a.m);
  f.beta = static_cast<float>(a.beta);
  f.beta_lo = static_cast<float>(a.beta - static_cast<double>(f.beta));
  f.bl2e = static_cast<float>(a.beta * 1.4426950408889634);
  // t_min / beta in double; never below -FLT_MAX (a -Inf d must stay below it).
  f.d_min = static_cast<float>(std::max(static_cast<double>(a.t_min) / a.beta, -3.4e38));
  return f;
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

// ---------------------------------------------------------------------------------------
// Pass 2, float path: t, exp and the innermost sums in float
// ---------------------------------------------------------------------------------------

using DD = hn::ScalableTag<double>;
using DFH = hn::Rebind<float, DD>;  // half a float vector: the floats one double vector holds

// The float lanes of v summed pairwise into double lanes (lower half + upper half).
HWY_INLINE hn::Vec<DD> Promoted(DD dd, hn::Vec<DF> v) {
#if HWY_TARGET == HWY_SCALAR  // one lane of each
  return hn::PromoteTo(dd, v);
#else
  const DFH dfh;
  return hn::Add(hn::PromoteTo(dd, hn::LowerHalf(dfh, v)),
                 hn::PromoteTo(dd, hn::UpperHalf(dfh, v)));
#endif
}

// How many vectors the float partial sums take before they are flushed into double: four
// interleaved accumulators of at most 4 vectors each, so every weight goes through at most
// 3 + 2 float additions and the rounding error is below 5 * 2^-24 of the block's sum even when
// a large weight is followed by tiny ones (the absorption of issue 12: with 32 weights per
// lane, 31 just under 2^-24 of the first vanished).
constexpr int kFlushVectors = 16;

// Pass 2's running sums over a task: double lanes (flushed blocks) plus scalars (row tails).
struct Acc {
  hn::Vec<DD> s, sx, sy;
  double ts = 0, tsx = 0, tsy = 0;
};

// Adds the weights of one row segment (x0: its first column, y: its row) to acc.
template <bool kBetaLo, typename T>
void RowExpSums(const T* row, int w, int x0, int y, const FloatExp& f, Acc& acc) {
  const DF df;
  const DD dd;
  const int n = static_cast<int>(hn::Lanes(df));
  const auto vm = hn::Set(df, f.m), vb = hn::Set(df, f.beta), vblo = hn::Set(df, f.beta_lo);
  const auto vbl2e = hn::Set(df, f.bl2e), vdmin = hn::Set(df, f.d_min);
  const auto step = hn::Set(df, static_cast<float>(n));
  const auto step2 = hn::Add(step, step), step3 = hn::Add(step2, step);
  const auto step4 = hn::Add(step2, step2);
  // Adds the weights of the vector d (= v - m) to vs and its x-weighted weights to vsx.
  auto add = [&](hn::Vec<DF> d, hn::Mask<DF> keep, hn::Vec<DF>& vs, hn::Vec<DF>& vsx,
                 hn::Vec<DF> vx) HWY_ATTR {
    const auto e = hn::IfThenElseZero(keep, ExpNeg<kBetaLo>(df, MaskedD(keep, d), vb, vblo, vbl2e));
    vs = hn::Add(vs, e);
    vsx = hn::MulAdd(e, vx, vsx);
  };
  auto add_at = [&](int at, hn::Vec<DF>& vs, hn::Vec<DF>& vsx, hn::Vec<DF> vx) HWY_ATTR {
    const auto d = hn::Sub(LoadF(df, row + at), vm);
    const auto keep = hn::Ge(d, vdmin);
    if (!hn::AllFalse(df, keep)) add(d, keep, vs, vsx, vx);
  };
  int x = 0;
  while (x + n <= w) {
    const int xb = x;
    // Four float accumulators of at most kFlushVectors / 4 vectors each, interleaved.
    auto s0 = hn::Zero(df), s1 = s0, s2 = s0, s3 = s0, m0 = s0, m1 = s0, m2 = s0, m3 = s0;
    auto vx = hn::Iota(df, 0.0f);  // x - xb as float, exact
    int k = 0;
    for (; k + 4 <= kFlushVectors && x + 4 * n <= w; k += 4, x += 4 * n, vx = hn::Add(vx, step4)) {
      const auto d0 = hn::Sub(LoadF(df, row + x), vm);
      const auto d1 = hn::Sub(LoadF(df, row + x + n), vm);
      const auto d2 = hn::Sub(LoadF(df, row + x + 2 * n), vm);
      const auto d3 = hn::Sub(LoadF(df, row + x + 3 * n), vm);
      // false for NaN and -Inf, and below the cut-off: four such vectors cost nothing more.
      const auto k0 = hn::Ge(d0, vdmin), k1 = hn::Ge(d1, vdmin);
      const auto k2 = hn::Ge(d2, vdmin), k3 = hn::Ge(d3, vdmin);
      if (hn::AllFalse(df, hn::Or(hn::Or(k0, k1), hn::Or(k2, k3)))) continue;
      add(d0, k0, s0, m0, vx);
      add(d1, k1, s1, m1, hn::Add(vx, step));
      add(d2, k2, s2, m2, hn::Add(vx, step2));
      add(d3, k3, s3, m3, hn::Add(vx, step3));
    }
    // Up to three vectors before the end of the row: one more in accumulators 0, 1, 2.
    if (k < kFlushVectors && x + n <= w) add_at(x, s0, m0, vx), x += n, vx = hn::Add(vx, step);
    if (k < kFlushVectors && x + n <= w) add_at(x, s1, m1, vx), x += n, vx = hn::Add(vx, step);
    if (k < kFlushVectors && x + n <= w) add_at(x, s2, m2, vx), x += n;
    // In double: s += sum w, sx += sum w (x - xb) + (x0 + xb) sum w, sy += y sum w.
    const auto ps = Promoted(dd, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
    const auto pm = Promoted(dd, hn::Add(hn::Add(m0, m1), hn::Add(m2, m3)));
    acc.s = hn::Add(acc.s, ps);
    acc.sx = hn::Add(acc.sx, hn::MulAdd(ps, hn::Set(dd, static_cast<double>(x0 + xb)), pm));
    acc.sy = hn::MulAdd(ps, hn::Set(dd, static_cast<double>(y)), acc.sy);
  }
  for (; x < w; ++x) {  // fewer than n left: the same cut-off, exp in double
    const float d = static_cast<float>(row[x]) - f.m;
    if (d >= f.d_min) {
      const double e = std::exp(static_cast<double>(d) * (static_cast<double>(f.beta) + f.beta_lo));
      acc.ts += e;
      acc.tsx += e * (x0 + x);
      acc.tsy += e * y;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Pass 2, double path: any finite values, any beta
// ---------------------------------------------------------------------------------------

// The elements of p as double lanes (as many as one double vector holds).
HWY_INLINE hn::Vec<DD> LoadD(DD dd, const float* p) {
  return hn::PromoteTo(dd, hn::LoadU(DFH(), p));
}
HWY_INLINE hn::Vec<DD> LoadD(DD dd, const std::uint8_t* p) {
  const hn::Rebind<std::uint8_t, DD> du8;
  const hn::Rebind<std::int32_t, DD> di32;
  return hn::PromoteTo(dd, hn::PromoteTo(di32, hn::LoadU(du8, p)));
}

// t = beta * (v - m) in double: v - m is within an ulp of double (no overflow: |v - m| <=
// 6.8e38) and |t| <= 7e74 * 6.8e38 stays finite. NaN stays NaN, -Inf stays -Inf.
template <typename T>
HWY_INLINE hn::Vec<DD> ExponentD(DD dd, const T* p, hn::Vec<DD> vm, hn::Vec<DD> vb) {
  return hn::Mul(hn::Sub(LoadD(dd, p), vm), vb);
}

// As RowExpSums, every step in double (exp from hwy/contrib/math, ~1 ulp).
template <typename T>
void RowExpSumsD(const T* row, int w, int x0, int y, const ExpArgs& a, Acc& acc) {
  const DD dd;
  const int n = static_cast<int>(hn::Lanes(dd));
  const auto vm = hn::Set(dd, a.m), vb = hn::Set(dd, a.beta);
  const auto vmin = hn::Set(dd, static_cast<double>(a.t_min));
  const auto step = hn::Set(dd, static_cast<double>(n));
  // Sums over the segment first (x relative to x0), so that a 2^24-pixel row adds 2^15
  // segment sums per lane rather than 2^22 weights (double absorption stays ~1e-12).
  auto rs = hn::Zero(dd), rsx = hn::Zero(dd), vx = hn::Iota(dd, 0.0);
  int x = 0;
  for (; x + n <= w; x += n, vx = hn::Add(vx, step)) {
    const auto t = ExponentD(dd, row + x, vm, vb);
    const auto keep = hn::Ge(t, vmin);
    if (hn::AllFalse(dd, keep)) continue;
    const auto e = hn::IfThenElseZero(keep, hn::Exp(dd, hn::IfThenElseZero(keep, t)));
    rs = hn::Add(rs, e);
    rsx = hn::MulAdd(e, vx, rsx);
  }
  acc.s = hn::Add(acc.s, rs);
  acc.sx = hn::Add(acc.sx, hn::MulAdd(rs, hn::Set(dd, static_cast<double>(x0)), rsx));
  acc.sy = hn::MulAdd(rs, hn::Set(dd, static_cast<double>(y)), acc.sy);
  for (; x < w; ++x) {
    const double t = (static_cast<double>(row[x]) - a.m) * a.beta;
    if (t >= a.t_min) {
      const double e = std::exp(t);
      acc.ts += e;
      acc.tsx += e * (x0 + x);
      acc.tsy += e * y;
    }
  }
}

template <typename T>
void CellExpSums(const T* base, const RowBlock& b, int x0, int w, int y0, int y1, const ExpArgs& a,
                 const FloatExp& f, Acc& acc) {
  for (int y = y0; y < y1; ++y) {
    const T* row = base + y * b.row_stride + x0;
    if (a.precise)
      RowExpSumsD(row, w, x0, y, a, acc);
    else if (f.beta_lo != 0)
      RowExpSums<true>(row, w, x0, y, f, acc);
    else
      RowExpSums<false>(row, w, x0, y, f, acc);
  }
}

Sums ExpSums(const RowBlock& b, const float* cellmax, float group_threshold, const ExpArgs& a) {
  const DD dd;
  Acc acc{hn::Zero(dd), hn::Zero(dd), hn::Zero(dd)};
  const int nseg = b.segments();
  const FloatExp f = MakeFloatExp(a);
  for (int y0 = b.y0; y0 < b.y1; y0 += b.group) {
    const float* cells = cellmax + static_cast<std::ptrdiff_t>((y0 - b.y0) / b.group) * nseg;
    const int y1 = std::min(b.y1, y0 + b.group);
    for (int sg = 0; sg < nseg; ++sg) {
      if (!(cells[sg] >= group_threshold)) continue;
      const int x0 = sg * b.seg, w = std::min(b.seg, b.width - x0);
      if (b.type == ElemType::kFloat32)
        CellExpSums(static_cast<const float*>(b.base), b, x0, w, y0, y1, a, f, acc);
      else
        CellExpSums(static_cast<const std::uint8_t*>(b.base), b, x0, w, y0, y1, a, f, acc);
    }
  }
  Sums out;
  out.s = hn::GetLane(hn::SumOfLanes(dd, acc.s)) + acc.ts;
  out.sx = hn::GetLane(hn::SumOfLanes(dd, acc.sx)) + acc.tsx;
  out.sy = hn::GetLane(hn::SumOfLanes(dd, acc.sy)) + acc.tsy;
  return out;
}

// ---------------------------------------------------------------------------------------
// The softmax map
// ---------------------------------------------------------------------------------------

template <typename T>
void SoftmaxRow(const T* row, int w, const FloatExp& f, float inv_s, float* out) {
  const DF df;
  const int n = static_cast<int>(hn::Lanes(df));
  const auto vm = hn::Set(df, f.m), vb = hn::Set(df, f.beta), vblo = hn::Set(df, f.beta_lo);
  const auto vbl2e = hn::Set(df, f.bl2e), vdmin = hn::Set(df, f.d_min);
  const auto vinv = hn::Set(df, inv_s);
  int x = 0;
  for (; x + n <= w; x += n) {
    const auto d = hn::Sub(LoadF(df, row + x), vm);
    const auto keep = hn::Ge(d, vdmin);
    const auto e = ExpNeg<true>(df, MaskedD(keep, d), vb, vblo, vbl2e);
    hn::StoreU(hn::IfThenElseZero(keep, hn::Mul(e, vinv)), df, out + x);
  }
  for (; x < w; ++x) {
    const float d = static_cast<float>(row[x]) - f.m;
    const double t = static_cast<double>(d) * (static_cast<double>(f.beta) + f.beta_lo);
    out[x] = d >= f.d_min ? static_cast<float>(std::exp(t) * inv_s) : 0.0f;
  }
}

template <typename T>
void SoftmaxRowD(const T* row, int w, double m, double beta, double t_min, double inv_s,
                 float* out) {
  const DD dd;
  const DFH dfh;
  const int n = static_cast<int>(hn::Lanes(dd));
  const auto vm = hn::Set(dd, m), vb = hn::Set(dd, beta), vmin = hn::Set(dd, t_min);
  const auto vinv = hn::Set(dd, inv_s);
  int x = 0;
  for (; x + n <= w; x += n) {
    const auto t = ExponentD(dd, row + x, vm, vb);
    const auto keep = hn::Ge(t, vmin);
    const auto p = hn::Mul(hn::Exp(dd, hn::IfThenElseZero(keep, t)), vinv);
    hn::StoreU(hn::DemoteTo(dfh, hn::IfThenElseZero(keep, p)), dfh, out + x);
  }
  for (; x < w; ++x) {
    const double t = (static_cast<double>(row[x]) - m) * beta;
    out[x] = t >= t_min ? static_cast<float>(std::exp(t) * inv_s) : 0.0f;
  }
}

void SoftmaxRows(const RowBlock& b, const ExpArgs& a, double inv_s, float* out) {
  const FloatExp f = MakeFloatExp(a);
  const float inv = static_cast<float>(inv_s);
  for (int y = b.y0; y < b.y1; ++y, out += b.width) {
    const std::ptrdiff_t off = y * b.row_stride;
    if (b.type == ElemType::kFloat32) {
      const float* row = static_cast<const float*>(b.base) + off;
      if (a.precise)
        SoftmaxRowD(row, b.width, a.m, a.beta, a.t_min, inv_s, out);
      else
        SoftmaxRow(row, b.width, f, inv, out);
    } else {
      const std::uint8_t* row = static_cast<const std::uint8_t*>(b.base) + off;
      if (a.precise)
        SoftmaxRowD(row, b.width, a.m, a.beta, a.t_min, inv_s, out);
      else
        SoftmaxRow(row, b.width, f, inv, out);
    }
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
Sums exp_sums(const RowBlock& b, const float* cellmax, float group_threshold, const ExpArgs& a) {
  return HWY_DYNAMIC_DISPATCH(ExpSums)(b, cellmax, group_threshold, a);
}
void softmax_rows(const RowBlock& b, const ExpArgs& a, double inv_s, float* out) {
  HWY_DYNAMIC_DISPATCH(SoftmaxRows)(b, a, inv_s, out);
}
const char* simd_target_name() {
  return HWY_DYNAMIC_DISPATCH(TargetName)();
}

}  // namespace peakscope::kernels
#endif
