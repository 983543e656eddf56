// The decoding lab's primitives on the GL engine (core/gpu/gl_lab.cpp) against the CPU engine
// and the double-precision oracles (core/reference, core/lab/reference_decoders), for
// both placements of host frames (read in place, copied to a device buffer): the windows
// around the argmax, DARK's blurred maximum, the (channel, beta) grid of soft-argmax and
// debiased soft-argmax, and every decoder through decode_lab. Tolerance 1e-3 px.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/engine/select_engine.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/lab/dark.hpp"
#include "core/lab/lab.hpp"
#include "core/lab/reference_decoders.hpp"
#include "core/reference.hpp"
#include "gl_test_context.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

using gpu::GlEngine;
using gpu::Placement;

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

bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

const std::vector<double> kGridBetas = {1e-30, 1e-3, 0.5, 1, 10, 100, 1e6, 1e30};

void expect_point_near(const DecodedPoint& a, const DecodedPoint& b, double tol) {
  EXPECT_EQ(a.valid, b.valid);
  EXPECT_NEAR(a.x, b.x, tol);
  EXPECT_NEAR(a.y, b.y, tol);
}

// Everything the lab computes on `map`, on both placements, against the CPU engine and the
// references.
void check_lab(const HeatmapView& map, const DecodeOptions& opt, const std::string& what,
               const DecoderParams& params = {}) {
  CpuEngine cpu(1);
  const std::vector<Keypoint> kc = cpu.decode(map, opt);
  const std::vector<DecoderKind> kinds(std::begin(kAllDecoders), std::end(kAllDecoders));
  const auto lab_cpu = decode_lab(cpu, kc, kinds, opt, params);
  for (Placement p : kPlacements) {
    GlEngine& gl = engine(p);
    SCOPED_TRACE(what + ", " + placement_name(p));
    const std::vector<Keypoint> kg = gl.decode(map, opt);
    ASSERT_EQ(kg.size(), kc.size());

    // Windows: bit for bit what the CPU engine reads.
    for (int r : {0, 1, 3, 7}) {
      const std::vector<PeakWindow> wg = gl.last_windows(r), wc = cpu.last_windows(r);
      ASSERT_EQ(wg.size(), wc.size());
      for (std::size_t c = 0; c < wg.size(); ++c) {
        SCOPED_TRACE("window r " + std::to_string(r) + " channel " + std::to_string(c));
        EXPECT_EQ(wg[c].radius, r);
        EXPECT_EQ(wg[c].map_width, map.width);
        EXPECT_EQ(wg[c].map_height, map.height);
        ASSERT_EQ(wg[c].values.size(), wc[c].values.size());
        if (wc[c].values.empty()) continue;
        EXPECT_EQ(wg[c].cx, wc[c].cx);
        EXPECT_EQ(wg[c].cy, wc[c].cy);
        EXPECT_TRUE(same_value(wg[c].peak, wc[c].peak)) << wg[c].peak << " vs " << wc[c].peak;
        for (std::size_t i = 0; i < wc[c].values.size(); ++i) {
          const int x = wc[c].cx - r + static_cast<int>(i) % wc[c].size();
          const int y = wc[c].cy - r + static_cast<int>(i) / wc[c].size();
          if (wc[c].inside(x, y)) {
            EXPECT_TRUE(same_value(wg[c].values[i], wc[c].values[i])) << i;
          }
        }
      }
    }

    // DARK's blurred maximum, as core/lab/dark.hpp computes it.
    for (int c = 0; c < map.channels; ++c)
      for (int k : {1, 3, 11}) {
        const double a = gl.last_blurred_max(c, k), b = blurred_max(map, c, k);
        // Relative, so that maps of tiny values are held to it too (both sides sum in double).
        EXPECT_NEAR(a, b, 1e-9 * std::abs(b)) << "channel " << c << " kernel " << k;
      }

    // Every decoder through decode_lab: the GPU's primitives, the CPU's, the references.
    const auto lab_gpu = decode_lab(gl, kg, kinds, opt, params);
    for (int c = 0; c < map.channels; ++c)
      for (std::size_t i = 0; i < kinds.size(); ++i) {
        SCOPED_TRACE(std::string(decoder_name(kinds[i])) + " channel " + std::to_string(c));
        expect_point_near(lab_gpu[c][i], lab_cpu[c][i], 1e-3);
        expect_point_near(lab_gpu[c][i], reference::decode_with(kinds[i], map, c, opt, params),
                          1e-3);
      }

    // The grid at many betas, with and without normalise, against a decode at each beta and
    // the debiased reference.
    for (bool norm : {true, false}) {
      const BetaGrid g = gl.last_beta_grid(kGridBetas, norm, true);
      ASSERT_EQ(g.keypoints.size(), kGridBetas.size());
      ASSERT_EQ(g.debiased.size(), kGridBetas.size());
      for (std::size_t j = 0; j < kGridBetas.size(); ++j) {
        const DecodeOptions o{kGridBetas[j], norm};
        const std::vector<Keypoint> want = cpu.decode(map, o);
        ASSERT_EQ(g.keypoints[j].size(), want.size());
        for (int c = 0; c < map.channels; ++c) {
          SCOPED_TRACE("beta " + std::to_string(kGridBetas[j]) + (norm ? " normalised" : "") +
                       " channel " + std::to_string(c));
          const Keypoint& a = g.keypoints[j][c];
          const Keypoint& b = want[c];
          EXPECT_EQ(a.valid, b.valid);
          EXPECT_EQ(a.argmax_x, b.argmax_x);
          EXPECT_EQ(a.argmax_y, b.argmax_y);
          EXPECT_TRUE(same_value(a.argmax_value, b.argmax_value))
              << a.argmax_value << " vs " << b.argmax_value;
          EXPECT_NEAR(a.soft_x, b.soft_x, 1e-3);
          EXPECT_NEAR(a.soft_y, b.soft_y, 1e-3);
          EXPECT_NEAR(a.peak_probability, b.peak_probability,
                      1e-5 * std::max(1e-3, b.peak_probability));
          const DecodedPoint r = reference::decode_with(DecoderKind::kDebiased, map, c, o);
          expect_point_near(g.debiased[j][c], r, 1e-3);
        }
      }
      // Without debiased: the same keypoints, no debiased rows.
      const BetaGrid plain = gl.last_beta_grid({kGridBetas[3]}, norm, false);
      EXPECT_TRUE(plain.debiased.empty());
      ASSERT_EQ(plain.keypoints.size(), 1u);
      for (int c = 0; c < map.channels; ++c) {
        EXPECT_EQ(plain.keypoints[0][c].soft_x, g.keypoints[3][c].soft_x);
        EXPECT_EQ(plain.keypoints[0][c].soft_y, g.keypoints[3][c].soft_y);
      }
    }
  }
}

