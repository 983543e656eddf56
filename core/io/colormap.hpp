// Colour maps and heatmap-to-image conversion (OpenCV).
#pragma once

#include <utility>

#include <opencv2/core.hpp>
#include <string>
#include <string_view>

#include "core/heatmap.hpp"

namespace peakscope::io {

enum class Colormap { kJet, kViridis, kTurbo, kInferno, kGray };

// "jet", "viridis", "turbo", "inferno", "gray"; throws std::invalid_argument otherwise.
Colormap parse_colormap(std::string_view name);
const char* colormap_name(Colormap c);

// Channel c of the map scaled linearly from [lo, hi] to 0..255 (NaN -> 0), as CV_8U.
// lo == hi (a flat map) gives zeros.
cv::Mat to_gray8(const HeatmapView& map, int c, double lo, double hi);
// Same with lo/hi the channel's finite min and max.
cv::Mat to_gray8(const HeatmapView& map, int c);
// The finite min and max of channel c ({0, 0} when it has no finite value): the range the
// colour bars and to_gray8 use.
std::pair<double, double> finite_range(const HeatmapView& map, int c);

// A CV_8U image coloured into BGR (CV_8UC3).
cv::Mat apply_colormap(const cv::Mat& gray8, Colormap cmap);

// 256 RGB entries of the colour map (for GPU lookup textures), 768 bytes.
std::string colormap_lut_rgb(Colormap cmap);

}  // namespace peakscope::io
