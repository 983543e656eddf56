#include "core/io/colormap.hpp"

#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "core/enum_names.hpp"

namespace peakscope::io {

namespace {
constexpr EnumName<Colormap> kColormapNames[] = {
    {Colormap::kJet, "jet"},         {Colormap::kViridis, "viridis"}, {Colormap::kTurbo, "turbo"},
    {Colormap::kInferno, "inferno"}, {Colormap::kGray, "gray"},       {Colormap::kGray, "grey"}};
}  // namespace

Colormap parse_colormap(std::string_view name) {
  return parse_enum(kColormapNames, name, "colour map");
}

const char* colormap_name(Colormap c) {
  return enum_name(kColormapNames, c);
}

cv::Mat to_gray8(const HeatmapView& map, int c, double lo, double hi) {
  map.validate();
  cv::Mat out(map.height, map.width, CV_8U);
  const double scale = hi > lo ? 255.0 / (hi - lo) : 0.0;
  for (int y = 0; y < map.height; ++y) {
    auto* o = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < map.width; ++x) {
      const double v = map.at(c, y, x);
      const double g = std::isnan(v) ? 0.0 : (v - lo) * scale;
      o[x] = static_cast<std::uint8_t>(std::lround(std::clamp(g, 0.0, 255.0)));
    }
  }
  return out;
}

std::pair<double, double> finite_range(const HeatmapView& map, int c) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int y = 0; y < map.height; ++y)
    for (int x = 0; x < map.width; ++x) {
      const double v = map.at(c, y, x);
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (!(hi >= lo)) lo = hi = 0;
  return {lo, hi};
}

cv::Mat to_gray8(const HeatmapView& map, int c) {
  map.validate();
  const auto [lo, hi] = finite_range(map, c);
  return to_gray8(map, c, lo, hi);
}

cv::Mat apply_colormap(const cv::Mat& gray8, Colormap cmap) {
  cv::Mat out;
  switch (cmap) {
    case Colormap::kJet:
      cv::applyColorMap(gray8, out, cv::COLORMAP_JET);
      break;
    case Colormap::kViridis:
      cv::applyColorMap(gray8, out, cv::COLORMAP_VIRIDIS);
      break;
    case Colormap::kTurbo:
      cv::applyColorMap(gray8, out, cv::COLORMAP_TURBO);
      break;
    case Colormap::kInferno:
      cv::applyColorMap(gray8, out, cv::COLORMAP_INFERNO);
      break;
    case Colormap::kGray:
      cv::cvtColor(gray8, out, cv::COLOR_GRAY2BGR);
      break;
  }
  return out;
}

std::string colormap_lut_rgb(Colormap cmap) {
  cv::Mat ramp(1, 256, CV_8U);
  for (int i = 0; i < 256; ++i) ramp.at<std::uint8_t>(0, i) = static_cast<std::uint8_t>(i);
  cv::Mat bgr = apply_colormap(ramp, cmap), rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return std::string(reinterpret_cast<const char*>(rgb.data), 768);
}

}  // namespace peakscope::io
