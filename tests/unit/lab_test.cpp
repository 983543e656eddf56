// decode_lab on the CPU engine (core/lab/lab.hpp): every decoder from the frame's queries is
// bit for bit decode_with on the same keypoints; the beta grid is bit for bit a decode at each
// beta and the references' decode at each beta; decode_from_window's contract. Every engine's lab
// against the double-precision references (core/lab/reference_decoders.hpp) is
// tests/gl/engine_contract_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/lab/debiased.hpp"
#include "core/lab/lab.hpp"
#include "core/lab/reference_decoders.hpp"
#include "core/reference.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

const std::vector<DecoderKind> kKinds(std::begin(kAllDecoders), std::end(kAllDecoders));

void check(const HeatmapView& map, const DecodeOptions& opt, const DecoderParams& params,
           const std::string& what) {
  CpuEngine cpu(1);
  const DecodedFrame f = cpu.decode(map, opt);
  const std::vector<Keypoint>& k = f.keypoints();
  const auto lab = decode_lab(f, kKinds, params);
  ASSERT_EQ(lab.size(), k.size());
  for (int c = 0; c < map.channels; ++c)
    for (std::size_t i = 0; i < kKinds.size(); ++i) {
      SCOPED_TRACE(what + " " + decoder_name(kKinds[i]) + " channel " + std::to_string(c));
      const DecodedPoint a = lab[c][i];
      const DecodedPoint b = decode_with(kKinds[i], map, c, k[c], opt, params);
      EXPECT_EQ(a.valid, b.valid);
      EXPECT_EQ(a.x, b.x);
      EXPECT_EQ(a.y, b.y);
    }
}

TEST(LabTest, EveryDecoderIsDecodeWithOnTheSameKeypoints) {
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
    const Heatmap g = testing::gaussian_map(64, 48, 20.37, 23.81, 4.7, t);
    check(g.view(), {20, true}, {}, std::string("gaussian ") + elem_name(t));
    const Heatmap b = testing::gaussian_map(64, 48, 0.4, 46.8, 4.7, t);
    check(b.view(), {20, true}, {}, std::string("border ") + elem_name(t));
  }
  DecoderParams p;
  p.dark_kernel = 7;
  p.window_radius = 5;
  p.window_beta = 3;
  p.centroid_size = 5;
  p.mediapipe_size = 9;
  check(testing::random_map(33, 21, 3, ElemType::kFloat32, 4).view(), {30, false}, p,
        "random stack, other params");
  Heatmap nan(20, 10, 1, ElemType::kFloat32);
  for (int i = 0; i < 200; ++i) nan.f32()[i] = NAN;
  check(nan.view(), {10, true}, {}, "all NaN");
}

TEST(LabTest, OnlyWhatIsAskedFor) {
  const Heatmap g = testing::gaussian_map(40, 30, 11.2, 17.9, 4.0, ElemType::kFloat32);
  CpuEngine cpu(1);
  const DecodeOptions opt{20, true};
  const DecodedFrame f = cpu.decode(g.view(), opt);
  const std::vector<Keypoint>& k = f.keypoints();
  const auto one = decode_lab(f, {DecoderKind::kDebiased, DecoderKind::kArgmax}, {});
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(one[0].size(), 2u);
  const DecodedPoint d = debiased_softargmax(g.view(), 0, k[0], opt);
  EXPECT_EQ(one[0][0].x, d.x);
  EXPECT_EQ(one[0][0].y, d.y);
  EXPECT_EQ(one[0][1].x, k[0].argmax_x);
  EXPECT_TRUE(decode_lab(f, {}, {})[0].empty());
}

TEST(LabTest, BetaGridIsADecodeAtEachBeta) {
  const Heatmap m = testing::multi_peak_map(48, 40, ElemType::kFloat32, 3);
  CpuEngine cpu(1);
  const DecodedFrame f = cpu.decode(m.view(), {10, true});
  const std::vector<double> betas = {1e-30, 1e-3, 1, 100, 1e6, 1e30};
  for (bool norm : {true, false}) {
    const BetaGrid g = f.beta_grid(betas, norm, true);
    ASSERT_EQ(g.keypoints.size(), betas.size());
    for (std::size_t j = 0; j < betas.size(); ++j) {
      const DecodeOptions o{betas[j], norm};
      CpuEngine other(1);
      const Keypoint k = other.decode(m.view(), o).keypoints()[0];
      EXPECT_EQ(g.keypoints[j][0].soft_x, k.soft_x);
      EXPECT_EQ(g.keypoints[j][0].soft_y, k.soft_y);
      EXPECT_EQ(g.debiased[j][0].x, debiased_softargmax(m.view(), 0, k, o).x);
      EXPECT_EQ(g.debiased[j][0].y, debiased_softargmax(m.view(), 0, k, o).y);
      // And against the double-precision references, not only the engine itself.
      const Keypoint r = reference::decode(m.view(), 0, o);
      EXPECT_NEAR(g.keypoints[j][0].soft_x, r.soft_x, 1e-4) << betas[j];
      EXPECT_NEAR(g.keypoints[j][0].soft_y, r.soft_y, 1e-4) << betas[j];
      const DecodedPoint d = reference::decode_with(DecoderKind::kDebiased, m.view(), 0, o);
      EXPECT_NEAR(g.debiased[j][0].x, d.x, 1e-3) << betas[j];
      EXPECT_NEAR(g.debiased[j][0].y, d.y, 1e-3) << betas[j];
    }
  }
}

TEST(LabTest, WindowContract) {
  const Heatmap g = testing::gaussian_map(40, 30, 11.2, 17.9, 4.0, ElemType::kFloat32);
  CpuEngine cpu(1);
  const DecodeOptions opt{20, true};
  const DecodedFrame f = cpu.decode(g.view(), opt);
  const std::vector<Keypoint>& k = f.keypoints();
  const PeakWindow w = f.windows(1)[0];
  const auto never = []() -> double {
    ADD_FAILURE() << "the global max was asked for";
    return 1;
  };
  // A window too small for the decoder, and debiased (global): std::invalid_argument.
  EXPECT_THROW(decode_from_window(DecoderKind::kDark, w, k[0], opt, {}, never),
               std::invalid_argument);
  EXPECT_THROW(decode_from_window(DecoderKind::kDebiased, w, k[0], opt, {}, never),
               std::invalid_argument);
  EXPECT_EQ(decoder_window_radius(DecoderKind::kQuarter, {}), 1);
  EXPECT_EQ(decoder_window_radius(DecoderKind::kDark, {}), 7);
  EXPECT_EQ(decoder_window_radius(DecoderKind::kSoftargmax, {}), 0);
  const DecodedPoint q = decode_from_window(DecoderKind::kQuarter, w, k[0], opt, {}, never);
  const DecodedPoint want = decode_with(DecoderKind::kQuarter, g.view(), 0, k[0], opt);
  EXPECT_EQ(q.x, want.x);
  EXPECT_EQ(q.y, want.y);
}

}  // namespace
}  // namespace peakscope
