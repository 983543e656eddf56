// The engines the contract suite (engine_contract_test.cpp) holds to one contract, and the
// helpers its cases share: which backend each engine promises, the tolerances of each backend,
// the comparisons with the double-precision references (tests/support/reference_cache.hpp).
#pragma once

#include <epoxy/gl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/engine/auto_engine.hpp"
#include "core/engine/fallback_engine.hpp"
#include "core/engine/select_engine.hpp"
#include "core/gpu/egl_context.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/lab/lab.hpp"
#include "gl_test_context.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/reference_cache.hpp"

namespace peakscope::testing {

// Where an engine promises to decode: always on the CPU, always on the GPU (a frame decoded on
// the CPU is a failure, not a pass), or where its measurement chose (AutoEngine: the CPU only
// after the GPU decoded the measured frame and was slower).
enum class Runs { kCpu, kGpu, kMeasured };

struct EngineInstance {
  std::unique_ptr<Engine> engine;
  gpu::HeadlessContext* context = nullptr;  // the context of its GL objects; null: the test's
};

struct EngineKind {
  const char* name;
  Runs runs;
  EngineInstance (*make)();
};

// The engine's name in gtest's messages (instead of the struct's bytes).
inline void PrintTo(const EngineKind& k, std::ostream* os) {
  *os << k.name;
}

inline EngineInstance make_cpu() {
  return {std::make_unique<CpuEngine>(), nullptr};  // all hardware threads
}
inline EngineInstance make_cpu_one_thread() {
  return {std::make_unique<CpuEngine>(1), nullptr};
}
inline EngineInstance make_gl(gpu::Placement p) {
  gl_context();
  return {std::make_unique<gpu::GlEngine>(p), nullptr};
}
inline EngineInstance make_gl_in_place() {
  return make_gl(gpu::Placement::kInPlace);
}
inline EngineInstance make_gl_device_copy() {
  return make_gl(gpu::Placement::kDeviceCopy);
}
// The GPU engine select_engine hands out: the GL engine on its own headless context, falling
// back to the CPU when the GPU fails.
inline EngineInstance make_fallback() {
  gl_context();
  EngineChoice c = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, /*quiet=*/true);
  auto* fb = dynamic_cast<FallbackEngine*>(c.engine.get());
  if (!fb || c.engine->kind() != Backend::kGpu)
    throw std::runtime_error("select_engine(kGpu) gave no GPU engine: " + c.reason);
  gpu::HeadlessContext* ctx = fb->headless_context();
  return {std::move(c.engine), ctx};
}
// Backend::kAuto as select_engine builds it on a hardware GPU: the fallback engine and the CPU
// engine, the faster one by measurement.
inline EngineInstance make_auto() {
  EngineInstance gpu = make_fallback();
  return {std::make_unique<AutoEngine>(std::move(gpu.engine), std::make_unique<CpuEngine>(),
                                       /*quiet=*/true),
          gpu.context};
}

inline const EngineKind kEngineKinds[] = {
    {"Cpu", Runs::kCpu, make_cpu},
    {"CpuOneThread", Runs::kCpu, make_cpu_one_thread},
    {"GlInPlace", Runs::kGpu, make_gl_in_place},
    {"GlDeviceCopy", Runs::kGpu, make_gl_device_copy},
    {"Fallback", Runs::kGpu, make_fallback},
    {"Auto", Runs::kMeasured, make_auto},
};

// One engine of each kind for the whole binary (engines made per case would compile their
// shaders and make their contexts again), released before the test context goes.
inline std::map<std::string, EngineInstance>& shared_engines() {
  static std::map<std::string, EngineInstance> m;
  return m;
}

// The tolerances of the backend that decoded a frame against the reference.
struct BackendTolerance {
  Tolerance keypoint;               // sizes, strides, stacks, slots
  double softmax_rel, softmax_abs;  // each softmax value
};
inline constexpr BackendTolerance kCpuTol{{1e-4, 1e-5, 1e-12}, 1e-6, 1e-9};
inline constexpr BackendTolerance kGpuTol{{1e-3, 1e-4, 1e-9}, 1e-5, 1e-7};
inline const BackendTolerance& tolerance_of(const DecodedFrame& f) {
  return f.backend() == Backend::kGpu ? kGpuTol : kCpuTol;
}

