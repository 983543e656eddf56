// The seed's comparison panels and sheets: heatmap | argmax | softmax | soft-argmax.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/decode.hpp"
#include "core/heatmap.hpp"
#include "core/io/colormap.hpp"

namespace peakscope::io {

// A white filled circle of `radius` pixels centred on pixel (x, y), as the seed draws it.
void draw_dot(cv::Mat& bgr, int x, int y, int radius = 2);

// The four panels of the seed for channel c, each H x W BGR:
//   heatmap     the map coloured by cmap (finite min..max stretched);
//   argmax      the same with the seed's dot (radius 2) at the argmax;
//   softmax     the softmax map p stretched from its min to its max, coloured by cmap (the
//               real range is kept in p_min / p_max for a colour bar);
//   softargmax  the heatmap with the seed's dot at the rounded soft-argmax.
// softmax is the H * W map of p for channel c (any engine's). The other fields carry what a
// sheet needs to draw its own markers and colour bars.
struct SeedPanels {
  cv::Mat heatmap, argmax, softmax, softargmax;
  Keypoint k;
  double heat_min = 0, heat_max = 0;  // finite range of the channel's values
  double p_min = 0, p_max = 0;        // range of p behind the stretched softmax panel
  Colormap cmap = Colormap::kJet;
  // Width / height of one heatmap pixel in the source frame (model outputs of another aspect
  // than the frame): sheets stretch the panels so they keep the frame's aspect.
  double pixel_aspect = 1;
};
SeedPanels make_seed_panels(const HeatmapView& map, int c, const Keypoint& k,
                            const std::vector<float>& softmax, Colormap cmap = Colormap::kJet);

// The seed's softmax.png exactly: JET applied to (p * 255) cast to uint8 (truncated, as NumPy's
// astype(np.uint8)), p the H * W softmax in double. A peak of p = 0.07 is the value 17: dark
// blue, as in the seed.
cv::Mat seed_softmax_image(const std::vector<double>& p, int width, int height);

// A horizontal colour bar `width` x 12 pixels over the full colour map, with the real range
// written under it ("lo" at the left, "hi" at the right) on a dark background; 12 + 16 rows.
cv::Mat colorbar(Colormap cmap, int width, double lo, double hi, const std::string& what);

// Marker radius on a panel shown `panel_px` pixels wide or high (whichever is smaller): a
// ring that stays visible on large frames and leaves the marked pixel visible on small maps.
int sheet_marker_radius(int panel_px);

// Sheet layout, top to bottom: title row, panels, colour bars, footer; gaps between panels.
inline constexpr int kSheetTitle = 28, kSheetBars = 30, kSheetFooter = 30, kSheetGap = 6;

// One sheet: the four panels side by side, each scaled up (nearest neighbour) to at least
// `min_panel` pixels and to the frame's aspect, titled; markers drawn as rings scaled with the
// panel (argmax at its pixel, soft-argmax at its sub-pixel position); colour bars with the
// real value range under the heatmap and softmax panels; a footer line.
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
