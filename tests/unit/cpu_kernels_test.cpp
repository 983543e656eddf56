// The CPU engine's Highway kernels on every SIMD target compiled in (SSE4, AVX2, AVX-512, the
// scalar fallback...), not only the one this machine dispatches to: HWY_EXPORT_AND_TEST_P
// runs the test once per target, with dispatch restricted to that target, and the test checks
// that the engine really ran there. Each run covers the float and the double path, row tails
// of every length, 4-vector blocks, wide rows cut into segments, strides, uint8 and float32,
// non-finite pixels, and the softmax map, against core/reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tests/unit/cpu_kernels_test.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/tests/hwy_gtest.h>

#include "core/cpu/cpu_engine.hpp"
#include "core/cpu/cpu_kernels.hpp"
#include "core/reference.hpp"
#include "tests/support/differential.hpp"

HWY_BEFORE_NAMESPACE();
// Not inside namespace peakscope: Highway's test macros name ::testing unqualified, and
// peakscope::testing would shadow it.
namespace kernels_test::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using namespace peakscope;  // NOLINT: a test file

// A w x h map (row stride w + pad) of smooth bumps plus noise, a few NaN / -Inf pixels.
inline std::vector<float> bumpy(int w, int h, int pad, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> d(static_cast<std::size_t>(w + pad) * h, 7e30f);  // padding: never read
  const double cx = u(rng) * w, cy = u(rng) * h, s = 1 + (w + h) / 6.0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
      float v = static_cast<float>(std::exp(-r2 / (2 * s * s)) + 0.3 * u(rng));
      const float q = u(rng);
      if (q < 0.01f) v = std::numeric_limits<float>::quiet_NaN();
      if (q > 0.995f) v = -std::numeric_limits<float>::infinity();
      d[static_cast<std::size_t>(y) * (w + pad) + x] = v;
    }
  return d;
}

void TestEngineOnThisTarget() {
  CpuEngine engine(2);
  // Dispatch is restricted to HWY_TARGET for this test: the engine must have run there.
  ASSERT_STREQ(CpuEngine::simd_target(), hwy::TargetName(HWY_TARGET));
  int checked = 0;
  auto check = [&](const HeatmapView& v, const DecodeOptions& o, const std::string& what) {
    const std::vector<Keypoint> got = engine.decode(v, o).keypoints();
    for (int c = 0; c < v.channels; ++c) {
      const std::string d =
          peakscope::testing::keypoint_mismatch(got[c], reference::decode(v, c, o));
      EXPECT_TRUE(d.empty()) << hwy::TargetName(HWY_TARGET) << " " << what << " beta " << o.beta
                             << (o.normalize ? " normalised" : "") << ": " << d;
      ++checked;
    }
  };
  unsigned seed = 1;
  for (int w : {1, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 129, 515, 1030, 4097})
    for (int h : {1, 5, 9})
      for (int pad : {0, 3}) {
        const std::vector<float> f = bumpy(w, h, pad, seed++);
        std::vector<std::uint8_t> u8(f.size());
        for (std::size_t i = 0; i < f.size(); ++i)
          u8[i] = std::isfinite(f[i]) ? static_cast<std::uint8_t>(std::min(f[i], 1.0f) * 255) : 0;
        const std::ptrdiff_t rs = w + pad;
        const HeatmapView vf{f.data(), ElemType::kFloat32, w, h, 1, rs, rs * h};
        const HeatmapView vu{u8.data(), ElemType::kUInt8, w, h, 1, rs, rs * h};
        const std::string what =
            std::to_string(w) + "x" + std::to_string(h) + " pad " + std::to_string(pad);
        // 1e-30 and 1e30 take the double path; the others the float path (width <= 4096).
        for (double beta : {1e-30, 1e-3, 1.0, 30.0, 1e4, 1e30})
          for (bool norm : {false, true}) {
            check(vf, {beta, norm}, "float32 " + what);
            check(vu, {beta, norm}, "uint8 " + what);
          }
      }
  EXPECT_GT(checked, 2000);
  // Random cases of the differential test (tests/support/differential.hpp).
  for (std::uint32_t s = 1; s <= 80; ++s) {
    std::mt19937 rng(s * 7919);
    std::vector<std::uint8_t> bytes(12);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    const peakscope::testing::DiffCase c =
        peakscope::testing::draw_case(bytes.data(), bytes.size(), 1 << 14);
    check(c.view, c.opt, "random case " + std::to_string(s) + ": " + c.describe());
  }
  // Absorption on the float path at this target's lane count: per lane a maximum, then
  // weights just under 2^-24 of it, in the left half of 4096-wide rows.
  const int lanes = static_cast<int>(hn::Lanes(hn::ScalableTag<float>()));
  std::vector<float> a(4096 * 8);
  const float small = static_cast<float>(1.0 + std::log(0x1p-24) * (1 + 1e-7));
  for (std::size_t i = 0; i < a.size(); ++i)
    a[i] = (i % 4096) < 2048 && (i % (32 * lanes)) < static_cast<std::size_t>(lanes) ? 1.0f : small;
  check(HeatmapView::dense(a.data(), 4096, 8), {1.0, false}, "lane absorption");
  // The softmax map on both paths.
  const std::vector<float> f = bumpy(77, 13, 0, 99);
  const HeatmapView v = HeatmapView::dense(f.data(), 77, 13);
  for (double beta : {1e-30, 0.5, 20.0, 1e30}) {
    std::vector<float> p(v.pixels());
    engine.softmax_map(v, 0, {beta, true}, p.data());
    const std::vector<double> want = reference::softmax(v, 0, {beta, true});
    for (std::size_t i = 0; i < p.size(); ++i)
      ASSERT_NEAR(p[i], want[i], 1e-6 * want[i] + 1e-9)
          << hwy::TargetName(HWY_TARGET) << " beta " << beta << " pixel " << i;
  }
}

