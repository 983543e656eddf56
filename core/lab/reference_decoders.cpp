#include "core/lab/reference_decoders.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/reference.hpp"

namespace peakscope::reference {
namespace {

// The rules these oracles apply are written here again, from docs/lab.md and the libraries
// the decoders come from, never taken from the code they check (core/lab/dark.cpp,
// core/lab/debiased.cpp, core/decode.hpp).

// beta applied to the raw values: beta / m when normalise is on and the largest finite value
// m is > 0, beta otherwise (docs/conventions.md).
double beta_for(double beta, bool normalize, double m) {
  return normalize && m > 0 && std::isfinite(m) ? beta / m : beta;
}

// OpenCV's getGaussianKernel(k, 0, CV_64F): its fixed tables for k <= 7, else sigma =
// 0.3 ((k - 1) / 2 - 1) + 0.8 and exp(-d^2 / (2 sigma^2)) normalised to sum 1.
std::vector<double> gaussian_kernel(int k) {
  if (k < 1 || k % 2 == 0)
    throw std::invalid_argument("DARK kernel must be an odd number >= 1, got " + std::to_string(k));
  static const std::vector<double> kTables[4] = {
      {1.0},
      {0.25, 0.5, 0.25},
      {0.0625, 0.25, 0.375, 0.25, 0.0625},
      {0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125}};
  if (k <= 7) return kTables[k / 2];
  const double sigma = 0.3 * ((k - 1) * 0.5 - 1) + 0.8;
  std::vector<double> g;
  double sum = 0;
  for (int i = -(k / 2); i <= k / 2; ++i) {
    g.push_back(std::exp(-0.5 * (i / sigma) * (i / sigma)));
    sum += g.back();
  }
  for (double& v : g) v /= sum;
  return g;
}

// The debiased weight (Gu et al.) scaled by exp(-b m): exp(b v) - 1 times exp(-b m), i.e.
// exp(b (v - m)) - exp(-b m); 0 for NaN and -Inf. In long double, with expm1 where b m is
// small (no cancellation near v = 0) and the difference of two exponentials elsewhere.
double debiased(double v, double b, double m) {
  if (std::isnan(v) || std::isinf(v)) return 0;
  const long double bm = static_cast<long double>(b) * m;
  if (std::abs(bm) <= 600)
    return static_cast<double>(std::expm1(static_cast<long double>(b) * v) * std::exp(-bm));
  return static_cast<double>(std::exp(static_cast<long double>(b) * (v - m)) - std::exp(-bm));
}

using Stencil = std::vector<double>;  // the modulated log map L, H * W

// L = log(clamp(s * blur, lo, hi)) over the whole map, s = peak / max(blur), as MMPose.
// Empty when the map cannot be modulated (non-positive or +Inf peak, no positive blur).
Stencil log_map(const HeatmapView& map, int c, double peak, int kernel, double lo, double hi) {
  if (!(peak > 0) || peak == INFINITY) return {};
  Stencil b = dark_blur(map, c, kernel);
  const double bmax = *std::max_element(b.begin(), b.end());
  if (!(bmax > 0)) return {};
  const double s = peak / bmax;
  for (double& v : b) v = std::log(std::clamp(s * v, lo, hi));
  return b;
}

}  // namespace

std::vector<double> dark_blur(const HeatmapView& map, int c, int kernel) {
  const std::vector<double> g = gaussian_kernel(kernel);
  const int kr = kernel / 2, W = map.width, H = map.height;
  std::vector<double> out(static_cast<std::size_t>(W) * H, 0.0);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      double s = 0;
      for (int j = -kr; j <= kr; ++j)
        for (int i = -kr; i <= kr; ++i) {
          const int xx = x + i, yy = y + j;
          if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
          const double v = map.at(c, yy, xx);
          if (std::isfinite(v)) s += g[j + kr] * g[i + kr] * v;
        }
      out[static_cast<std::size_t>(y) * W + x] = s;
    }
  return out;
}

