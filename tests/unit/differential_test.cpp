// Property test: random cases (differential.hpp: maps of many kinds and value scales, sizes up
// to 70000 long rows, strides with garbage in the padding, 1-3 channels, float32 / uint8,
// every accepted beta, normalised or not) decoded by the CPU engine and the reference must
// agree within the tolerance. The seeds are fixed, so a failure replays; the libFuzzer target
// tests/fuzz/decode_fuzz.cpp explores the same space for as long as it is given.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/cpu/cpu_engine.hpp"
#include "core/reference.hpp"
#include "tests/support/differential.hpp"

namespace peakscope {
namespace {

// The bytes draw_case reads, from a seed.
std::vector<std::uint8_t> case_bytes(std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> b(12);
  for (auto& v : b) v = static_cast<std::uint8_t>(rng());
  return b;
}

TEST(DifferentialTest, RandomCasesAgreeWithTheReference) {
  CpuEngine one(1), two(2);
  int checked = 0;
  for (std::uint32_t seed = 1; seed <= 400; ++seed) {
    const std::vector<std::uint8_t> bytes = case_bytes(seed);
    const testing::DiffCase c = testing::draw_case(bytes.data(), bytes.size(), 1 << 15);
    CpuEngine& e = seed % 2 ? one : two;
    const std::vector<Keypoint> got = e.decode(c.view, c.opt);
    for (int k = 0; k < c.view.channels; ++k) {
      const std::string d = testing::keypoint_mismatch(got[k], reference::decode(c.view, k, c.opt));
      ASSERT_TRUE(d.empty()) << "seed " << seed << ": " << c.describe() << " channel " << k << ": "
                             << d;
      ++checked;
    }
  }
  EXPECT_GT(checked, 400);
}

TEST(DifferentialTest, SoftmaxMapsAgreeWithTheReference) {
  CpuEngine e(2);
  for (std::uint32_t seed = 1000; seed < 1100; ++seed) {
    const std::vector<std::uint8_t> bytes = case_bytes(seed);
    const testing::DiffCase c = testing::draw_case(bytes.data(), bytes.size(), 1 << 13);
    std::vector<float> p(c.view.pixels());
    const Keypoint k = e.softmax_map(c.view, 0, c.opt, p.data());
    const std::vector<double> want = reference::softmax(c.view, 0, c.opt);
    double sum = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      sum += p[i];
      // Float output: 1e-6 relative, plus what the engine may drop below its cut-off.
      ASSERT_NEAR(p[i], want[i], 1e-6 * want[i] + 1e-9)
          << "seed " << seed << ": " << c.describe() << " pixel " << i;
    }
    if (k.valid) {
      EXPECT_NEAR(sum, 1.0, 1e-4) << "seed " << seed << ": " << c.describe();
    }
  }
}

}  // namespace
}  // namespace peakscope
