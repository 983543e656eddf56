// The seed's comparison panels and sheets: heatmap | argmax | softmax | soft-argmax.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "core/cpu_engine.hpp"
#include "core/decode.hpp"
#include "core/heatmap.hpp"
#include "core/io/colormap.hpp"

namespace peakscope::io {

// A white filled circle of `radius` pixels centred on pixel (x, y), as the seed draws it.
void draw_dot(cv::Mat& bgr, int x, int y, int radius = 2);

// The four panels of the seed for channel c, each H x W BGR:
//   heatmap     the map coloured by cmap;
//   argmax      the same with a dot at the argmax;
//   softmax     the softmax map p (scaled by its max) coloured by cmap;
//   softargmax  the heatmap with a dot at the rounded soft-argmax.
// softmax is the H * W map of p for channel c (any engine's).
struct SeedPanels {
  cv::Mat heatmap, argmax, softmax, softargmax;
};
SeedPanels make_seed_panels(const HeatmapView& map, int c, const Keypoint& k,
                            const std::vector<float>& softmax, Colormap cmap = Colormap::kJet);

// One sheet: the four panels side by side, each scaled up to at least `min_panel` pixels,
// titled, with a footer line (beta, coordinates, frame index...).
cv::Mat compose_sheet(const SeedPanels& p, const std::string& footer, int min_panel = 256);

// The same frame at several betas: one row of the four panels per beta, footers naming beta
// and the coordinates, stacked top to bottom. `label` (e.g. "frame 12") starts each footer.
cv::Mat compose_beta_grid(const HeatmapView& map, int c, const std::vector<double>& betas,
                          bool normalize, const std::string& label, CpuEngine& engine,
                          Colormap cmap = Colormap::kJet, int min_panel = 256);

// The footer of a sheet: beta, normalisation, argmax, soft-argmax, peak probability, label.
std::string sheet_footer(double beta, bool normalize, const Keypoint& k, const std::string& label);

// Writes a PNG; throws std::runtime_error naming the path when it cannot.
void write_png(const std::string& path, const cv::Mat& img);

}  // namespace peakscope::io
