// Differential cases: a map, a view over it (sizes, strides, channels, element type) and
// options, drawn from a few bytes of parameters plus a seed; and the comparison of an engine's
// keypoints with core/reference's under the project's tolerance (1e-3 px, peak probability
// 1e-6 relative, argmax exact). Shared by the engine contract suite, which draws cases from
// fixed seeds for every engine (tests/gl/engine_contract_test.cpp), and the libFuzzer target
// (tests/fuzz/decode_fuzz.cpp), so a fuzzer finding's bytes draw the same case in both.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/decode.hpp"
#include "core/heatmap.hpp"

namespace peakscope::testing {

inline constexpr double kTolPx = 1e-3;
inline constexpr double kTolPeakRel = 1e-6;

// Empty when got agrees with want within the tolerance; otherwise what differs.
inline std::string keypoint_mismatch(const Keypoint& got, const Keypoint& want) {
  char buf[512];
  const bool same_value = got.argmax_value == want.argmax_value ||
                          (std::isnan(got.argmax_value) && std::isnan(want.argmax_value));
  const double dx = std::abs(got.soft_x - want.soft_x), dy = std::abs(got.soft_y - want.soft_y);
  const double dp = std::abs(got.peak_probability - want.peak_probability);
  if (got.valid == want.valid && got.argmax_x == want.argmax_x && got.argmax_y == want.argmax_y &&
      same_value && dx <= kTolPx && dy <= kTolPx && dp <= kTolPeakRel * want.peak_probability)
    return {};
  std::snprintf(buf, sizeof buf,
                "got valid %d argmax (%g, %g) = %.9g soft (%.9f, %.9f) p %.12g; want valid %d "
                "argmax (%g, %g) = %.9g soft (%.9f, %.9f) p %.12g; |d| = (%.3g, %.3g) px, p "
                "rel %.3g",
                got.valid, got.argmax_x, got.argmax_y, got.argmax_value, got.soft_x, got.soft_y,
                got.peak_probability, want.valid, want.argmax_x, want.argmax_y, want.argmax_value,
                want.soft_x, want.soft_y, want.peak_probability, dx, dy,
                want.peak_probability > 0 ? dp / want.peak_probability : dp);
  return buf;
}

// A drawn case: the buffer (with garbage in the padding, which no engine may read), the view
// over it, and the options.
struct DiffCase {
  std::vector<float> f32;
  std::vector<std::uint8_t> u8;
  HeatmapView view;
  DecodeOptions opt;
  std::string describe() const {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s %dx%dx%d strides (%td, %td) beta %.17g%s",
                  elem_name(view.type), view.channels, view.height, view.width, view.row_stride,
                  view.channel_stride, opt.beta, opt.normalize ? " normalised" : "");
    return buf;
  }
};

// Reads parameters from bytes; zeros once they run out.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  std::uint32_t u8() { return i_ < n_ ? d_[i_++] : 0u; }
  std::uint32_t u16() { return u8() | (u8() << 8); }
  std::uint32_t u32() { return u16() | (u16() << 16); }

 private:
  const std::uint8_t* d_;
  std::size_t n_, i_ = 0;
};

