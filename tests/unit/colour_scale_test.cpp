// The one colour scale (core/colour_scale.hpp): its rule, its edges, and the GLSL half of it in
// shaders/heatmap_view.frag (the constants and the search it makes over the same edges).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/colour_scale.hpp"
#include "shaders/shader_sources.hpp"

namespace peakscope {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// The number of edges 1..255 at or below v (the definition, by brute force).
int count_edges(const ColourScale& s, float v) {
  int n = 0;
  for (int k = 1; k < ColourScale::kEntries; ++k) n += s.edges()[k] <= v;
  return n;
}

// heatmap_view.frag's colour_index, statement for statement.
int glsl_search(const ColourScale& s, float v) {
  if (std::isnan(v)) return 0;
  int i = 0;
  for (int step = ColourScale::kEntries / 2; step > 0; step /= 2)
    if (s.edges()[i + step] <= v) i += step;
  return i;
}

// The rule in double, for values not within `margin` (relative) of an entry's threshold:
// floor(256 t) clamped, or -1 when too close to call.
int rule(double v, double lo, double hi, bool log) {
  double t;
  if (log) {
    const double f = std::max(lo, 1e-30);
    t = std::log(std::max(v, f) / f) / std::log(hi / f);
  } else {
    t = (v - lo) / (hi - lo);
  }
  const double e = t * ColourScale::kEntries;
  if (std::abs(e - std::round(e)) < 1e-6) return -1;
  return static_cast<int>(std::clamp(std::floor(e), 0.0, 255.0));
}

TEST(ColourScaleTest, EndsAndSpecials) {
  for (bool log : {false, true}) {
    const ColourScale s(0.125f, 4.0f, log);
    EXPECT_EQ(s.index(0.125f), 0) << log;
    EXPECT_EQ(s.index(4.0f), 255) << log;
    EXPECT_EQ(s.index(std::nextafter(4.0f, 0.0f)), 255) << log;  // the top entry has a width
    EXPECT_EQ(s.index(-1.0f), 0) << log;
    EXPECT_EQ(s.index(100.0f), 255) << log;
    EXPECT_EQ(s.index(kNaN), 0) << log;
    EXPECT_EQ(s.index(-kNaN), 0) << log;
    EXPECT_EQ(s.index(kInf), 255) << log;
    EXPECT_EQ(s.index(-kInf), 0) << log;
  }
}

// 256 entries of equal width: on [0, 256] entry k starts exactly at k.
TEST(ColourScaleTest, EqualWidthEntries) {
  const ColourScale s(0.0f, 256.0f, false);
  EXPECT_EQ(s.edges()[0], -kInf);
  for (int k = 1; k < ColourScale::kEntries; ++k) {
    EXPECT_EQ(s.edges()[k], static_cast<float>(k));
    EXPECT_EQ(s.index(static_cast<float>(k)), k);
    EXPECT_EQ(s.index(std::nextafter(static_cast<float>(k), 0.0f)), k - 1);
  }
  const ColourScale u(0.0f, 1.0f, false);
  EXPECT_EQ(u.index(0.5f), 128);
  EXPECT_EQ(u.index(std::nextafter(0.5f, 0.0f)), 127);
  EXPECT_EQ(u.index(1.0f / 256), 1);
  // A log scale over 128 octaves: every other entry starts at a power of two.
  const ColourScale l(std::ldexp(1.0f, -90), std::ldexp(1.0f, 38), true);
  for (int k = 2; k < ColourScale::kEntries; k += 2)
    EXPECT_EQ(l.edges()[k], std::ldexp(1.0f, k / 2 - 90)) << k;
}

// Each edge is the smallest float of its entry, and the entry follows the rule in double.
TEST(ColourScaleTest, EdgesAreTheRulesThresholds) {
  std::mt19937 rng(3);
  for (auto [lo, hi, log] : {std::tuple{0.0f, 1.0f, false},
                             {-3.5f, 7.25f, false},
                             {1000.0f, 1000.5f, false},
                             {1e-7f, 3.3e-3f, false},
                             {1e-12f, 1.0f, true},
                             {3e-9f, 0.027f, true},
                             {0.0f, 0.5f, true}}) {
    const ColourScale s(lo, hi, log);
    for (int k = 1; k < ColourScale::kEntries; ++k) {
      ASSERT_LE(s.edges()[k - 1], s.edges()[k]);
      EXPECT_EQ(s.index(s.edges()[k]), k);
      EXPECT_EQ(s.index(std::nextafter(s.edges()[k], -kInf)), k - 1);
    }
    const double a = log ? std::log(std::max<double>(lo, 1e-30)) - 1 : lo - 0.2 * (hi - lo);
    const double b = log ? std::log(static_cast<double>(hi)) + 1 : hi + 0.2 * (hi - lo);
    std::uniform_real_distribution<double> u(a, b);
    for (int i = 0; i < 20000; ++i) {
      const float v = static_cast<float>(log ? std::exp(u(rng)) : u(rng));
      const int want = rule(v, lo, hi, log);
      const int got = s.index(v);
      ASSERT_EQ(got, count_edges(s, v)) << v;
      ASSERT_EQ(got, glsl_search(s, v)) << v;
      if (want >= 0) {
        ASSERT_EQ(got, want) << v << " on [" << lo << ", " << hi << "] " << log;
      }
    }
  }
}

// Nothing to spread: every finite value entry 0 (a flat map; a log range at or below its floor).
TEST(ColourScaleTest, EmptyRanges) {
  for (auto [lo, hi, log] : {std::tuple{2.0f, 2.0f, false},
                             {3.0f, 1.0f, false},
                             {-kInf, 1.0f, false},
                             {0.0f, 1e-31f, true},
                             {0.5f, 0.5f, true}}) {
    const ColourScale s(lo, hi, log);
    for (float v : {lo, hi, -1.0f, 0.0f, 1.0f, 1e30f, kNaN}) EXPECT_EQ(s.index(v), 0) << v;
    EXPECT_EQ(s.index(kInf), 255);
  }
}

TEST(ColourScaleTest, ColourBarEntries) {
  EXPECT_EQ(colour_bar_entry(0.0), 0);
  EXPECT_EQ(colour_bar_entry(0.5), 128);
  EXPECT_EQ(colour_bar_entry(1.0), 255);
  EXPECT_EQ(colour_bar_entry(-1.0), 0);
  EXPECT_EQ(colour_bar_entry(2.0), 255);
  EXPECT_EQ(colour_bar_entry(std::nan("")), 0);
}

TEST(ColourScaleTest, RgbaFromTheTable) {
  ColourTable t;
  for (int i = 0; i < ColourScale::kEntries; ++i)
    t[i] = {static_cast<std::uint8_t>(i), 7, static_cast<std::uint8_t>(255 - i)};
  const ColourScale s(0.0f, 256.0f, false);
  const float v[4] = {0.0f, 1.5f, 255.0f, kNaN};
  std::uint8_t out[16];
  colour_rgba(v, 4, s, t, out);
  const std::uint8_t want[16] = {0, 7, 255, 255, 1, 7, 254, 255, 255, 7, 0, 255, 0, 7, 255, 255};
  EXPECT_TRUE(std::equal(out, out + 16, want));
}

// The shader's half: its table size and the search it makes are the C++ ones (glsl_search
// above mirrors it; GlColourTest compares the bytes on a real context).
TEST(ColourScaleTest, ShaderUsesTheSameEdges) {
  const std::string frag = shaders::heatmap_view_frag.text;  // as embedded
  ASSERT_FALSE(frag.empty());
  // (No std::regex: GCC 12 warns inside <regex> under -fsanitize=address, an error here.)
  const std::string entries = "const int kColourEntries = ";
  const std::size_t at = frag.find(entries);
  ASSERT_NE(at, std::string::npos) << "heatmap_view.frag lacks kColourEntries";
  EXPECT_EQ(std::stoi(frag.substr(at + entries.size())), ColourScale::kEntries);
  for (const char* line :
       {"if (isnan(v)) return 0;", "for (int step = kColourEntries / 2; step > 0; step /= 2)",
        "if (texelFetch(uEdges, ivec2(i + step, 0), 0).r <= v) i += step;",
        "texelFetch(uLut, ivec2(colour_index(v), 0), 0).rgb"})
    EXPECT_NE(frag.find(line), std::string::npos) << "heatmap_view.frag lacks: " << line;
  // The search reaches every entry exactly: the steps sum to kEntries - 1.
  int reach = 0;
  for (int step = ColourScale::kEntries / 2; step > 0; step /= 2) reach += step;
  EXPECT_EQ(reach, ColourScale::kEntries - 1);
}

}  // namespace
}  // namespace peakscope

namespace peakscope {
namespace {

// The log floor of the softmax view and the sheets: the smallest p, within 12 and 0.5 decades
// below the peak.
TEST(SoftmaxLogFloorTest, KeepsBetweenHalfAndTwelveDecades) {
  EXPECT_DOUBLE_EQ(softmax_log_floor(1e-5, 0.5), 1e-5);
  EXPECT_DOUBLE_EQ(softmax_log_floor(1e-80, 0.5), 0.5e-12);
  EXPECT_DOUBLE_EQ(softmax_log_floor(0, 0.5), 0.5e-12);
  EXPECT_DOUBLE_EQ(softmax_log_floor(0.4, 0.5), 0.5 * std::pow(10.0, -0.5));
}

}  // namespace
}  // namespace peakscope
