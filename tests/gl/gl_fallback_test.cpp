// Run by ctest with an environment that breaks the GL path (MESA_GL_VERSION_OVERRIDE=3.3, or
// an extension removed); the decoder must fall back to the CPU, say why, and still decode.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/engine/select_engine.hpp"
#include "core/scene.hpp"

namespace peakscope {
namespace {

TEST(FallbackGLTest, FallsBackWithReasonAndStillDecodes) {
  const char* expect = std::getenv("PEAKSCOPE_EXPECT_REASON");
  ASSERT_NE(expect, nullptr) << "run through ctest, which sets the broken environment";
  EngineChoice d = select_engine(Backend::kAuto, ContextMode::kOwnHeadless, true);
  EXPECT_EQ(d.engine->kind(), Backend::kCpu);
  EXPECT_NE(d.reason.find(expect), std::string::npos) << d.reason;
  const DecodedFrame f = d.engine->decode(HeatmapView::dense(kToyArray, 4, 4), {10.0, false});
  EXPECT_EQ(f.backend(), Backend::kCpu);
  const std::vector<Keypoint>& k = f.keypoints();
  EXPECT_EQ(k[0].argmax_x, 3);
  EXPECT_NEAR(k[0].soft_x, 3.0, 1e-9);
}

}  // namespace
}  // namespace peakscope
