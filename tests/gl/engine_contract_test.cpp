// The engine contract: one suite, run on every engine of kEngineKinds (the
// CPU engine on all threads and on one, the GL engine reading host frames in place and copying
// them to device memory, the fallback engine select_engine(kGpu) hands out, and the auto
// engine over it and a CPU engine). Every case holds each engine to the double-precision
// references (core/reference.hpp, core/lab/reference_decoders.hpp; never an engine as its own
// oracle) on the same frames: sizes, strides, stacks, element types, betas, NaN and Inf, bad
// input, softmax maps and values textures, frames written into acquired slots, the synthetic
// scene, the lab's windows, blurred maximum and beta grid, and the lifetime of decoded frames
// and slots. An engine that promises the GPU must have decoded every frame it is checked on
// there: a CPU fallback fails the case. Tolerances are those of the backend that decoded the
// frame (engine_contract.hpp). What only the GPU has (placements, its limits, numerics at
// extreme sizes, streaming, contexts and threads) stays in the other gl/ files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/lab/lab.hpp"
#include "core/scene_frame.hpp"
#include "engine_contract.hpp"
#include "tests/support/differential.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

using testing::check_lab;
using testing::EngineInstance;
using testing::EngineKind;
using testing::expect_point_near;
using testing::kKinds;
using testing::Runs;

// How many frames each engine decoded on the GPU and on the CPU in the cases (the auto
// engine's share says what its measurements chose on this machine).
std::map<std::string, std::pair<int, int>>& backend_counts() {
  static std::map<std::string, std::pair<int, int>> m;
  return m;
}

class ReleaseSharedEngines : public ::testing::Environment {
 public:
  void TearDown() override {
    for (const auto& [name, n] : backend_counts())
      std::printf("engine contract: %s decoded %d frames on the GPU, %d on the CPU\n", name.c_str(),
                  n.first, n.second);
    if (testing::shared_engines().empty()) return;
    testing::gl_context();
    testing::shared_engines().clear();
  }
};
::testing::Environment* const kReleaseSharedEngines =
    ::testing::AddGlobalTestEnvironment(new ReleaseSharedEngines);

class ContractTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  // This kind's engine shared by the binary, with the test context current.
  EngineInstance& instance() {
    testing::gl_context();
    auto& m = testing::shared_engines();
    auto it = m.find(GetParam().name);
    if (it == m.end()) it = m.emplace(GetParam().name, GetParam().make()).first;
    return it->second;
  }
  Engine& engine() { return *instance().engine; }
  // A new engine of this kind, for the cases that destroy it.
  EngineInstance fresh() {
    testing::gl_context();
    return GetParam().make();
  }

  void expect_backend(const DecodedFrame& f, const std::string& what) {
    testing::expect_promised_backend(GetParam(), engine(), f, what);
    auto& n = backend_counts()[GetParam().name];
    ++(f.backend() == Backend::kGpu ? n.first : n.second);
  }
  // Decodes the host frame `v` and holds the result to the reference.
  DecodedFrame expect_decodes(const HeatmapView& v, const DecodeOptions& o,
                              const std::string& what) {
    DecodedFrame f = engine().decode(v, o);
    expect_backend(f, what);
    testing::expect_reference(f, v, o, what);
    return f;
  }
};

const DecodeOptions kOpt{20, true};

// ---------------------------------------------------------------------------------------
// Keypoints against the reference
// ---------------------------------------------------------------------------------------

TEST_P(ContractTest, SeedToyExample) {
  const DecodedFrame f = expect_decodes(HeatmapView::dense(kToyArray, 4, 4), {10.0, false}, "toy");
  EXPECT_EQ(f.keypoints()[0].argmax_x, 3);
  EXPECT_EQ(f.keypoints()[0].argmax_y, 0);
  EXPECT_NEAR(f.keypoints()[0].soft_x, 3.0, 1e-6);
  EXPECT_NEAR(f.keypoints()[0].soft_y, 0.0, 1e-6);
}

// normalise divides by the largest finite value only when it is > 0: a channel whose maximum
// is 0 or negative is decoded with beta on its raw values (never beta / |max|), as the
// reference states the rule and a closed form gives it. The GPU applies the rule in its shader.
TEST_P(ContractTest, NormaliseLeavesAZeroOrNegativeMaximumAlone) {
  for (float m : {-300.0f, -2.0f, -0.5f, 0.0f, 2.0f})
    for (double beta : {0.5, 3.0}) {
      // [m, m - 1, m - 3]: weights 1, e^-b, e^-3b with b = beta (beta / m when m > 0).
      const float d[3] = {m, m - 1.0f, m - 3.0f};
      const HeatmapView v = HeatmapView::dense(d, 3, 1);
      const double b = m > 0 ? beta / m : beta;
      const double e1 = std::exp(-b), e3 = std::exp(-3 * b);
      const std::string what = "max " + std::to_string(m) + " beta " + std::to_string(beta);
      const DecodedFrame f = expect_decodes(v, {beta, true}, what);
      EXPECT_NEAR(f.keypoints()[0].soft_x, (e1 + 2 * e3) / (1 + e1 + e3), 1e-4) << what;
      EXPECT_NEAR(f.keypoints()[0].peak_probability, 1 / (1 + e1 + e3), 1e-5) << what;
    }
}

// Every size class (single pixels, rows, columns, widths that are and are not multiples of
// 4 and 16), float32 and uint8, random, Gaussian and multi-peak maps, beta from 1e-3 to 1e4,
// normalised or not.
TEST_P(ContractTest, SizeClasses) {
  for (int w : {1, 7, 48, 255, 256, 1023})
    for (int h : {1, 5, 7, 64})
      for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
        const std::string name = std::to_string(w) + "x" + std::to_string(h) + " " + elem_name(t);
        const Heatmap rnd = testing::random_map(w, h, 1, t, w * 31 + h);
        const Heatmap gau =
            testing::gaussian_map(w, h, w * 0.37, h * 0.61, std::max(2.0, w / 9.0), t);
        const Heatmap multi = testing::multi_peak_map(w, h, t, w + h);
        for (double beta : {1e-3, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4})
          for (bool norm : {false, true}) {
            expect_decodes(rnd.view(), {beta, norm}, "random " + name);
            expect_decodes(gau.view(), {beta, norm}, "gaussian " + name);
            expect_decodes(multi.view(), {beta, norm}, "multi-peak " + name);
          }
      }
}