// Expects `f`, just decoded by `e` of kind `kind`, decoded where the engine promises.
inline void expect_promised_backend(const EngineKind& kind, const Engine& e, const DecodedFrame& f,
                                    const std::string& what) {
  switch (kind.runs) {
    case Runs::kCpu:
      EXPECT_EQ(f.backend(), Backend::kCpu) << what;
      break;
    case Runs::kGpu:
      EXPECT_EQ(f.backend(), Backend::kGpu)
          << what << ": the CPU decoded it: " << f.fallback_reason();
      EXPECT_TRUE(f.fallback_reason().empty()) << what << ": " << f.fallback_reason();
      break;
    case Runs::kMeasured:
      EXPECT_EQ(f.backend(), e.kind()) << what;
      if (f.backend() == Backend::kCpu) {  // chosen by a measurement in which the GPU ran
        EXPECT_EQ(f.fallback_reason().rfind("auto: GPU ", 0), 0u)
            << what << ": " << f.fallback_reason();
      }
      break;
  }
}

// Expects the frame's keypoints, shape and options to be `v`'s under `o`, within the backend's
// tolerance of the reference.
inline void expect_reference(const DecodedFrame& f, const HeatmapView& v, const DecodeOptions& o,
                             const std::string& what) {
  EXPECT_EQ(f.shape(), FrameShape::of(v)) << what;
  EXPECT_EQ(f.options().beta, o.beta) << what;
  EXPECT_EQ(f.options().normalize, o.normalize) << what;
  const std::vector<Keypoint>& want = ref_keypoints(v, o);
  ASSERT_EQ(f.keypoints().size(), want.size()) << what;
  for (std::size_t c = 0; c < want.size(); ++c)
    expect_keypoint_near(f.keypoints()[c], want[c], tolerance_of(f).keypoint,
                         what + " channel " + std::to_string(c) + " beta " +
                             std::to_string(o.beta) + (o.normalize ? " normalised" : ""));
}

// An r32f texture of `ctx` (null: the test context) read back, w x h floats.
inline std::vector<float> read_texture(gpu::HeadlessContext* ctx, std::uint32_t tex, int w, int h) {
  std::vector<float> px(static_cast<std::size_t>(w) * h);
  auto read = [&] {
    glBindTexture(GL_TEXTURE_2D, tex);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RED, GL_FLOAT, px.data());
  };
  if (ctx) {
    gpu::HeadlessContext::Bind bind(*ctx);
    read();
  } else {
    gl_context();
    read();
  }
  return px;
}

// The softmax map as the frame holds it: host memory on the CPU, a texture on the GPU.
inline std::vector<double> softmax_values(const EngineInstance& e, const DecodedFrame& f,
                                          const SoftmaxImage& img) {
  if (f.backend() == Backend::kGpu) {
    EXPECT_EQ(img.cpu, nullptr);
    EXPECT_NE(img.gl_texture, 0u);
    const std::vector<float> px = read_texture(e.context, img.gl_texture, img.width, img.height);
    return {px.begin(), px.end()};
  }
  EXPECT_EQ(img.gl_texture, 0u);
  if (!img.cpu) {
    ADD_FAILURE() << "a CPU frame's softmax map has no host memory";
    return std::vector<double>(static_cast<std::size_t>(img.width) * img.height, -1.0);
  }
  return {img.cpu, img.cpu + static_cast<std::size_t>(img.width) * img.height};
}

// ---- The decoding lab against the references

inline bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

inline void expect_point_near(const DecodedPoint& a, const DecodedPoint& b, double tol) {
  EXPECT_EQ(a.valid, b.valid);
  EXPECT_NEAR(a.x, b.x, tol);
  EXPECT_NEAR(a.y, b.y, tol);
}

inline const std::vector<double> kGridBetas = {1e-30, 1e-3, 0.5, 1, 10, 100, 1e6, 1e30};
inline const std::vector<DecoderKind> kKinds(std::begin(kAllDecoders), std::end(kAllDecoders));

