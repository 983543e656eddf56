// Map generators shared by the unit, GL, io tests and the CPU benchmark.
#pragma once

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/heatmap.hpp"
#include "core/scene.hpp"

namespace peakscope::testing {

inline Heatmap random_map(int w, int h, int k, ElemType t, unsigned seed) {
  Heatmap m(w, h, k, t);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  const std::size_t n = static_cast<std::size_t>(w) * h * k;
  for (std::size_t i = 0; i < n; ++i) {
    if (t == ElemType::kFloat32)
      m.f32()[i] = u(rng);
    else
      m.u8()[i] = static_cast<std::uint8_t>(u(rng) * 255.f);
  }
  return m;
}

// A single Gaussian of FWHM f at (x0, y0) with peak 1 (float) or 255 (uint8).
inline Heatmap gaussian_map(int w, int h, double x0, double y0, double f, ElemType t) {
  Heatmap m(w, h, 1, t);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double g = gaussian_mask(x, y, x0, y0, f);
      if (t == ElemType::kFloat32)
        m.f32()[y * w + x] = static_cast<float>(g);
      else
        m.u8()[y * w + x] = static_cast<std::uint8_t>(std::lround(g * 255));
    }
  return m;
}

// Several peaks of different heights.
inline Heatmap multi_peak_map(int w, int h, ElemType t, unsigned seed) {
  SceneConfig cfg;
  cfg.width = w;
  cfg.height = h;
  cfg.subjects = 5;
  cfg.fwhm = std::max(2.0, std::min(w, h) / 8.0);
  cfg.seed = seed;
  return Scene(cfg).render(t);
}

// The planes (one channel each, same size and type) as channels of one frame.
inline Heatmap with_channels(const std::vector<Heatmap>& planes) {
  const Heatmap& f = planes.front();
  Heatmap out(f.width(), f.height(), static_cast<int>(planes.size()), f.type());
  const std::size_t n = static_cast<std::size_t>(f.width()) * f.height() * elem_size(f.type());
  for (std::size_t c = 0; c < planes.size(); ++c)
    std::memcpy(out.u8() + c * n, static_cast<const std::uint8_t*>(planes[c].view().data), n);
  return out;
}

}  // namespace peakscope::testing