// Tall frames: columns of 767 rows, and widths that split into several workgroups or tasks
// (the CPU engine's own test, tests/unit/cpu_engine_test.cpp, takes them to every beta).
TEST_P(ContractTest, TallSizeClasses) {
  for (int w : {1, 7, 48, 255, 256, 1023})
    for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
      const std::string name = std::to_string(w) + "x767 " + elem_name(t);
      const Heatmap rnd = testing::random_map(w, 767, 1, t, w + 7 * 767);
      const Heatmap multi = testing::multi_peak_map(w, 767, t, w * 767);
      for (double beta : {1e-3, 1.0, 100.0, 1e4})
        for (bool norm : {false, true}) {
          expect_decodes(rnd.view(), {beta, norm}, "random " + name);
          expect_decodes(multi.view(), {beta, norm}, "multi-peak " + name);
        }
    }
}

TEST_P(ContractTest, Stacks17And64Channels) {
  for (int k : {17, 64}) {
    SceneConfig cfg;
    cfg.width = 48;
    cfg.height = 64;
    cfg.subjects = k;
    cfg.fwhm = 4;
    for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
      const Heatmap st = Scene(cfg).render_per_subject(t);
      for (double beta : {1e-3, 1.0, 100.0, 1e4})
        for (bool norm : {false, true})
          expect_decodes(st.view(), {beta, norm}, std::to_string(k) + " channels " + elem_name(t));
    }
  }
}

// Views over larger buffers: padded rows and planes, whose padding no engine may read.
TEST_P(ContractTest, StridedViews) {
  const int w = 37, h = 29;
  const Heatmap src = testing::multi_peak_map(w, h, ElemType::kFloat32, 4);
  for (auto [stride, k, pad, beta] :
       {std::tuple{50, 3, -1000.0f, 20.0}, std::tuple{41, 2, 0.0f, 30.0},
        std::tuple{40, 2, std::numeric_limits<float>::quiet_NaN(), 5.0}}) {
    std::vector<float> buf(static_cast<std::size_t>(stride) * h * k, pad);
    for (int c = 0; c < k; ++c)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          buf[(c * h + y) * stride + x] = src.f32()[y * w + x] * (c + 1) + c;
    const HeatmapView v{
        buf.data(), ElemType::kFloat32, w, h, k, stride, static_cast<std::ptrdiff_t>(stride) * h};
    expect_decodes(v, {beta, false}, "stride " + std::to_string(stride));
    expect_decodes(v, {beta, true}, "stride " + std::to_string(stride));
  }
}

// core/decode.hpp's answers to NaN, +-Inf and huge magnitudes.
TEST_P(ContractTest, NonFinitePixels) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = INFINITY;
  const float a[6] = {nan, 1, 5, nan, 5, 2};
  const float clean[6] = {-inf, 1, 5, -inf, 5, 2};
  const Keypoint want = reference::decode(HeatmapView::dense(clean, 3, 2), 0, {2.0, false});
  const Keypoint ka =
      expect_decodes(HeatmapView::dense(a, 3, 2), {2.0, false}, "NaN").keypoints()[0];
  EXPECT_TRUE(ka.valid);
  EXPECT_EQ(ka.argmax_x, 2);
  EXPECT_EQ(ka.argmax_y, 0);
  EXPECT_NEAR(ka.soft_x, want.soft_x, 1e-6);
  EXPECT_NEAR(ka.soft_y, want.soft_y, 1e-6);

  const float b[6] = {1, inf, 3, 4, 5, inf};
  for (bool norm : {false, true}) {
    const Keypoint k =
        expect_decodes(HeatmapView::dense(b, 3, 2), {1.0, norm}, "+Inf").keypoints()[0];
    EXPECT_TRUE(k.valid);
    EXPECT_EQ(k.argmax_x, 1);
    EXPECT_EQ(k.argmax_y, 0);
    EXPECT_DOUBLE_EQ(k.soft_x, 1.5);
    EXPECT_DOUBLE_EQ(k.soft_y, 0.5);
    EXPECT_DOUBLE_EQ(k.peak_probability, 0.5);
  }

  const float c[6] = {nan, -inf, nan, nan, -inf, nan};
  for (auto [w, h, x, y] : {std::tuple{3, 2, 1.0, 0.5}, std::tuple{2, 2, 0.5, 0.5}}) {
    const Keypoint k =
        expect_decodes(HeatmapView::dense(c, w, h), {1.0, false}, "no valid pixel").keypoints()[0];
    EXPECT_FALSE(k.valid);
    EXPECT_DOUBLE_EQ(k.soft_x, x);
    EXPECT_DOUBLE_EQ(k.soft_y, y);
    EXPECT_EQ(k.peak_probability, 0.0);
  }

  const float d[8] = {3.4e38f, -3.4e38f, 1e-45f, -1e-45f, 0.f, 3.4e38f, -1e30f, 1e30f};
  for (double beta : {1e-3, 1.0, 1e4, 1e20, 1e30})
    for (bool norm : {false, true}) {
      const Keypoint k =
          expect_decodes(HeatmapView::dense(d, 4, 2), {beta, norm}, "huge").keypoints()[0];
      EXPECT_TRUE(std::isfinite(k.soft_x) && std::isfinite(k.soft_y)) << beta;
      EXPECT_TRUE(std::isfinite(k.peak_probability) && k.peak_probability > 0) << beta;
      EXPECT_GE(k.soft_x, 0);
      EXPECT_LE(k.soft_x, 3);
    }
}

