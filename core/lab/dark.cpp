#include "core/lab/dark.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace peakscope {
namespace {

// The blurred value of map pixel (x, y) from the window (zero border, non-finite read as 0).
double blur_at(const PeakWindow& w, const std::vector<double>& g, int x, int y) {
  const int kr = static_cast<int>(g.size()) / 2;
  double s = 0;
  for (int j = -kr; j <= kr; ++j) {
    const int yy = y + j;
    if (yy < 0 || yy >= w.map_height) continue;
    double row = 0;
    for (int i = -kr; i <= kr; ++i) {
      const int xx = x + i;
      if (xx < 0 || xx >= w.map_width) continue;
      const double v = w.at(xx, yy);
      if (std::isfinite(v)) row += g[i + kr] * v;
    }
    s += g[j + kr] * row;
  }
  return s;
}

// L = log(clamp(s * b, lo, hi)) for the stencil's blurred values b, where MMPose's scale is
// s = peak / (global blurred max). The window gives s in [1, peak / bmax_w]; when every value
// is clamped the same way over that whole range and the values are either all unclamped
// (log s cancels in the differences) or all clamped (constants), any s in it gives the same
// differences. Otherwise the global maximum is asked for. Returns false when the scale is
// not positive (the map has no positive blurred value: L would be constant or undefined).
template <std::size_t N>
bool modulated_logs(const std::array<double, N>& b, double lo, double hi, double peak,
                    const std::function<double()>& global_max, std::array<double, N>& L) {
  double bmax = -std::numeric_limits<double>::infinity();
  for (double v : b) bmax = std::max(bmax, v);
  auto state = [&](double v, double s) { return s * v < lo ? -1 : (s * v > hi ? 1 : 0); };
  double s = 0;
  bool need_global = !(bmax > 0);
  if (!need_global) {
    const double s_hi = peak / bmax;
    const double s_lo = std::min(1.0, s_hi);
    bool any_free = false, any_clamped = false;
    for (double v : b) {
      const int a = state(v, s_lo), z = state(v, s_hi);
      if (a != z) need_global = true;
      (a == 0 ? any_free : any_clamped) = true;
    }
    if (any_free && any_clamped) need_global = true;
    s = s_hi;
  }
  if (need_global) {
    const double m = global_max();
    if (!(m > 0)) return false;
    s = peak / m;
  }
  for (std::size_t i = 0; i < N; ++i) L[i] = std::log(std::clamp(s * b[i], lo, hi));
  return true;
}

DecodedPoint at_argmax(const PeakWindow& w) {
  return {static_cast<double>(w.cx), static_cast<double>(w.cy), w.peak, true};
}

}  // namespace

std::vector<double> opencv_gaussian_kernel(int k) {
  if (k < 1 || k % 2 == 0)
    throw std::invalid_argument("DARK kernel must be an odd number >= 1, got " + std::to_string(k));
  // OpenCV's fixed tables for sigma <= 0 and k <= 7.
  switch (k) {
    case 1:
      return {1.0};
    case 3:
      return {0.25, 0.5, 0.25};
    case 5:
      return {0.0625, 0.25, 0.375, 0.25, 0.0625};
    case 7:
      return {0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125};
    default:
      break;
  }
  const double sigma = 0.3 * ((k - 1) * 0.5 - 1) + 0.8;
  std::vector<double> g(static_cast<std::size_t>(k));
  double sum = 0;
  for (int i = 0; i < k; ++i) {
    const double d = i - (k - 1) * 0.5;
    g[i] = std::exp(-d * d / (2 * sigma * sigma));
    sum += g[i];
  }
  for (double& v : g) v /= sum;
  return g;
}

double blurred_max(const HeatmapView& map, int c, int kernel) {
  const std::vector<double> g = opencv_gaussian_kernel(kernel);
  const int kr = kernel / 2, W = map.width, H = map.height;
  std::vector<double> tmp(static_cast<std::size_t>(W) * H);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      double s = 0;
      for (int i = std::max(-kr, -x); i <= std::min(kr, W - 1 - x); ++i) {
        const double v = map.at(c, y, x + i);
        if (std::isfinite(v)) s += g[i + kr] * v;
      }
      tmp[static_cast<std::size_t>(y) * W + x] = s;
    }
  double m = -std::numeric_limits<double>::infinity();
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      double s = 0;
      for (int j = std::max(-kr, -y); j <= std::min(kr, H - 1 - y); ++j)
        s += g[j + kr] * tmp[static_cast<std::size_t>(y + j) * W + x];
      m = std::max(m, s);
    }
  return m;
}