// Draws a case from the bytes (any bytes give a valid case). At most max_pixels per channel.
inline DiffCase draw_case(const std::uint8_t* data, std::size_t size, int max_pixels = 1 << 18) {
  ByteReader in(data, size);
  const std::uint32_t kind = in.u8() % 8, shape = in.u8() % 6, flags = in.u8();
  const std::uint32_t scale = in.u8() % 10, beta_code = in.u16(), seed = in.u32();
  std::mt19937 rng(seed);
  auto unit = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  // Sizes: small, medium, long rows, tall columns, the float path's extent limit and beyond.
  int w = 1, h = 1;
  switch (shape) {
    case 0:
      w = pick(1, 40), h = pick(1, 40);
      break;
    case 1:
      w = pick(1, 700), h = pick(1, 400);
      break;
    case 2:
      w = pick(1000, 70000), h = pick(1, 3);
      break;
    case 3:
      w = pick(1, 3), h = pick(1000, 70000);
      break;
    case 4:
      w = pick(4090, 4100), h = pick(1, 48);
      break;
    default:
      w = pick(1, 48), h = pick(4090, 4100);
      break;
  }
  while (static_cast<long>(w) * h > max_pixels) (w > h ? w : h) /= 2;
  const int channels = 1 + static_cast<int>(flags % 3);
  const bool u8 = (flags >> 2) & 1;
  const int pad = (flags >> 3) & 1 ? pick(1, 17) : 0;
  DiffCase c;
  c.opt.normalize = (flags >> 4) & 1;
  // beta: log-uniform over the accepted range, the bounds themselves now and then.
  const double lb = std::log10(kBetaMin) +
                    (std::log10(kBetaMax) - std::log10(kBetaMin)) * (beta_code % 60001) / 60000.0;
  c.opt.beta = beta_code >= 65500 ? kBetaMax : beta_code >= 65000 ? kBetaMin : std::pow(10.0, lb);
  c.opt.beta = std::clamp(c.opt.beta, kBetaMin, kBetaMax);
  // Value scales: denormal, tiny, unit, uint8-like, huge, the float range's edge.
  static constexpr double kScales[10] = {1e-42, 1e-38, 1e-20, 1e-3, 1,
                                         255,   1e6,   1e20,  1e37, 3.4e38};
  const double sc = kScales[scale];
  const double offset = (flags >> 5) & 1 ? (unit() - 0.5) * 2 * sc : 0;
  const bool specials = (flags >> 6) & 1;
  const std::ptrdiff_t rs = w + pad;
  const std::ptrdiff_t cs = rs * h + pad;
  const std::size_t total = static_cast<std::size_t>(cs) * channels;
  std::vector<double> v(total, std::numeric_limits<double>::quiet_NaN());  // padding: garbage
  const int blobs = pick(1, 5);
  for (int k = 0; k < channels; ++k) {
    std::vector<double> bx(blobs), by(blobs), bs(blobs), ba(blobs);
    for (int b = 0; b < blobs; ++b)
      bx[b] = unit() * w, by[b] = unit() * h, bs[b] = 0.5 + unit() * (w + h) / 4,
      ba[b] = 0.2 + unit();
    const double level = unit(), split = unit();
    const int period = 4 << pick(0, 2);  // 4, 8 or 16 lanes
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        double q = 0;  // in [0, 1] mostly, then scaled
        const long i = static_cast<long>(y) * w + x;
        switch (kind) {
          case 0:
            q = unit();
            break;
          case 1:
            for (int b = 0; b < blobs; ++b)
              q += ba[b] * std::exp(-((x - bx[b]) * (x - bx[b]) + (y - by[b]) * (y - by[b])) /
                                    (2 * bs[b] * bs[b]));
            break;
          case 2:
            q = (x < split * w) ? level : 1;
            break;  // two levels, split in x
          case 3:
            q = (y < split * h) ? level : 1;
            break;  // two levels, split in y
          case 4:
            q = w > 1 ? static_cast<double>(x) / (w - 1) : 0.5;
            break;  // ramp
          case 5:   // per lane: a maximum, then 31 weights just under 2^-24
            q = (i % (32 * period)) < period ? 1.0 : 1.0 - 16.6355 * (1 + 1e-6) * level;
            break;
          case 6:
            q = std::floor(unit() * 4) / 3;
            break;  // few distinct values, many ties
          default:
            q = level + (unit() < 0.001 ? 1 : 0);
            break;  // flat with rare peaks
        }
        double val = offset + q * sc;
        if (specials) {
          const double r = unit();
          if (r < 0.01)
            val = std::numeric_limits<double>::quiet_NaN();
          else if (r < 0.015)
            val = -std::numeric_limits<double>::infinity();
          else if (r < 0.016)
            val = std::numeric_limits<double>::infinity();
        }
        v[k * cs + y * rs + x] = val;
      }
  }
  if (u8) {
    c.u8.resize(total);
    for (std::size_t i = 0; i < total; ++i) {
      const double q = std::isnan(v[i]) ? 0 : v[i] / (sc > 0 ? sc : 1) * 255;
      c.u8[i] = static_cast<std::uint8_t>(std::clamp(std::isfinite(q) ? q : 255.0, 0.0, 255.0));
    }
    c.view = {c.u8.data(), ElemType::kUInt8, w, h, channels, rs, cs};
  } else {
    c.f32.resize(total);
    for (std::size_t i = 0; i < total; ++i) {
      const double q = std::clamp(v[i], -3.4028234e38, 3.4028234e38);  // +-Inf, NaN kept
      c.f32[i] =
          std::isnan(v[i]) || std::isinf(v[i]) ? static_cast<float>(v[i]) : static_cast<float>(q);
    }
    c.view = {c.f32.data(), ElemType::kFloat32, w, h, channels, rs, cs};
  }
  return c;
}

}  // namespace peakscope::testing
