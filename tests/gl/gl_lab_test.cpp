// The decoding lab's primitives on the GL engine (core/gpu/gl_lab.cpp) where only the GPU has
// something at stake, on both placements of host frames (read in place, copied to a device
// buffer): frames large enough to span several workgroups and chunks, wider than 8192 (weights
// in double), the frame's textures untouched by the lab's queries, engines destroyed in either
// order or used from another thread, another context current. Against the double-precision
// references (core/reference, core/lab/reference_decoders), 1e-3 px. Every engine's lab on
// the same small frames is engine_contract_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/engine/select_engine.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/lab/lab.hpp"
#include "engine_contract.hpp"
#include "gl_test_context.hpp"
#include "tests/support/maps.hpp"
#include "tests/support/reference_cache.hpp"

namespace peakscope {
namespace {

using gpu::GlEngine;
using gpu::Placement;
using testing::expect_point_near;
using testing::kKinds;

// One engine per placement for the whole binary (compiling the lab's shaders once).
GlEngine& engine(Placement p) {
  testing::gl_context();
  static GlEngine in_place(Placement::kInPlace);
  static GlEngine copy(Placement::kDeviceCopy);
  return p == Placement::kInPlace ? in_place : copy;
}

const Placement kPlacements[] = {Placement::kInPlace, Placement::kDeviceCopy};

const char* placement_name(Placement p) {
  return p == Placement::kInPlace ? "in place" : "device copy";
}

// Everything the lab computes on `map` (engine_contract.hpp check_lab), on both placements.
void check_lab_on_both(const HeatmapView& map, const DecodeOptions& opt, const std::string& what) {
  for (Placement p : kPlacements) {
    const DecodedFrame f = engine(p).decode(map, opt);
    ASSERT_EQ(f.backend(), Backend::kGpu);
    testing::check_lab(f, map, opt, what + ", " + placement_name(p));
  }
}

TEST(GlLabGLTest, WidthsNotAMultipleOfFourOnALargeFrame) {
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
    const Heatmap m = testing::gaussian_map(1023, 767, 611.3, 402.7, 9.0, t);
    check_lab_on_both(m.view(), {50, true}, std::string("1023x767 ") + elem_name(t));
  }
}

// The grid alone on maps whose pass 1 spans several chunks per workgroup (over 256 chunks of
// 4096 pixels) and on a map wider than 8192 (weights in double, common.glsl uExact).
void check_grid(const HeatmapView& map, const std::vector<double>& betas, const std::string& what) {
  for (Placement p : kPlacements) {
    const DecodedFrame f = engine(p).decode(map, {1, true});
    ASSERT_EQ(f.backend(), Backend::kGpu);
    const testing::Reference reference(map);
    for (bool norm : {true, false}) {
      SCOPED_TRACE(what + ", " + placement_name(p) + (norm ? ", normalised" : ""));
      const BetaGrid g = f.beta_grid(betas, norm, true);
      for (std::size_t j = 0; j < betas.size(); ++j) {
        const DecodeOptions o{betas[j], norm};
        const Keypoint& want = reference.keypoints(o)[0];
        EXPECT_NEAR(g.keypoints[j][0].soft_x, want.soft_x, 1e-3) << betas[j];
        EXPECT_NEAR(g.keypoints[j][0].soft_y, want.soft_y, 1e-3) << betas[j];
        expect_point_near(g.debiased[j][0], reference.decoder(DecoderKind::kDebiased, 0, o), 1e-3);
      }
    }
  }
}

TEST(GlLabGLTest, GridOnLargeAndWideMaps) {
  const Heatmap big = testing::gaussian_map(1280, 900, 833.4, 512.6, 12.0, ElemType::kFloat32);
  check_grid(big.view(), {1e-3, 1, 30, 1e4}, "1280x900");
  const Heatmap big8 = testing::gaussian_map(1280, 900, 400.7, 100.2, 12.0, ElemType::kUInt8);
  check_grid(big8.view(), {1e-2, 5, 1e3}, "1280x900 uint8");
  const Heatmap wide = testing::gaussian_map(8200, 3, 7001.3, 1.4, 6.0, ElemType::kFloat32);
  check_grid(wide.view(), {1e-30, 0.01, 10, 1e5}, "8200x3");
}

// The lab's queries use their own buffers: the frame's softmax map and values textures, and
// the frame resident on the device, are as before.
TEST(GlLabGLTest, GridDoesNotDisturbTheFrame) {
  const Heatmap m = testing::multi_peak_map(64, 48, ElemType::kFloat32, 5);
  for (Placement p : kPlacements) {
    GlEngine& gl = engine(p);
    const DecodeOptions opt{30, true};
    const DecodedFrame f = gl.decode(m.view(), opt);
    auto texels = [&](GLuint tex) { return testing::read_texture(nullptr, tex, 64, 48); };
    const SoftmaxImage before = f.softmax(0);
    const std::vector<float> px_before = texels(before.gl_texture);
    const std::vector<float> val_before = texels(f.values_texture(0));
    f.beta_grid({0.1, 1e4, 1e30}, false, true);
    f.windows(5);
    f.blurred_max(0, 11);
    const SoftmaxImage after = f.softmax(0);
    EXPECT_EQ(after.keypoint.soft_x, before.keypoint.soft_x);
    EXPECT_EQ(after.keypoint.soft_y, before.keypoint.soft_y);
    EXPECT_EQ(texels(after.gl_texture), px_before);
    EXPECT_EQ(texels(f.values_texture(0)), val_before);
    const gpu::GpuFrame again = gl.decode_resident(opt);
    ASSERT_EQ(again.keypoints.size(), f.keypoints().size());
    EXPECT_EQ(again.keypoints[0].soft_x, f.keypoints()[0].soft_x);
  }
}

// The lab through the engine select_engine hands out (its own headless context, the CPU
// fallback forwarding): engines that used the lab destroyed in either order, and used from
// another thread.
TEST(GlLabGLTest, SelectedEnginesDestroyedInEitherOrderAndOnAnotherThread) {
  const Heatmap m = testing::gaussian_map(48, 40, 20.6, 13.3, 5.0, ElemType::kFloat32);
  const DecodeOptions opt{20, true};
  auto check = [&](Engine& e) {
    const DecodedFrame f = e.decode(m.view(), opt);
    EXPECT_EQ(f.backend(), Backend::kGpu) << f.fallback_reason();
    const auto got = decode_lab(f, kKinds, {});
    for (std::size_t i = 0; i < kKinds.size(); ++i)
      expect_point_near(got[0][i], testing::ref_decoder(kKinds[i], m.view(), 0, opt), 1e-3);
    const BetaGrid g = f.beta_grid({1, 20}, true, true);
    EXPECT_NEAR(g.keypoints[1][0].soft_x, f.keypoints()[0].soft_x, 1e-3);
  };
  for (bool first_goes_first : {true, false}) {
    auto a = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine;
    auto b = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine;
    check(*a);
    check(*b);
    (first_goes_first ? a : b).reset();
    check(first_goes_first ? *b : *a);
    testing::gl_context();  // releases the kept engine's context from this thread
    std::thread([&] { check(first_goes_first ? *b : *a); }).join();
  }
  testing::gl_context();
  check(engine(Placement::kInPlace));
}

// Another context current: the queries throw GlError, never the previous results.
TEST(GlLabGLTest, QueriesWithAnotherContextCurrentThrowGlError) {
  testing::gl_context();
  GlEngine fresh;
  const Heatmap m = testing::gaussian_map(16, 12, 7.2, 5.1, 3.0, ElemType::kFloat32);
  const DecodedFrame f = fresh.decode(m.view(), {10, true});
  auto other = gpu::HeadlessContext::create(nullptr);
  ASSERT_TRUE(other);
  other->make_current();
  EXPECT_THROW(f.windows(1), gpu::GlError);
  EXPECT_THROW(f.blurred_max(0, 11), gpu::GlError);
  EXPECT_THROW(f.beta_grid({1.0}, true, true), gpu::GlError);
  EXPECT_THROW(f.softmax(0), gpu::GlError);
  EXPECT_THROW(f.values_texture(0), gpu::GlError);
  testing::gl_context();
  EXPECT_EQ(f.windows(1).at(0).cx, 7);  // the frame answers again on its context
}

}  // namespace
}  // namespace peakscope