Heatmap with_channels(const std::vector<Heatmap>& planes) {
  const Heatmap& f = planes.front();
  Heatmap out(f.width(), f.height(), static_cast<int>(planes.size()), f.type());
  const std::size_t n = static_cast<std::size_t>(f.width()) * f.height() * elem_size(f.type());
  for (std::size_t c = 0; c < planes.size(); ++c)
    std::memcpy(out.u8() + c * n, static_cast<const std::uint8_t*>(planes[c].view().data), n);
  return out;
}

TEST(GlLabGLTest, GaussiansAtSubPixelCentres) {
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8})
    for (double x0 : {20.37, 31.5}) {
      const Heatmap m = testing::gaussian_map(64, 48, x0, 23.81, 4.7, t);
      check_lab(m.view(), {20, true}, std::string("gaussian ") + elem_name(t));
    }
  const Heatmap u = testing::gaussian_map(64, 48, 17.2, 30.6, 4.7, ElemType::kUInt8);
  check_lab(u.view(), {0.1, false}, "uint8, raw beta 0.1");
}

TEST(GlLabGLTest, PeaksAtAndNextToTheBorder) {
  for (double x0 : {0.0, 1.2, 62.8, 63.0})
    for (double y0 : {0.0, 1.4, 46.7}) {
      const Heatmap m = testing::gaussian_map(64, 48, x0, y0, 4.0, ElemType::kFloat32);
      check_lab(m.view(), {20, true}, "border " + std::to_string(x0) + ", " + std::to_string(y0));
    }
}

