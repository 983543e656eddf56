// Colour maps and heatmap-to-image conversion (OpenCV).
#pragma once

#include <utility>

#include <opencv2/core.hpp>
#include <string>
#include <string_view>

#include "core/colour_scale.hpp"
#include "core/heatmap.hpp"

namespace peakscope::io {

enum class Colormap { kJet, kViridis, kTurbo, kInferno, kGray };

// "jet", "viridis", "turbo", "inferno", "gray"; throws std::invalid_argument otherwise.
Colormap parse_colormap(std::string_view name);
const char* colormap_name(Colormap c);

// The colour-table entry (core/colour_scale.hpp) of every pixel of channel c, as CV_8U: the
// value (as float) on `scale`. apply_colormap turns it into the picture.
cv::Mat colour_indices(const HeatmapView& map, int c, const ColourScale& scale);
// The finite min and max of channel c ({0, 0} when it has no finite value): the range the
// sheets colour a channel over.
std::pair<double, double> finite_range(const HeatmapView& map, int c);

// A CV_8U image of colour-table entries coloured into BGR (CV_8UC3).
cv::Mat apply_colormap(const cv::Mat& entries, Colormap cmap);

// The colour map's 256 entries: the table apply_colormap uses, for the viewer's colouring.
ColourTable colour_table(Colormap cmap);
// The same 256 RGB entries as 768 bytes.
std::string colormap_lut_rgb(Colormap cmap);

}  // namespace peakscope::io