// The float path's flush (core/cpu/cpu_kernels.cpp, kFlushVectors): float partial sums are
// flushed into double often enough that every weight goes through at most 3 + 2 float
// additions, so the row's sum is within 5 * 2^-24 of the exact sum of the same float weights
// even where a weight of 1 is followed by weights just under 2^-24 of it (each of which, added
// to 1 in float, vanishes). Rows of this target's vectors with a maximum in the first vector
// of every period of 4 to 64 vectors, the rest at weight ~2^-24: the exact sum is known from
// the two weights alone.
void TestFloatPathFlushBound() {
  const int lanes = static_cast<int>(hn::Lanes(hn::ScalableTag<float>()));
  const float small = static_cast<float>(1.0 + std::log(0x1p-24) * (1 + 1e-7));
  const float ninf = -std::numeric_limits<float>::infinity();
  kernels::ExpArgs a;
  a.m = 1, a.beta = 1, a.t_min = kernels::kMinExponent, a.precise = false;
  auto sums = [&](const std::vector<float>& row) {
    kernels::RowBlock b;
    b.base = row.data();
    b.width = static_cast<int>(row.size());
    b.row_stride = b.width;
    b.y0 = 0, b.y1 = 1, b.group = 1, b.seg = b.width;
    const float cell = 1.0f;
    return kernels::exp_sums(b, &cell, -1e30f, a);
  };
  // The float weights of the two values, each alone in one vector (exact in double).
  std::vector<float> one(static_cast<std::size_t>(lanes), ninf);
  one[0] = small;
  const double w_small = sums(one).s;
  one[0] = 1.0f;
  ASSERT_EQ(sums(one).s, 1.0) << hwy::TargetName(HWY_TARGET);
  ASSERT_GT(w_small, 0x1p-24 * (1 - 1e-5));
  ASSERT_LT(w_small, 0x1p-24);
  const double bound = 5 * 0x1p-24;
  double worst = 0;
  for (int period : {4, 8, 16, 32, 64})
    for (int vectors : {64, 256, 1024}) {
      std::vector<float> row(static_cast<std::size_t>(vectors) * lanes);
      long maxima = 0;
      for (std::size_t i = 0; i < row.size(); ++i) {
        const bool max = (i / lanes) % period == 0;
        row[i] = max ? 1.0f : small;
        maxima += max;
      }
      const long double exact =
          maxima + static_cast<long double>(static_cast<long>(row.size()) - maxima) * w_small;
      const double rel = static_cast<double>(std::abs(sums(row).s - exact) / exact);
      worst = std::max(worst, rel);
      EXPECT_LE(rel, bound) << hwy::TargetName(HWY_TARGET) << " period " << period << " vectors "
                            << vectors << ": relative error " << rel << " > 5 * 2^-24";
    }
  std::printf("%s: flush, worst relative error of the sum %.3g (bound %.3g)\n",
              hwy::TargetName(HWY_TARGET), worst, bound);
}

}  // namespace kernels_test::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kernels_test {
HWY_BEFORE_TEST(CpuKernelsTest);
HWY_EXPORT_AND_TEST_P(CpuKernelsTest, TestEngineOnThisTarget);
HWY_EXPORT_AND_TEST_P(CpuKernelsTest, TestFloatPathFlushBound);
}  // namespace kernels_test
#endif