// Invalid views and options are std::invalid_argument, never a fallback to the CPU; the bounds
// of the beta range are accepted.
TEST_P(ContractTest, RejectsBadInput) {
  Engine& e = engine();
  const float one = 1;
  for (auto [w, h, k] : {std::tuple{0, 4, 1}, {4, 0, 1}, {4, 4, 0}, {-1, 4, 1}}) {
    const HeatmapView v{&one, ElemType::kFloat32, w, h, k, std::max(w, 0), 16};
    EXPECT_THROW(e.decode(v, {1.0, false}), std::invalid_argument);
    EXPECT_THROW(e.acquire({ElemType::kFloat32, w, h, k}), std::invalid_argument);
  }
  EXPECT_THROW(e.decode(HeatmapView::dense(static_cast<const float*>(nullptr), 4, 4), {1.0, false}),
               std::invalid_argument);
  const float d16[16] = {};
  HeatmapView narrow = HeatmapView::dense(d16, 4, 4);
  narrow.row_stride = 3;
  EXPECT_THROW(e.decode(narrow, {1.0, false}), std::invalid_argument);

  const float d[4] = {1, 2, 3, 4};
  const HeatmapView v = HeatmapView::dense(d, 2, 2);
  for (double b : {0.0, -1.0, std::nan(""), std::numeric_limits<double>::infinity()})
    EXPECT_THROW(e.decode(v, {b, false}), std::invalid_argument) << b;
  try {
    e.decode(v, {-2.0, false});
    ADD_FAILURE() << "beta -2 accepted";
  } catch (const std::invalid_argument& err) {
    EXPECT_NE(std::string(err.what()).find("beta"), std::string::npos) << err.what();
  }
  for (double b : {kBetaMin * 0.999, kBetaMax * 1.001, 1e39, 1e-39, 1e300})
    EXPECT_THROW(e.decode(v, {b, true}), std::invalid_argument) << b;
  FrameSlot slot = e.acquire(FrameShape::of(v));
  copy_heatmap(v, slot.view());
  EXPECT_THROW(e.decode(std::move(slot), {-1.0, true}), std::invalid_argument);

  for (double b : {kBetaMin, kBetaMax})
    for (bool norm : {false, true}) {
      const DecodedFrame f = e.decode(v, {b, norm});
      expect_backend(f, "beta bound");
      // The CPU to 1e-9 px; the GPU, whose weights are floats, to its tolerance.
      const bool cpu = f.backend() == Backend::kCpu;
      const Keypoint r = reference::decode(v, 0, {b, norm});
      const Keypoint& c = f.keypoints()[0];
      EXPECT_NEAR(c.soft_x, r.soft_x, cpu ? 1e-9 : testing::kGpuTol.keypoint.px) << b;
      EXPECT_NEAR(c.soft_y, r.soft_y, cpu ? 1e-9 : testing::kGpuTol.keypoint.px) << b;
      EXPECT_NEAR(c.peak_probability, r.peak_probability,
                  cpu ? 1e-12 : testing::kGpuTol.keypoint.p_rel * r.peak_probability)
          << b;
    }
}

// The random cases of tests/support/differential.hpp (the space decode_fuzz explores): maps of
// many kinds and value scales, long rows, padded strides with NaN in the padding, 1-3
// channels, every accepted beta. Two families of seeds (formerly one per engine), each drawing
// its 12 bytes its own way; drawn once for every engine.
struct SeededCase {
  std::uint32_t seed, rng_seed;
  testing::DiffCase c;
};

testing::DiffCase draw_seeded(std::uint32_t rng_seed, int max_pixels) {
  std::mt19937 rng(rng_seed);
  std::vector<std::uint8_t> bytes(12);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return testing::draw_case(bytes.data(), bytes.size(), max_pixels);
}

const std::vector<SeededCase>& differential_cases() {
  static const std::vector<SeededCase> cases = [] {
    std::vector<SeededCase> v;
    v.reserve(566);
    for (std::uint32_t seed = 1; seed <= 400; ++seed)
      v.push_back({seed, seed, draw_seeded(seed, 1 << 15)});
    for (std::uint32_t seed = 1; seed <= 150; ++seed)
      v.push_back({seed, seed * 104729, draw_seeded(seed * 104729, 1 << 14)});
    // The long rows and tall columns at their full size (1000 to 70000 pixels by 1 to 3,
    // which the caps above halve): shapes 2 and 3 of draw_case under its own default cap, the
    // first four seeds of each that draw beyond 2^16 pixels.
    int wide = 0, tall = 0;
    for (std::uint32_t seed = 1; seed <= 4000 && (wide < 4 || tall < 4); ++seed) {
      std::mt19937 rng(seed * 7777);
      std::vector<std::uint8_t> bytes(12);
      for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
      bytes[1] = static_cast<std::uint8_t>(2 + seed % 2);
      int& n = seed % 2 ? tall : wide;
      if (n >= 4) continue;
      // The size does not depend on the map's kind: drawn first with the cheapest (random).
      std::vector<std::uint8_t> probe = bytes;
      probe[0] = static_cast<std::uint8_t>(probe[0] & ~7u);
      const testing::DiffCase size = testing::draw_case(probe.data(), probe.size());
      if (std::max(size.view.width, size.view.height) < (1 << 16)) continue;
      ++n;
      v.push_back({seed, seed * 7777, testing::draw_case(bytes.data(), bytes.size())});
    }
    return v;
  }();
  return cases;
}

// Tolerance 1e-3 px, 1e-6 relative peak probability, argmax exact.
TEST_P(ContractTest, DifferentialCases) {
  Engine& e = engine();
  int checked = 0, mismatches = 0;
  for (const SeededCase& s : differential_cases()) {
    const testing::DiffCase& c = s.c;
    const std::string what =
        "seed " + std::to_string(s.seed) + " (" + std::to_string(s.rng_seed) + "): " + c.describe();
    const DecodedFrame f = e.decode(c.view, c.opt);
    expect_backend(f, what);
    const std::vector<Keypoint>& want = testing::ref_keypoints(c.view, c.opt);
    for (int k = 0; k < c.view.channels; ++k, ++checked) {
      const std::string d = testing::keypoint_mismatch(f.keypoints()[k], want[k]);
      if (d.empty()) continue;
      ++mismatches;
      ADD_FAILURE() << what << " channel " << k << ": " << d;
    }
  }
  EXPECT_GT(checked, 550);
  EXPECT_EQ(mismatches, 0) << "of " << checked << " channels";
  // The sizes the cases promise were reached: rows and columns beyond 2^16 pixels.
  int widest = 0, tallest = 0;
  for (const SeededCase& s : differential_cases())
    widest = std::max(widest, s.c.view.width), tallest = std::max(tallest, s.c.view.height);
  EXPECT_GE(widest, 1 << 16);
  EXPECT_GE(tallest, 1 << 16);
}

