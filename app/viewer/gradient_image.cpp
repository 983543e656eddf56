#include "app/viewer/gradient_image.hpp"

#include <algorithm>
#include <cmath>

namespace peakscope::viewer {

std::vector<double> gradient_values(const GradientMap& g, LabState::GradientPart part) {
  std::vector<double> v(g.dx.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = part == LabState::GradientPart::kX   ? g.dx[i]
           : part == LabState::GradientPart::kY ? g.dy[i]
                                                : std::hypot(g.dx[i], g.dy[i]);
  return v;
}

GradientScale gradient_scale(const std::vector<double>& values, bool signed_values,
                             double floor_rel) {
  GradientScale s;
  s.signed_values = signed_values;
  s.floor_rel = floor_rel;
  for (double v : values)
    if (std::isfinite(v)) s.max_abs = std::max(s.max_abs, std::abs(v));
  return s;
}

double GradientScale::position(double v) const {
  const double a = std::abs(v), f = floor();
  if (!(a >= f) || a == 0 || max_abs <= 0) return 0;  // NaN, zero and below the floor
  const double t = std::min(1.0, std::log(a / f) / std::log(max_abs / f));
  // Just at the floor: the faintest colour that is not zero.
  const double u = std::max(t, 1.0 / 256);
  return signed_values && v < 0 ? -u : u;
}

double GradientScale::value_at(double t) const {
  if (t == 0 || max_abs <= 0) return 0;
  const double a = floor() * std::pow(max_abs / floor(), std::abs(t));
  return t < 0 ? -a : a;
}

namespace {
std::uint32_t rgba(int r, int g, int b) {
  return static_cast<std::uint32_t>(r) | static_cast<std::uint32_t>(g) << 8 |
         static_cast<std::uint32_t>(b) << 16 | 0xff000000u;
}
}  // namespace

std::uint32_t gradient_colour(double t, bool signed_values) {
  if (signed_values) {
    t = std::clamp(t, -1.0, 1.0);
    const int f = static_cast<int>(std::lround(255 * (1 - std::abs(t))));
    return t >= 0 ? rgba(255, f, f) : rgba(f, f, 255);
  }
  t = std::clamp(t, 0.0, 1.0);
  return rgba(static_cast<int>(std::lround(255 * std::min(1.0, 2 * t))),
              static_cast<int>(std::lround(255 * std::max(0.0, 2 * t - 1))), 0);
}

std::vector<std::uint32_t> gradient_rgba(const std::vector<double>& values,
                                         const GradientScale& s) {
  std::vector<std::uint32_t> px(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    px[i] = gradient_colour(s.position(values[i]), s.signed_values);
  return px;
}

}  // namespace peakscope::viewer