DecodedPoint decode_with(DecoderKind kind, const HeatmapView& map, int c, const DecodeOptions& opt,
                         const DecoderParams& params) {
  params.validate();
  const Keypoint k = decode(map, c, opt);
  if (!k.valid) return {k.argmax_x, k.argmax_y, 0, false};
  const int W = map.width, H = map.height;
  const int x = static_cast<int>(k.argmax_x), y = static_cast<int>(k.argmax_y);
  const double peak = k.argmax_value;
  const DecodedPoint at_max{k.argmax_x, k.argmax_y, peak, true};
  auto h = [&](int xx, int yy) { return map.at(c, yy, xx); };
  auto in_box = [&](int xx, int yy, int r) {
    return std::abs(xx - x) <= r && std::abs(yy - y) <= r;
  };

  switch (kind) {
    case DecoderKind::kArgmax:
      return at_max;
    case DecoderKind::kSoftargmax:
      return {k.soft_x, k.soft_y, k.peak_probability, true};
    case DecoderKind::kQuarter: {
      DecodedPoint p = at_max;
      if (1 < x && x < W - 1 && 0 < y && y < H) {
        const double d = h(x + 1, y) - h(x - 1, y);
        p.x += d > 0 ? 0.25 : (d < 0 ? -0.25 : 0.0);
      }
      if (1 < y && y < H - 1 && 0 < x && x < W) {
        const double d = h(x, y + 1) - h(x, y - 1);
        p.y += d > 0 ? 0.25 : (d < 0 ? -0.25 : 0.0);
      }
      return p;
    }
    case DecoderKind::kDark: {
      if (!(1 < x && x < W - 2 && 1 < y && y < H - 2)) return at_max;
      const Stencil L =
          log_map(map, c, peak, params.dark_kernel, 1e-10, std::numeric_limits<double>::infinity());
      if (L.empty()) return at_max;
      auto l = [&](int xx, int yy) { return L[static_cast<std::size_t>(yy) * W + xx]; };
      const double dx = 0.5 * (l(x + 1, y) - l(x - 1, y));
      const double dy = 0.5 * (l(x, y + 1) - l(x, y - 1));
      const double dxx = 0.25 * (l(x + 2, y) - 2 * l(x, y) + l(x - 2, y));
      const double dxy =
          0.25 * (l(x + 1, y + 1) - l(x + 1, y - 1) - l(x - 1, y + 1) + l(x - 1, y - 1));
      const double dyy = 0.25 * (l(x, y + 2) - 2 * l(x, y) + l(x, y - 2));
      const double det = dxx * dyy - dxy * dxy;
      if (det == 0 || !std::isfinite(det)) return at_max;
      // offset = -H^-1 g with H^-1 = [[dyy, -dxy], [-dxy, dxx]] / det
      return {x - (dyy * dx - dxy * dy) / det, y - (-dxy * dx + dxx * dy) / det, peak, true};
    }
    case DecoderKind::kDarkUdp: {
      const Stencil L = log_map(map, c, peak, params.dark_kernel, 1e-3, 50.0);
      if (L.empty()) return at_max;
      // The edge-padded map: indices clamped into the grid.
      auto l = [&](int xx, int yy) {
        return L[static_cast<std::size_t>(std::clamp(yy, 0, H - 1)) * W + std::clamp(xx, 0, W - 1)];
      };
      const double i0 = l(x, y), ix1 = l(x + 1, y), iy1 = l(x, y + 1), ix1y1 = l(x + 1, y + 1);
      const double ix1_y1_ = l(x - 1, y - 1), ix1_ = l(x - 1, y), iy1_ = l(x, y - 1);
      const double dx = 0.5 * (ix1 - ix1_), dy = 0.5 * (iy1 - iy1_);
      const double dxx = ix1 - 2 * i0 + ix1_, dyy = iy1 - 2 * i0 + iy1_;
      const double dxy = 0.5 * (ix1y1 - ix1 - iy1 + i0 + i0 - ix1_ - iy1_ + ix1_y1_);
      const double eps = static_cast<double>(std::numeric_limits<float>::epsilon());
      const double a = dxx + eps, d = dyy + eps;
      const double det = a * d - dxy * dxy;
      if (det == 0 || !std::isfinite(det)) return at_max;
      return {x - (d * dx - dxy * dy) / det, y - (-dxy * dx + a * dy) / det, peak, true};
    }
    case DecoderKind::kWindow: {
      const int r = params.window_radius;
      std::vector<double> wgt(static_cast<std::size_t>(W) * H, 0.0);
      const double b = beta_for(params.window_beta, opt.normalize, peak);
      for (int yy = 0; yy < H; ++yy)
        for (int xx = 0; xx < W; ++xx) {
          if (!in_box(xx, yy, r)) continue;
          const double v = h(xx, yy);
          double e = 0;
          if (peak == INFINITY)
            e = v == INFINITY ? 1 : 0;
          else if (std::isfinite(v))
            e = std::exp(b * (v - peak));
          wgt[static_cast<std::size_t>(yy) * W + xx] = e;
        }
      double s = 0, sx = 0, sy = 0, best = 0;
      for (int yy = 0; yy < H; ++yy)
        for (int xx = 0; xx < W; ++xx) {
          const double e = wgt[static_cast<std::size_t>(yy) * W + xx];
          s += e;
          sx += e * xx;
          sy += e * yy;
          best = std::max(best, e);
        }
      return {sx / s, sy / s, best / s, true};
    }
    case DecoderKind::kCentroid: {
      const int r = params.centroid_size / 2;
      double s = 0, sx = 0, sy = 0;
      for (int yy = 0; yy < H; ++yy)
        for (int xx = 0; xx < W; ++xx) {
          if (!in_box(xx, yy, r)) continue;
          const double v = h(xx, yy);
          double e = 0;
          if (peak == INFINITY)
            e = v == INFINITY ? 1 : 0;
          else if (v > 0)
            e = v;
          s += e;
          sx += e * xx;
          sy += e * yy;
        }
      if (!(s > 0)) return at_max;
      return {sx / s, sy / s, peak, true};
    }
    case DecoderKind::kMediapipe: {
      const int r = params.mediapipe_size / 2;
      double s = 0, sx = 0, sy = 0, best = 0;
      for (int yy = 0; yy < H; ++yy)
        for (int xx = 0; xx < W; ++xx) {
          if (!in_box(xx, yy, r)) continue;
          const double v = h(xx, yy);
          if (std::isnan(v)) continue;
          const double e = 1.0 / (1.0 + std::exp(-v));
          s += e;
          sx += e * xx;
          sy += e * yy;
          best = std::max(best, e);
        }
      if (best >= params.mediapipe_threshold && s > 0) return {sx / s, sy / s, best, true};
      return {k.argmax_x, k.argmax_y, best, true};
    }
    case DecoderKind::kDebiased: {
      if (peak == INFINITY) return {k.soft_x, k.soft_y, k.peak_probability, true};
      const double b = beta_for(opt.beta, opt.normalize, peak);
      std::vector<double> wgt(static_cast<std::size_t>(W) * H);
      for (int yy = 0; yy < H; ++yy)
        for (int xx = 0; xx < W; ++xx)
          wgt[static_cast<std::size_t>(yy) * W + xx] = debiased(h(xx, yy), b, peak);
      double s = 0, sx = 0, sy = 0;
      for (int yy = 0; yy < H; ++yy)
        for (int xx = 0; xx < W; ++xx) {
          const double e = wgt[static_cast<std::size_t>(yy) * W + xx];
          s += e;
          sx += e * xx;
          sy += e * yy;
        }
      if (!(s > 0) || !std::isfinite(s)) return {k.soft_x, k.soft_y, k.peak_probability, true};
      return {sx / s, sy / s, debiased(peak, b, peak) / s, true};
    }
  }
  return at_max;
}

}  // namespace peakscope::reference