TEST_P(ContractTest, DeterministicRepeats) {
  const Heatmap m = testing::random_map(640, 480, 3, ElemType::kFloat32, 4);
  const DecodedFrame a = expect_decodes(m.view(), {2.0, false}, "first");
  const DecodedFrame b = expect_decodes(m.view(), {2.0, false}, "second");
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(a.keypoints()[c].soft_x, b.keypoints()[c].soft_x);
    EXPECT_EQ(a.keypoints()[c].soft_y, b.keypoints()[c].soft_y);
    EXPECT_EQ(a.keypoints()[c].peak_probability, b.keypoints()[c].peak_probability);
  }
}

// ---------------------------------------------------------------------------------------
// Softmax maps and values textures
// ---------------------------------------------------------------------------------------

// Expects the softmax map of channel c of `f` (decoded from `v` under `o`) to be the
// reference's within the backend's tolerance and to sum to 1 (when the channel is valid).
void expect_softmax(const EngineInstance& e, const DecodedFrame& f, const HeatmapView& v, int c,
                    const DecodeOptions& o, const std::string& what) {
  SCOPED_TRACE(what + " channel " + std::to_string(c));
  const SoftmaxImage img = f.softmax(c);
  EXPECT_EQ(img.width, v.width);
  EXPECT_EQ(img.height, v.height);
  EXPECT_EQ(img.keypoint.soft_x, f.keypoints()[c].soft_x);
  EXPECT_EQ(img.keypoint.soft_y, f.keypoints()[c].soft_y);
  const std::vector<double> p = testing::softmax_values(e, f, img);
  const std::vector<double>& want = testing::Reference(v).softmax(c, o);
  ASSERT_EQ(p.size(), want.size());
  const testing::BackendTolerance& tol = testing::tolerance_of(f);
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    sum += p[i];
    ASSERT_NEAR(p[i], want[i], tol.softmax_rel * want[i] + tol.softmax_abs) << "pixel " << i;
  }
  if (f.keypoints()[c].valid) {
    EXPECT_NEAR(sum, 1.0, 1e-4);
  }
}

TEST_P(ContractTest, SoftmaxMaps) {
  EngineInstance& e = instance();
  for (auto [w, h, seed] : {std::tuple{97, 61, 5}, std::tuple{301, 203, 2}}) {
    const Heatmap m = testing::multi_peak_map(w, h, ElemType::kUInt8, seed);
    for (double beta : {1e-3, 1.0, 100.0}) {
      const DecodedFrame f = expect_decodes(m.view(), {beta, true}, "multi-peak");
      expect_softmax(e, f, m.view(), 0, {beta, true}, "multi-peak beta " + std::to_string(beta));
    }
  }
  const Heatmap st = testing::random_map(37, 21, 3, ElemType::kFloat32, 9);
  const DecodedFrame f = expect_decodes(st.view(), {10.0, true}, "stack");
  for (int c : {2, 0, 1}) expect_softmax(e, f, st.view(), c, {10.0, true}, "stack");
  // The differential cases: NaN, +-Inf, no valid pixel, denormal and huge values.
  for (std::uint32_t seed = 1000; seed < 1100; ++seed) {
    const testing::DiffCase c = draw_seeded(seed, 1 << 13);
    const DecodedFrame d = e.engine->decode(c.view, c.opt);
    expect_backend(d, c.describe());
    expect_softmax(e, d, c.view, 0, c.opt, "seed " + std::to_string(seed) + ": " + c.describe());
  }
}

// The frame's raw values as a texture of the engine's context (the viewer colours it without
// a second upload); a frame decoded on the CPU has none.
TEST_P(ContractTest, ValuesTextureHoldsTheFrameAsDecoded) {
  EngineInstance& e = instance();
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8})
    for (bool written : {false, true}) {
      SCOPED_TRACE(std::string(elem_name(t)) + (written ? " written into a slot" : " host frame"));
      const Heatmap m = testing::random_map(37, 21, 3, t, 9);
      DecodedFrame f;
      if (written) {
        FrameSlot slot = e.engine->acquire(FrameShape::of(m.view()));
        copy_heatmap(m.view(), slot.view());
        f = e.engine->decode(std::move(slot), {10.0, true});
      } else {
        f = e.engine->decode(m.view(), {10.0, true});
      }
      expect_backend(f, "values");
      const std::uint32_t tex = f.values_texture(2);
      if (f.backend() == Backend::kCpu) {
        EXPECT_EQ(tex, 0u);
        continue;
      }
      ASSERT_NE(tex, 0u);
      const std::vector<float> v = testing::read_texture(e.context, tex, 37, 21);
      for (int y = 0; y < 21; ++y)
        for (int x = 0; x < 37; ++x)
          ASSERT_EQ(v[y * 37 + x], m.view().at(2, y, x)) << x << "," << y;
    }
}

// ---------------------------------------------------------------------------------------
// Frames written into acquired slots, and the synthetic scene
// ---------------------------------------------------------------------------------------

// Acquire, write, decode: the keypoints decode() gives for the same frame, within the
// tolerance of the reference; the frame's queries refer to it.
TEST_P(ContractTest, FramesWrittenIntoAcquiredSlots) {
  Engine& e = engine();
  const DecodeOptions opts[] = {{25.0, true}, {3.0, false}};
  int seed = 1;
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8})
    for (auto [w, h, k] : {std::tuple{37, 29, 3}, std::tuple{1023, 767, 1}, std::tuple{64, 48, 17}})
      for (const DecodeOptions& o : opts) {
        const Heatmap m = k == 1 ? testing::multi_peak_map(w, h, t, seed++)
                                 : testing::random_map(w, h, k, t, seed++);
        const std::string name = std::string(elem_name(t)) + " " + std::to_string(k) + "x" +
                                 std::to_string(h) + "x" + std::to_string(w);
        const FrameShape shape{t, w, h, k};
        FrameSlot slot = e.acquire(shape);
        EXPECT_EQ(slot.owner() != nullptr, true);
        EXPECT_EQ(slot.shape(), shape);
        const MutableHeatmapView& mem = slot.view();
        ASSERT_EQ(mem.width, w);
        ASSERT_EQ(mem.height, h);
        ASSERT_EQ(mem.channels, k);
        ASSERT_EQ(mem.type, t);
        EXPECT_GE(mem.channel_stride, static_cast<std::ptrdiff_t>(w) * h);
        copy_heatmap(m.view(), mem);
        const DecodedFrame f = e.decode(std::move(slot), o);
        expect_backend(f, name);
        testing::expect_reference(f, m.view(), o, name);
        EXPECT_THROW(e.decode(std::move(slot), o), std::logic_error);  // one decode per acquire
        const SoftmaxImage img = f.softmax(0);                         // the written frame's
        EXPECT_EQ(img.width, w);
        EXPECT_EQ(img.keypoint.soft_x, f.keypoints()[0].soft_x);
        const std::vector<Keypoint> got = f.keypoints();
        const DecodedFrame again = e.decode(m.view(), o);
        expect_backend(again, name + " host frame");
        ASSERT_EQ(again.keypoints().size(), got.size());
        for (std::size_t c = 0; c < got.size(); ++c) {  // bit for bit
          SCOPED_TRACE(name + " against decode, channel " + std::to_string(c));
          EXPECT_EQ(got[c].argmax_x, again.keypoints()[c].argmax_x);
          EXPECT_EQ(got[c].argmax_y, again.keypoints()[c].argmax_y);
          EXPECT_EQ(got[c].soft_x, again.keypoints()[c].soft_x);
          EXPECT_EQ(got[c].soft_y, again.keypoints()[c].soft_y);
          EXPECT_EQ(got[c].peak_probability, again.keypoints()[c].peak_probability);
        }
      }
}