TEST(GlLabGLTest, WidthsNotAMultipleOfFour) {
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
    const Heatmap m = testing::gaussian_map(1023, 767, 611.3, 402.7, 9.0, t);
    check_lab(m.view(), {50, true}, std::string("1023x767 ") + elem_name(t));
  }
  const Heatmap odd = testing::gaussian_map(37, 5, 20.4, 2.2, 3.0, ElemType::kFloat32);
  check_lab(odd.view(), {10, true}, "37x5");
}

TEST(GlLabGLTest, MultiChannelStacks) {
  check_lab(testing::random_map(40, 30, 4, ElemType::kUInt8, 9).view(), {2, true},
            "random uint8 stack");
  check_lab(testing::random_map(33, 21, 3, ElemType::kFloat32, 4).view(), {30, false},
            "random float stack");
  std::vector<Heatmap> planes;
  for (int c = 0; c < 5; ++c)
    planes.push_back(
        testing::gaussian_map(48, 40, 5.3 + 8.1 * c, 30.2 - 4.4 * c, 3.5, ElemType::kFloat32));
  check_lab(with_channels(planes).view(), {100, true}, "5 gaussians");
}

TEST(GlLabGLTest, FlatAllNanAndNonFinitePixels) {
  Heatmap flat(20, 10, 1, ElemType::kFloat32);
  for (int i = 0; i < 200; ++i) flat.f32()[i] = 0.25f;
  Heatmap zero(20, 10, 1, ElemType::kFloat32);
  Heatmap nan(20, 10, 1, ElemType::kFloat32);
  for (int i = 0; i < 200; ++i) nan.f32()[i] = NAN;
  Heatmap g = testing::gaussian_map(20, 10, 9.3, 4.6, 3.0, ElemType::kFloat32);
  check_lab(with_channels({flat, zero, nan, g}).view(), {10, true}, "flat, zero, NaN, gaussian");

  Heatmap holes = testing::gaussian_map(32, 24, 15.4, 11.2, 4.7, ElemType::kFloat32);
  holes.f32()[11 * 32 + 16] = NAN;
  holes.f32()[3] = -INFINITY;
  holes.f32()[40] = std::numeric_limits<float>::denorm_min();
  check_lab(holes.view(), {10, false}, "NaN beside the peak, -Inf, a denormal");

  Heatmap inf = testing::gaussian_map(32, 24, 15.4, 11.2, 4.7, ElemType::kFloat32);
  inf.f32()[5 * 32 + 7] = INFINITY;
  inf.f32()[20 * 32 + 30] = INFINITY;
  check_lab(inf.view(), {10, true}, "two +Inf pixels");

  Heatmap neg = testing::gaussian_map(32, 24, 10.6, 8.1, 4.7, ElemType::kFloat32);
  for (int i = 0; i < 32 * 24; ++i) neg.f32()[i] = neg.f32()[i] * 2 - 1.5f;  // max 0.5
  check_lab(neg.view(), {20, true}, "negative background");

  Heatmap below = testing::gaussian_map(32, 24, 19.2, 6.7, 4.7, ElemType::kFloat32);
  for (int i = 0; i < 32 * 24; ++i) below.f32()[i] = below.f32()[i] * 1.5f - 2.0f;  // max -0.5
  Heatmap at_zero = testing::gaussian_map(32, 24, 8.8, 15.1, 4.7, ElemType::kFloat32);
  for (int i = 0; i < 32 * 24; ++i) at_zero.f32()[i] -= 1.0f;  // max 0
  check_lab(with_channels({below, at_zero}).view(), {20, true}, "negative maxima");

  Heatmap tiny = testing::gaussian_map(32, 24, 12.3, 9.9, 4.7, ElemType::kFloat32);
  for (int i = 0; i < 32 * 24; ++i) tiny.f32()[i] *= 1e-30f;  // normalise below 2^-64
  check_lab(tiny.view(), {20, true}, "max 1e-30");
}