// Everything the lab computes on frame `f` (decoded from `map` under `opt`) against the
// references: the windows are the map's values, the blurred maximum the reference blur's,
// the grid a reference decode and debiased soft-argmax at each beta, every decoder (from the
// frame's queries, and from its keypoints on the host map) the reference decoder's.
inline void check_lab(const DecodedFrame& f, const HeatmapView& map, const DecodeOptions& opt,
                      const std::string& what, const DecoderParams& params = {}) {
  SCOPED_TRACE(what);
  const Reference reference(map);
  const std::vector<Keypoint>& ref = reference.keypoints(opt);
  ASSERT_EQ(f.keypoints().size(), ref.size());

  for (int r : {0, 1, 3, 7}) {
    const std::vector<PeakWindow> w = f.windows(r);
    ASSERT_EQ(w.size(), ref.size());
    for (int c = 0; c < map.channels; ++c) {
      SCOPED_TRACE("window r " + std::to_string(r) + " channel " + std::to_string(c));
      EXPECT_EQ(w[c].radius, r);
      EXPECT_EQ(w[c].map_width, map.width);
      EXPECT_EQ(w[c].map_height, map.height);
      if (!ref[c].valid) {
        EXPECT_TRUE(w[c].values.empty());
        continue;
      }
      ASSERT_EQ(w[c].values.size(), static_cast<std::size_t>(w[c].size() * w[c].size()));
      ASSERT_EQ(w[c].cx, ref[c].argmax_x);
      ASSERT_EQ(w[c].cy, ref[c].argmax_y);
      EXPECT_TRUE(same_value(w[c].peak, map.at(c, w[c].cy, w[c].cx))) << w[c].peak;
      for (int y = w[c].cy - r; y <= w[c].cy + r; ++y)
        for (int x = w[c].cx - r; x <= w[c].cx + r; ++x)
          if (w[c].inside(x, y)) {
            EXPECT_TRUE(same_value(w[c].at(x, y), map.at(c, y, x)))
                << x << "," << y << ": " << w[c].at(x, y) << " vs " << map.at(c, y, x);
          }
    }
  }

  for (int c = 0; c < map.channels; ++c)
    for (int k : {1, 3, 11}) {
      const double want = reference.blurred_max(c, k);
      // Relative, so that maps of tiny values are held to it too.
      EXPECT_NEAR(f.blurred_max(c, k), want, 1e-9 * std::abs(want))
          << "channel " << c << " kernel " << k;
    }

  const auto lab = decode_lab(f, kKinds, params);
  ASSERT_EQ(lab.size(), ref.size());
  for (int c = 0; c < map.channels; ++c)
    for (std::size_t i = 0; i < kKinds.size(); ++i) {
      SCOPED_TRACE(std::string(decoder_name(kKinds[i])) + " channel " + std::to_string(c));
      const DecodedPoint want = reference.decoder(kKinds[i], c, opt, params);
      expect_point_near(lab[c][i], want, 1e-3);
      // The host decoders started from this engine's keypoints.
      expect_point_near(decode_with(kKinds[i], map, c, f.keypoints()[c], opt, params), want, 1e-3);
    }

  for (bool norm : {true, false}) {
    const BetaGrid g = f.beta_grid(kGridBetas, norm, true);
    EXPECT_EQ(g.betas, kGridBetas);
    EXPECT_EQ(g.normalize, norm);
    ASSERT_EQ(g.keypoints.size(), kGridBetas.size());
    ASSERT_EQ(g.debiased.size(), kGridBetas.size());
    for (std::size_t j = 0; j < kGridBetas.size(); ++j) {
      const DecodeOptions o{kGridBetas[j], norm};
      const std::vector<Keypoint>& want = reference.keypoints(o);
      ASSERT_EQ(g.keypoints[j].size(), want.size());
      ASSERT_EQ(g.debiased[j].size(), want.size());
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
        expect_point_near(g.debiased[j][c], reference.decoder(DecoderKind::kDebiased, c, o), 1e-3);
      }
    }
    // Without debiased: the same keypoints, no debiased rows.
    const BetaGrid plain = f.beta_grid({kGridBetas[3]}, norm, false);
    EXPECT_TRUE(plain.debiased.empty());
    ASSERT_EQ(plain.keypoints.size(), 1u);
    for (int c = 0; c < map.channels; ++c) {
      EXPECT_EQ(plain.keypoints[0][c].soft_x, g.keypoints[3][c].soft_x);
      EXPECT_EQ(plain.keypoints[0][c].soft_y, g.keypoints[3][c].soft_y);
    }
  }
  EXPECT_TRUE(f.beta_grid({}, true, true).keypoints.empty());
}

}  // namespace peakscope::testing