// The synthetic scene as a frame that writes itself (SceneFrame): an engine that can make it
// (the GPU renders it in device memory) says so, and decodes it on the GPU; the keypoints are
// the reference's on the CPU's rendering (the GPU's uint8 values may be one count apart at a
// rounding tie: soft-argmax compared), and written into a slot it decodes as the host frame.
TEST_P(ContractTest, SceneFrames) {
  Engine& e = engine();
  SceneConfig cfg;
  cfg.width = 131;
  cfg.height = 77;
  cfg.subjects = 6;
  cfg.fwhm = 11;
  const Scene scene(cfg);
  const DecodeOptions o{50.0, true};
  for (bool per_subject : {true, false})
    for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
      const std::string name = std::string(per_subject ? "per subject " : "sum ") + elem_name(t);
      const SceneFrame source(scene, per_subject, t);
      const Heatmap cpu = per_subject ? scene.render_per_subject(t) : scene.render(t);
      const DecodedFrame f = e.decode(source, o);
      expect_backend(f, name);
      EXPECT_EQ(f.made_by_engine(), e.makes_itself(source)) << name;
      if (f.made_by_engine()) {
        EXPECT_EQ(f.backend(), Backend::kGpu) << name;
      }
      if (GetParam().runs != Runs::kCpu) {
        EXPECT_TRUE(f.made_by_engine()) << name;
      }
      EXPECT_EQ(f.shape(), source.shape());
      const std::vector<Keypoint>& want = testing::ref_keypoints(cpu.view(), o);
      ASSERT_EQ(f.keypoints().size(), want.size());
      for (std::size_t c = 0; c < want.size(); ++c) {
        EXPECT_NEAR(f.keypoints()[c].soft_x, want[c].soft_x, 1e-3) << name << " c " << c;
        EXPECT_NEAR(f.keypoints()[c].soft_y, want[c].soft_y, 1e-3) << name << " c " << c;
      }
      FrameSlot slot = e.acquire(source.shape());
      source.write(slot.view());
      const DecodedFrame written_frame = e.decode(std::move(slot), o);
      expect_backend(written_frame, name + " written into a slot");
      const std::vector<Keypoint> written = written_frame.keypoints();
      const DecodedFrame host = e.decode(cpu.view(), o);
      expect_backend(host, name + " host frame");
      testing::expect_reference(host, cpu.view(), o, name);
      for (std::size_t c = 0; c < want.size(); ++c) {
        EXPECT_EQ(written[c].soft_x, host.keypoints()[c].soft_x) << name << " c " << c;
        EXPECT_EQ(written[c].soft_y, host.keypoints()[c].soft_y) << name << " c " << c;
      }
    }
}

// ---------------------------------------------------------------------------------------
// The decoding lab: windows, blurred maximum, beta grid, every decoder
// ---------------------------------------------------------------------------------------

TEST_P(ContractTest, LabOnGaussiansAtSubPixelCentres) {
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
    for (double x0 : {20.37, 31.5}) {
      const Heatmap m = testing::gaussian_map(64, 48, x0, 23.81, 4.7, t);
      check_lab(expect_decodes(m.view(), kOpt, "gaussian"), m.view(), kOpt,
                std::string("gaussian ") + elem_name(t));
    }
    std::vector<Heatmap> tall;
    for (double x0 : {1.3, 20.6, 45.2})
      tall.push_back(testing::gaussian_map(48, 64, x0, 30.7, 4.7, t));
    const Heatmap m = testing::with_channels(tall);
    check_lab(expect_decodes(m.view(), kOpt, "gaussians"), m.view(), kOpt,
              std::string("3 gaussians 48x64 ") + elem_name(t));
  }
  const Heatmap u = testing::gaussian_map(64, 48, 17.2, 30.6, 4.7, ElemType::kUInt8);
  check_lab(expect_decodes(u.view(), {0.1, false}, "uint8"), u.view(), {0.1, false},
            "uint8, raw beta 0.1");
}

TEST_P(ContractTest, LabAtAndNextToTheBorder) {
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
    std::vector<Heatmap> planes;
    for (double x0 : {0.0, 0.4, 1.2, 62.8, 63.0})
      for (double y0 : {0.0, 1.4, 46.7, 46.8})
        planes.push_back(testing::gaussian_map(64, 48, x0, y0, 4.0, t));
    const Heatmap m = testing::with_channels(planes);
    check_lab(expect_decodes(m.view(), kOpt, "border"), m.view(), kOpt,
              std::string("20 border positions ") + elem_name(t));
  }
  const Heatmap odd = testing::gaussian_map(37, 5, 20.4, 2.2, 3.0, ElemType::kFloat32);
  check_lab(expect_decodes(odd.view(), {10, true}, "37x5"), odd.view(), {10, true}, "37x5");
}