// The grid alone on maps whose pass 1 spans several chunks per workgroup (over 256 chunks of
// 4096 pixels) and on a map wider than 8192 (weights in double, common.glsl uExact).
void check_grid(const HeatmapView& map, const std::vector<double>& betas, const std::string& what) {
  CpuEngine cpu(2);
  for (Placement p : kPlacements) {
    GlEngine& gl = engine(p);
    gl.decode(map, {1, true});
    for (bool norm : {true, false}) {
      SCOPED_TRACE(what + ", " + placement_name(p) + (norm ? ", normalised" : ""));
      const BetaGrid g = gl.last_beta_grid(betas, norm, true);
      for (std::size_t j = 0; j < betas.size(); ++j) {
        const DecodeOptions o{betas[j], norm};
        const Keypoint want = cpu.decode(map, o)[0];
        EXPECT_NEAR(g.keypoints[j][0].soft_x, want.soft_x, 1e-3) << betas[j];
        EXPECT_NEAR(g.keypoints[j][0].soft_y, want.soft_y, 1e-3) << betas[j];
        expect_point_near(g.debiased[j][0],
                          reference::decode_with(DecoderKind::kDebiased, map, 0, o), 1e-3);
      }
    }
  }
}

// DARK's blurred maximum of maps whose values are denormal or near the float minimum: the
// GPU's scratch keeps the digits the CPU keeps (a float scratch was 2.5% off at 1e-43).
TEST(GlLabGLTest, BlurredMaxOfTinyMaps) {
  for (double scale : {1e-30, 1e-40, 1e-43}) {
    const Heatmap g = testing::gaussian_map(37, 29, 17.3, 12.6, 6.0, ElemType::kFloat32);
    std::vector<float> v(g.f32(), g.f32() + 37 * 29);
    for (float& x : v) x = static_cast<float>(x * scale);
    const HeatmapView map = HeatmapView::dense(v.data(), 37, 29, 1);
    for (Placement p : kPlacements) {
      GlEngine& gl = engine(p);
      gl.decode(map, {10, true});
      for (int k : {3, 11, 101}) {
        const double want = blurred_max(map, 0, k);
        EXPECT_NEAR(gl.last_blurred_max(0, k), want, 1e-9 * want)
            << "scale " << scale << " kernel " << k << " " << placement_name(p);
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

TEST(GlLabGLTest, GridDoesNotDisturbTheLastFrame) {
  const Heatmap m = testing::multi_peak_map(64, 48, ElemType::kFloat32, 5);
  for (Placement p : kPlacements) {
    GlEngine& gl = engine(p);
    const DecodeOptions opt{30, true};
    const std::vector<Keypoint> k = gl.decode(m.view(), opt);
    auto texels = [&](GLuint tex) {
      std::vector<float> px(64 * 48);
      glBindTexture(GL_TEXTURE_2D, tex);
      glGetTexImage(GL_TEXTURE_2D, 0, GL_RED, GL_FLOAT, px.data());
      return px;
    };
    const SoftmaxImage before = gl.last_softmax(0);
    const std::vector<float> px_before = texels(before.gl_texture);
    const std::vector<float> val_before = texels(gl.last_values_texture(0));
    gl.last_beta_grid({0.1, 1e4, 1e30}, false, true);
    gl.last_windows(5);
    gl.last_blurred_max(0, 11);
    const SoftmaxImage after = gl.last_softmax(0);
    EXPECT_EQ(after.keypoint.soft_x, before.keypoint.soft_x);
    EXPECT_EQ(after.keypoint.soft_y, before.keypoint.soft_y);
    EXPECT_EQ(texels(after.gl_texture), px_before);
    EXPECT_EQ(texels(gl.last_values_texture(0)), val_before);
    const gpu::GpuFrame again = gl.decode_resident(opt);
    ASSERT_EQ(again.keypoints.size(), k.size());
    EXPECT_EQ(again.keypoints[0].soft_x, k[0].soft_x);
  }
}

TEST(GlLabGLTest, GpuSceneFrames) {
  SceneConfig cfg;
  cfg.width = 96;
  cfg.height = 64;
  cfg.subjects = 3;
  cfg.seed = 11;
  const Scene scene(cfg);
  const DecodeOptions opt{40, true};
  const Heatmap frame = scene.render_per_subject(ElemType::kFloat32);
  CpuEngine cpu(1);
  const std::vector<Keypoint> kc = cpu.decode(frame.view(), opt);
  const std::vector<DecoderKind> kinds(std::begin(kAllDecoders), std::end(kAllDecoders));
  const auto b = decode_lab(cpu, kc, kinds, opt, {});
  for (Placement p : kPlacements) {
    GlEngine& gl = engine(p);
    const std::vector<Keypoint> kg = gl.decode_scene(scene, true, ElemType::kFloat32, opt);
    const auto a = decode_lab(gl, kg, kinds, opt, {});
    for (std::size_t c = 0; c < kc.size(); ++c)
      for (std::size_t i = 0; i < kinds.size(); ++i) {
        SCOPED_TRACE(std::string(decoder_name(kinds[i])) + " subject " + std::to_string(c));
        expect_point_near(a[c][i], b[c][i], 1e-3);
      }
  }
}

// The lab through the engine select_engine hands out (its own headless context, the CPU
// fallback forwarding): engines that used the lab destroyed in either order, and used from
// another thread.
TEST(GlLabGLTest, SelectedEnginesDestroyedInEitherOrderAndOnAnotherThread) {
  const Heatmap m = testing::gaussian_map(48, 40, 20.6, 13.3, 5.0, ElemType::kFloat32);
  const DecodeOptions opt{20, true};
  const std::vector<DecoderKind> kinds(std::begin(kAllDecoders), std::end(kAllDecoders));
  CpuEngine cpu(1);
  const auto want = decode_lab(cpu, cpu.decode(m.view(), opt), kinds, opt, {});
  auto check = [&](Engine& e) {
    const std::vector<Keypoint> k = e.decode(m.view(), opt);
    EXPECT_EQ(e.last_decode_backend(), Backend::kGpu) << e.fallback_reason();
    const auto got = decode_lab(e, k, kinds, opt, {});
    for (std::size_t i = 0; i < kinds.size(); ++i) expect_point_near(got[0][i], want[0][i], 1e-3);
    const BetaGrid g = e.last_beta_grid({1, 20}, true, true);
    EXPECT_NEAR(g.keypoints[1][0].soft_x, k[0].soft_x, 1e-3);
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

TEST(GlLabGLTest, BadCallsThrow) {
  testing::gl_context();
  GlEngine fresh;
  EXPECT_THROW(fresh.last_windows(3), std::logic_error);
  EXPECT_THROW(fresh.last_blurred_max(0, 11), std::logic_error);
  EXPECT_THROW(fresh.last_beta_grid({1.0}, true, false), std::logic_error);
  const Heatmap m = testing::gaussian_map(16, 12, 7.2, 5.1, 3.0, ElemType::kFloat32);
  fresh.decode(m.view(), {10, true});
  EXPECT_THROW(fresh.last_windows(-1), std::invalid_argument);
  EXPECT_THROW(fresh.last_windows(65), std::invalid_argument);
  EXPECT_THROW(fresh.last_blurred_max(0, 4), std::invalid_argument);
  EXPECT_THROW(fresh.last_blurred_max(0, 103), std::invalid_argument);
  EXPECT_THROW(fresh.last_blurred_max(1, 11), std::out_of_range);
  EXPECT_THROW(fresh.last_beta_grid({1.0, 0.0}, true, false), std::invalid_argument);
  EXPECT_THROW(fresh.last_beta_grid({NAN}, true, true), std::invalid_argument);
  EXPECT_TRUE(fresh.last_beta_grid({}, true, true).keypoints.empty());
  // Another context current: GlError, never the previous results.
  auto other = gpu::HeadlessContext::create(nullptr);
  ASSERT_TRUE(other);
  other->make_current();
  EXPECT_THROW(fresh.last_windows(1), gpu::GlError);
  EXPECT_THROW(fresh.last_blurred_max(0, 11), gpu::GlError);
  EXPECT_THROW(fresh.last_beta_grid({1.0}, true, true), gpu::GlError);
  testing::gl_context();
}

}  // namespace
}  // namespace peakscope
