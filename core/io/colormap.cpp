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

cv::Mat colour_indices(const HeatmapView& map, int c, const ColourScale& scale) {
  map.validate();
  cv::Mat out(map.height, map.width, CV_8U);
  for (int y = 0; y < map.height; ++y) {
    auto* o = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < map.width; ++x)
      o[x] = static_cast<std::uint8_t>(scale.index(static_cast<float>(map.at(c, y, x))));
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

cv::Mat apply_colormap(const cv::Mat& entries, Colormap cmap) {
  cv::Mat out;
  switch (cmap) {
    case Colormap::kJet:
      cv::applyColorMap(entries, out, cv::COLORMAP_JET);
      break;
    case Colormap::kViridis:
      cv::applyColorMap(entries, out, cv::COLORMAP_VIRIDIS);
      break;
    case Colormap::kTurbo:
      cv::applyColorMap(entries, out, cv::COLORMAP_TURBO);
      break;
    case Colormap::kInferno:
      cv::applyColorMap(entries, out, cv::COLORMAP_INFERNO);
      break;
    case Colormap::kGray:
      cv::cvtColor(entries, out, cv::COLOR_GRAY2BGR);
      break;
  }
  return out;
}

ColourTable colour_table(Colormap cmap) {
  cv::Mat ramp(1, ColourScale::kEntries, CV_8U);
  for (int i = 0; i < ColourScale::kEntries; ++i)
    ramp.at<std::uint8_t>(0, i) = static_cast<std::uint8_t>(i);
  const cv::Mat bgr = apply_colormap(ramp, cmap);
  ColourTable t;
  for (int i = 0; i < ColourScale::kEntries; ++i) {
    const cv::Vec3b p = bgr.at<cv::Vec3b>(0, i);
    t[i] = {p[2], p[1], p[0]};
  }
  return t;
}

std::string colormap_lut_rgb(Colormap cmap) {
  const ColourTable t = colour_table(cmap);
  return std::string(reinterpret_cast<const char*>(t.data()), sizeof t);
}

}  // namespace peakscope::io
