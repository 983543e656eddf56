#include "core/lab/gradient.hpp"

#include <algorithm>
#include <cmath>

#include "core/reference.hpp"

namespace peakscope {

GradientMap softargmax_gradient(const HeatmapView& map, int c, const DecodeOptions& opt) {
  const Keypoint k = reference::decode(map, c, opt);  // validates
  const int W = map.width, H = map.height;
  GradientMap g;
  g.width = W;
  g.height = H;
  g.dx.assign(static_cast<std::size_t>(W) * H, 0.0);
  g.dy.assign(g.dx.size(), 0.0);
  if (!k.valid || k.argmax_value == INFINITY) return g;
  const std::vector<double> p = reference::softmax(map, c, opt);
  const double m = k.argmax_value;
  const double b = effective_beta(opt, m);
  // Mean of h under p, and the covariances of h with x and y, for the normalise term.
  double hbar = 0;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      const double q = p[static_cast<std::size_t>(y) * W + x];
      if (q > 0) hbar += q * map.at(c, y, x);
    }
  double cov_x = 0, cov_y = 0;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * W + x;
      const double q = p[i];
      if (!(q > 0)) continue;
      g.dx[i] = b * q * (x - k.soft_x);
      g.dy[i] = b * q * (y - k.soft_y);
      const double dh = map.at(c, y, x) - hbar;
      cov_x += q * dh * (x - k.soft_x);
      cov_y += q * dh * (y - k.soft_y);
    }
  if (opt.normalize && m > 0) {
    // beta_eff = beta / M depends on the argmax pixel's own value.
    const std::size_t i =
        static_cast<std::size_t>(k.argmax_y) * W + static_cast<std::size_t>(k.argmax_x);
    const double db = -opt.beta / (m * m);
    g.dx[i] += db * cov_x;
    g.dy[i] += db * cov_y;
  }
  for (std::size_t i = 0; i < g.dx.size(); ++i)
    g.max_abs = std::max({g.max_abs, std::abs(g.dx[i]), std::abs(g.dy[i])});
  return g;
}

}  // namespace peakscope
