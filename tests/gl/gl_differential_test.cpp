// The GL engine against the reference on the differential cases of
// tests/support/differential.hpp (the same space the CPU engine's property test and
// decode_fuzz explore): maps of many kinds and value scales, long rows, strides, channels,
// uint8 / float32, every accepted beta, normalised or not. Tolerance as everywhere: 1e-3 px,
// 1e-6 relative peak probability, argmax exact.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/engine/select_engine.hpp"
#include "core/reference.hpp"
#include "gl_test_context.hpp"
#include "tests/support/differential.hpp"

namespace peakscope {
namespace {

TEST(GlDifferentialTest, RandomCasesAgreeWithTheReference) {
  testing::gl_context();  // fails (no skip) without a headless context
  EngineChoice choice = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, /*quiet=*/true);
  ASSERT_EQ(choice.engine->kind(), Backend::kGpu) << choice.reason;
  Engine& e = *choice.engine;
  int mismatches = 0, checked = 0, on_cpu = 0;
  std::string first;
  for (std::uint32_t seed = 1; seed <= 150; ++seed) {
    std::mt19937 rng(seed * 104729);
    std::vector<std::uint8_t> bytes(12);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    const testing::DiffCase c = testing::draw_case(bytes.data(), bytes.size(), 1 << 14);
    const std::vector<Keypoint> got = e.decode(c.view, c.opt);
    if (e.last_decode_backend() != Backend::kGpu) ++on_cpu;
    for (int k = 0; k < c.view.channels; ++k, ++checked) {
      const std::string d = testing::keypoint_mismatch(got[k], reference::decode(c.view, k, c.opt));
      if (d.empty()) continue;
      ++mismatches;
      ADD_FAILURE() << "seed " << seed << ": " << c.describe() << " channel " << k << ": " << d;
    }
  }
  RecordProperty("checked", checked);
  RecordProperty("decoded_on_cpu", on_cpu);
  EXPECT_EQ(mismatches, 0) << "of " << checked << " channels (" << on_cpu
                           << " cases fell back to the CPU)";
}

}  // namespace
}  // namespace peakscope