TEST_P(ContractTest, LabOnStacks) {
  const Heatmap r8 = testing::random_map(40, 30, 4, ElemType::kUInt8, 9);
  check_lab(expect_decodes(r8.view(), {2, true}, "stack"), r8.view(), {2, true},
            "random uint8 stack");
  const Heatmap rf = testing::random_map(33, 21, 3, ElemType::kFloat32, 4);
  check_lab(expect_decodes(rf.view(), {30, false}, "stack"), rf.view(), {30, false},
            "random float stack");
  DecoderParams p;
  p.dark_kernel = 7;
  p.window_radius = 5;
  p.window_beta = 3;
  p.centroid_size = 5;
  p.mediapipe_size = 9;
  check_lab(expect_decodes(rf.view(), {30, false}, "stack"), rf.view(), {30, false},
            "random float stack, other params", p);
  std::vector<Heatmap> planes;
  for (int c = 0; c < 5; ++c)
    planes.push_back(
        testing::gaussian_map(48, 40, 5.3 + 8.1 * c, 30.2 - 4.4 * c, 3.5, ElemType::kFloat32));
  const Heatmap five = testing::with_channels(planes);
  check_lab(expect_decodes(five.view(), {100, true}, "5 gaussians"), five.view(), {100, true},
            "5 gaussians");
  const Heatmap mp = testing::multi_peak_map(64, 48, ElemType::kFloat32, 5);
  check_lab(expect_decodes(mp.view(), {100, true}, "multi-peak"), mp.view(), {100, true},
            "multi-peak");
  const Heatmap mq = testing::multi_peak_map(48, 40, ElemType::kFloat32, 3);
  check_lab(expect_decodes(mq.view(), {10, true}, "multi-peak"), mq.view(), {10, true},
            "multi-peak 48x40");
}

TEST_P(ContractTest, LabOnFlatAllNanAndNonFinitePixels) {
  Heatmap flat(20, 10, 1, ElemType::kFloat32);
  for (int i = 0; i < 200; ++i) flat.f32()[i] = 0.25f;
  Heatmap zero(20, 10, 1, ElemType::kFloat32);
  Heatmap nan(20, 10, 1, ElemType::kFloat32);
  for (int i = 0; i < 200; ++i) nan.f32()[i] = NAN;
  Heatmap g = testing::gaussian_map(20, 10, 9.3, 4.6, 3.0, ElemType::kFloat32);
  const Heatmap four = testing::with_channels({flat, zero, nan, g});
  check_lab(expect_decodes(four.view(), {10, true}, "four"), four.view(), {10, true},
            "flat, zero, NaN, gaussian");

  Heatmap holes = testing::gaussian_map(32, 24, 15.4, 11.2, 4.7, ElemType::kFloat32);
  holes.f32()[11 * 32 + 16] = NAN;
  holes.f32()[3] = -INFINITY;
  holes.f32()[40] = std::numeric_limits<float>::denorm_min();
  check_lab(expect_decodes(holes.view(), {10, false}, "holes"), holes.view(), {10, false},
            "NaN beside the peak, -Inf, a denormal");

  Heatmap beside = testing::gaussian_map(32, 24, 15.4, 11.2, 4.7, ElemType::kFloat32);
  beside.f32()[11 * 32 + 16] = NAN;
  beside.f32()[3] = -INFINITY;
  check_lab(expect_decodes(beside.view(), {10, false}, "beside"), beside.view(), {10, false},
            "NaN beside the peak, -Inf");

  Heatmap inf = testing::gaussian_map(32, 24, 15.4, 11.2, 4.7, ElemType::kFloat32);
  inf.f32()[5 * 32 + 7] = INFINITY;
  inf.f32()[20 * 32 + 30] = INFINITY;
  check_lab(expect_decodes(inf.view(), {10, true}, "inf"), inf.view(), {10, true},
            "two +Inf pixels");

  Heatmap neg = testing::gaussian_map(32, 24, 10.6, 8.1, 4.7, ElemType::kFloat32);
  for (int i = 0; i < 32 * 24; ++i) neg.f32()[i] = neg.f32()[i] * 2 - 1.5f;  // max 0.5
  check_lab(expect_decodes(neg.view(), kOpt, "neg"), neg.view(), kOpt, "negative background");

  Heatmap below = testing::gaussian_map(32, 24, 19.2, 6.7, 4.7, ElemType::kFloat32);
  for (int i = 0; i < 32 * 24; ++i) below.f32()[i] = below.f32()[i] * 1.5f - 2.0f;  // max -0.5
  Heatmap at_zero = testing::gaussian_map(32, 24, 8.8, 15.1, 4.7, ElemType::kFloat32);
  for (int i = 0; i < 32 * 24; ++i) at_zero.f32()[i] -= 1.0f;  // max 0
  const Heatmap maxima = testing::with_channels({below, at_zero});
  check_lab(expect_decodes(maxima.view(), kOpt, "maxima"), maxima.view(), kOpt, "negative maxima");

  Heatmap tiny = testing::gaussian_map(32, 24, 12.3, 9.9, 4.7, ElemType::kFloat32);
  for (int i = 0; i < 32 * 24; ++i) tiny.f32()[i] *= 1e-30f;  // normalise below 2^-64
  check_lab(expect_decodes(tiny.view(), kOpt, "tiny"), tiny.view(), kOpt, "max 1e-30");
}

// DARK's blurred maximum of maps whose values are denormal or near the float minimum.
TEST_P(ContractTest, BlurredMaxOfTinyMaps) {
  for (double scale : {1e-30, 1e-40, 1e-43}) {
    const Heatmap g = testing::gaussian_map(37, 29, 17.3, 12.6, 6.0, ElemType::kFloat32);
    std::vector<float> v(g.f32(), g.f32() + 37 * 29);
    for (float& x : v) x = static_cast<float>(x * scale);
    const HeatmapView map = HeatmapView::dense(v.data(), 37, 29, 1);
    const DecodedFrame f = expect_decodes(map, {10, true}, "tiny");
    for (int k : {3, 11, 101}) {
      const double want = testing::ref_blurred_max(map, 0, k);
      EXPECT_NEAR(f.blurred_max(0, k), want, 1e-9 * want) << "scale " << scale << " kernel " << k;
    }
  }
}