DecodedPoint refine_dark(const PeakWindow& w, int kernel,
                         const std::function<double()>& global_blurred_max) {
  const int x = w.cx, y = w.cy;
  if (!(1 < x && x < w.map_width - 2 && 1 < y && y < w.map_height - 2)) return at_argmax(w);
  if (!(w.peak > 0) || w.peak == INFINITY) return at_argmax(w);
  const std::vector<double> g = opencv_gaussian_kernel(kernel);
  std::array<double, 25> b{}, L{};
  for (int j = -2; j <= 2; ++j)
    for (int i = -2; i <= 2; ++i) b[(j + 2) * 5 + i + 2] = blur_at(w, g, x + i, y + j);
  if (!modulated_logs(b, 1e-10, std::numeric_limits<double>::infinity(), w.peak, global_blurred_max,
                      L))
    return at_argmax(w);
  auto l = [&](int i, int j) { return L[(j + 2) * 5 + i + 2]; };
  const double gx = 0.5 * (l(1, 0) - l(-1, 0));
  const double gy = 0.5 * (l(0, 1) - l(0, -1));
  const double dxx = 0.25 * (l(2, 0) - 2 * l(0, 0) + l(-2, 0));
  const double dxy = 0.25 * (l(1, 1) - l(1, -1) - l(-1, 1) + l(-1, -1));
  const double dyy = 0.25 * (l(0, 2) - 2 * l(0, 0) + l(0, -2));
  const double det = dxx * dyy - dxy * dxy;
  if (det == 0 || !std::isfinite(det)) return at_argmax(w);
  const double ox = -(dyy * gx - dxy * gy) / det;
  const double oy = -(dxx * gy - dxy * gx) / det;
  return {x + ox, y + oy, w.peak, true};
}

DecodedPoint refine_dark_udp(const PeakWindow& w, int kernel,
                             const std::function<double()>& global_blurred_max) {
  const int x = w.cx, y = w.cy;
  if (!(w.peak > 0) || w.peak == INFINITY) return at_argmax(w);
  const std::vector<double> g = opencv_gaussian_kernel(kernel);
  std::array<double, 9> b{}, L{};
  for (int j = -1; j <= 1; ++j)
    for (int i = -1; i <= 1; ++i) {
      const int xx = std::clamp(x + i, 0, w.map_width - 1);  // MMPose's edge padding
      const int yy = std::clamp(y + j, 0, w.map_height - 1);
      b[(j + 1) * 3 + i + 1] = blur_at(w, g, xx, yy);
    }
  if (!modulated_logs(b, 1e-3, 50.0, w.peak, global_blurred_max, L)) return at_argmax(w);
  auto l = [&](int i, int j) { return L[(j + 1) * 3 + i + 1]; };
  const double c0 = l(0, 0);
  const double gx = 0.5 * (l(1, 0) - l(-1, 0));
  const double gy = 0.5 * (l(0, 1) - l(0, -1));
  const double dxx = l(1, 0) - 2 * c0 + l(-1, 0);
  const double dyy = l(0, 1) - 2 * c0 + l(0, -1);
  const double dxy = 0.5 * (l(1, 1) - l(1, 0) - l(0, 1) + 2 * c0 - l(-1, 0) - l(0, -1) + l(-1, -1));
  constexpr double kEps = 1.1920928955078125e-07;  // np.finfo(np.float32).eps
  const double a = dxx + kEps, d = dyy + kEps;
  const double det = a * d - dxy * dxy;
  if (det == 0 || !std::isfinite(det)) return at_argmax(w);
  const double ox = -(d * gx - dxy * gy) / det;
  const double oy = -(a * gy - dxy * gx) / det;
  return {x + ox, y + oy, w.peak, true};
}

}  // namespace peakscope