// The scene made by the engine (on the GPU, never on the host) through the lab.
TEST_P(ContractTest, LabOnSceneFrames) {
  SceneConfig cfg;
  cfg.width = 96;
  cfg.height = 64;
  cfg.subjects = 3;
  cfg.seed = 11;
  const Scene scene(cfg);
  const DecodeOptions opt{40, true};
  const Heatmap frame = scene.render_per_subject(ElemType::kFloat32);
  const DecodedFrame f = engine().decode(SceneFrame(scene, true, ElemType::kFloat32), opt);
  expect_backend(f, "scene");
  const testing::Reference reference(frame.view());
  const auto lab = decode_lab(f, kKinds, {});
  ASSERT_EQ(lab.size(), 3u);
  for (int c = 0; c < 3; ++c)
    for (std::size_t i = 0; i < kKinds.size(); ++i) {
      SCOPED_TRACE(std::string(decoder_name(kKinds[i])) + " subject " + std::to_string(c));
      expect_point_near(lab[c][i], reference.decoder(kKinds[i], c, opt), 1e-3);
    }
}

TEST_P(ContractTest, BadQueryArgumentsThrow) {
  const Heatmap m = testing::gaussian_map(16, 12, 7.2, 5.1, 3.0, ElemType::kFloat32);
  const DecodedFrame f = expect_decodes(m.view(), {10, true}, "16x12");
  EXPECT_THROW(f.windows(-1), std::invalid_argument);
  EXPECT_THROW(f.windows(65), std::invalid_argument);
  EXPECT_THROW(f.blurred_max(0, 4), std::invalid_argument);
  EXPECT_THROW(f.blurred_max(0, 103), std::invalid_argument);
  EXPECT_THROW(f.blurred_max(1, 11), std::out_of_range);
  EXPECT_THROW(f.softmax(1), std::out_of_range);
  EXPECT_THROW(f.softmax(-1), std::out_of_range);
  EXPECT_THROW(f.values_texture(1), std::out_of_range);
  EXPECT_THROW(f.beta_grid({1.0, 0.0}, true, false), std::invalid_argument);
  EXPECT_THROW(f.beta_grid({NAN}, true, true), std::invalid_argument);
  EXPECT_THROW(decode_lab(f, kKinds, DecoderParams{.dark_kernel = 4}), std::invalid_argument);
  // The frame still answers.
  EXPECT_TRUE(f.current());
  EXPECT_EQ(f.windows(1).at(0).cx, 7);
}

// ---------------------------------------------------------------------------------------
// Lifetime: a decoded frame's queries answer until its engine acquires or decodes another
// frame, or is destroyed, and then throw std::logic_error (never another frame's data); its
// values stay. A slot is decoded once, by the engine that handed it out, before its next
// acquire.
// ---------------------------------------------------------------------------------------

// Every query of `f` throws std::logic_error.
void expect_stale(const DecodedFrame& f, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_FALSE(f.current());
  EXPECT_THROW(f.softmax(0), std::logic_error);
  EXPECT_THROW(f.values_texture(0), std::logic_error);
  EXPECT_THROW(f.windows(1), std::logic_error);
  EXPECT_THROW(f.blurred_max(0, 3), std::logic_error);
  EXPECT_THROW(f.beta_grid({1.0}, true, true), std::logic_error);
  EXPECT_THROW(decode_lab(f, kKinds, {}), std::logic_error);
}

// Expects `f` to be the current frame of `m` (a single Gaussian): its queries answer for it.
void expect_answers_for(const DecodedFrame& f, const Heatmap& m, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_TRUE(f.current());
  const Keypoint& want = testing::ref_keypoints(m.view(), f.options())[0];
  EXPECT_EQ(f.keypoints()[0].argmax_x, want.argmax_x);
  const std::vector<PeakWindow> w = f.windows(2);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].cx, want.argmax_x);
  EXPECT_EQ(w[0].cy, want.argmax_y);
  EXPECT_EQ(w[0].peak, want.argmax_value);
  EXPECT_EQ(f.softmax(0).keypoint.soft_x, f.keypoints()[0].soft_x);
  EXPECT_NEAR(f.beta_grid({f.options().beta}, f.options().normalize, false).keypoints[0][0].soft_x,
              want.soft_x, 1e-3);
  EXPECT_NEAR(f.blurred_max(0, 3), testing::ref_blurred_max(m.view(), 0, 3),
              1e-9 * testing::ref_blurred_max(m.view(), 0, 3));
}

struct TwoFrames {
  Heatmap a = testing::gaussian_map(40, 30, 10.3, 8.7, 3.0, ElemType::kFloat32);
  Heatmap b = testing::gaussian_map(40, 30, 29.6, 20.2, 3.0, ElemType::kFloat32);
};

TEST_P(ContractTest, FrameQueriesEndWithTheNextAcquire) {
  Engine& e = engine();
  const TwoFrames t;
  const DecodedFrame fa = e.decode(t.a.view(), kOpt);
  expect_backend(fa, "a");
  expect_answers_for(fa, t.a, "a");
  const std::vector<Keypoint> ka = fa.keypoints();
  FrameSlot slot = e.acquire(FrameShape::of(t.b.view()));
  expect_stale(fa, "a after the acquire");
  EXPECT_EQ(fa.keypoints()[0].soft_x, ka[0].soft_x);  // its values stay
  EXPECT_EQ(fa.shape(), FrameShape::of(t.a.view()));
  EXPECT_EQ(fa.options().beta, kOpt.beta);
  copy_heatmap(t.b.view(), slot.view());
  const DecodedFrame fb = e.decode(std::move(slot), kOpt);
  expect_backend(fb, "b");
  expect_answers_for(fb, t.b, "b");
  expect_stale(fa, "a after b's decode");
  // Another shape and type acquired: b goes too.
  const FrameSlot other = e.acquire({ElemType::kUInt8, 7, 5, 2});
  EXPECT_EQ(other.shape(), (FrameShape{ElemType::kUInt8, 7, 5, 2}));
  expect_stale(fb, "b after an acquire of another shape");
}

TEST_P(ContractTest, FrameQueriesEndWithTheNextDecode) {
  Engine& e = engine();
  const TwoFrames t;
  FrameSlot slot = e.acquire(FrameShape::of(t.a.view()));
  copy_heatmap(t.a.view(), slot.view());
  const DecodedFrame fa = e.decode(std::move(slot), kOpt);
  expect_backend(fa, "a from a slot");
  expect_answers_for(fa, t.a, "a from a slot");
  const DecodedFrame fb = e.decode(t.b.view(), kOpt);
  expect_backend(fb, "b from the host");
  expect_stale(fa, "a after b's decode");
  expect_answers_for(fb, t.b, "b from the host");
  EXPECT_EQ(fa.keypoints()[0].argmax_x, 10);
  // The same frame again is another frame too.
  const DecodedFrame fb2 = e.decode(t.b.view(), kOpt);
  expect_backend(fb2, "b again");
  expect_stale(fb, "b after b's decode again");
  expect_answers_for(fb2, t.b, "b again");
  // A frame that writes itself.
  SceneConfig cfg;
  cfg.width = 40;
  cfg.height = 30;
  cfg.subjects = 1;
  const Scene scene(cfg);
  const DecodedFrame fs = e.decode(SceneFrame(scene, true, ElemType::kFloat32), kOpt);
  expect_backend(fs, "the scene");
  expect_stale(fb2, "b after the scene's decode");
  EXPECT_TRUE(fs.current());
  const DecodedFrame fa2 = e.decode(t.a.view(), {5, false});
  expect_backend(fa2, "a with other options");
  expect_stale(fs, "the scene after a's decode");
  expect_answers_for(fa2, t.a, "a with other options");
}

TEST_P(ContractTest, FrameQueriesEndWithTheEngine) {
  const TwoFrames t;
  for (bool written : {false, true}) {
    SCOPED_TRACE(written ? "written into a slot" : "host frame");
    EngineInstance e = fresh();
    DecodedFrame f;
    if (written) {
      FrameSlot slot = e.engine->acquire(FrameShape::of(t.a.view()));
      copy_heatmap(t.a.view(), slot.view());
      f = e.engine->decode(std::move(slot), kOpt);
    } else {
      f = e.engine->decode(t.a.view(), kOpt);
    }
    testing::expect_promised_backend(GetParam(), *e.engine, f, "a");
    expect_answers_for(f, t.a, "a");
    const Backend b = f.backend();
    const std::vector<Keypoint> k = f.keypoints();
    e.engine.reset();
    expect_stale(f, "a after its engine went");
    EXPECT_EQ(f.backend(), b);
    EXPECT_EQ(f.keypoints()[0].soft_x, k[0].soft_x);
    EXPECT_EQ(f.shape(), FrameShape::of(t.a.view()));
  }
  EXPECT_TRUE(testing::gl_context().is_current());
}

TEST_P(ContractTest, NoFrameHasNoQueries) {
  const DecodedFrame none;
  expect_stale(none, "a default DecodedFrame");
  EXPECT_TRUE(none.keypoints().empty());
  DecodedFrame moved = engine().decode(HeatmapView::dense(kToyArray, 4, 4), kOpt);
  expect_backend(moved, "toy");
  ASSERT_TRUE(moved.current());
  const DecodedFrame taken = std::move(moved);
  EXPECT_TRUE(taken.current());
  EXPECT_EQ(taken.windows(0).at(0).cx, 3);
}

TEST_P(ContractTest, StaleAndForeignSlotsAreRefused) {
  Engine& e = engine();
  const TwoFrames t;
  const FrameShape shape = FrameShape::of(t.a.view());
  // A slot replaced by a later acquire.
  FrameSlot first = e.acquire(shape);
  copy_heatmap(t.a.view(), first.view());
  FrameSlot second = e.acquire(shape);
  copy_heatmap(t.b.view(), second.view());
  EXPECT_THROW(e.decode(std::move(first), kOpt), std::logic_error);
  const DecodedFrame fb = e.decode(std::move(second), kOpt);
  expect_backend(fb, "the later slot");
  testing::expect_reference(fb, t.b.view(), kOpt, "the later slot");
  expect_answers_for(fb, t.b, "the later slot");
  // A slot overtaken by the decode of a host frame (which goes through a slot of its own).
  FrameSlot overtaken = e.acquire(shape);
  copy_heatmap(t.a.view(), overtaken.view());
  const DecodedFrame host = e.decode(t.b.view(), kOpt);
  EXPECT_THROW(e.decode(std::move(overtaken), kOpt), std::logic_error);
  expect_answers_for(host, t.b, "the host frame after the refusal");
  // The same with a shape the engine has not decoded yet (the auto engine hands out a host
  // buffer of its own for the frame it measures on).
  const Heatmap unseen_map = testing::gaussian_map(23, 19, 11.2, 9.1, 2.0, ElemType::kFloat32);
  FrameSlot unseen = e.acquire(FrameShape::of(unseen_map.view()));
  copy_heatmap(unseen_map.view(), unseen.view());
  const DecodedFrame unseen_host = e.decode(unseen_map.view(), kOpt);
  EXPECT_THROW(e.decode(std::move(unseen), kOpt), std::logic_error);
  testing::expect_reference(unseen_host, unseen_map.view(), kOpt, "the unseen shape");
  // A slot decoded already, a slot of no engine, a slot of another engine.
  FrameSlot used = e.acquire(shape);
  copy_heatmap(t.a.view(), used.view());
  FrameSlot kept = std::move(used);
  e.decode(std::move(kept), kOpt);
  EXPECT_THROW(e.decode(std::move(kept), kOpt), std::logic_error);
  EXPECT_THROW(e.decode(FrameSlot{}, kOpt), std::logic_error);
  CpuEngine other(1);
  FrameSlot foreign = other.acquire(shape);
  copy_heatmap(t.a.view(), foreign.view());
  EXPECT_THROW(e.decode(std::move(foreign), kOpt), std::logic_error);
  // A slot of this kind's engine that is not this one.
  EngineInstance twin = fresh();
  FrameSlot theirs = twin.engine->acquire(shape);
  copy_heatmap(t.a.view(), theirs.view());
  testing::gl_context();
  EXPECT_THROW(e.decode(std::move(theirs), kOpt), std::logic_error);
  twin.engine.reset();
  // The engine still takes its own slots.
  FrameSlot mine = e.acquire(shape);
  copy_heatmap(t.a.view(), mine.view());
  const DecodedFrame fa = e.decode(std::move(mine), kOpt);
  expect_backend(fa, "after the refusals");
  expect_answers_for(fa, t.a, "after the refusals");
}

INSTANTIATE_TEST_SUITE_P(Engines, ContractTest, ::testing::ValuesIn(testing::kEngineKinds),
                         [](const ::testing::TestParamInfo<EngineKind>& i) {
                           return std::string(i.param.name);
                         });

}  // namespace
}  // namespace peakscope
