// The seed's comparison panels and sheets (heatmap | argmax | softmax | soft-argmax), and the
// publication sheets built on core/io/figure.hpp: the softmax coloured as the view shows it
// (linear or log), distinct markers with a legend, ground truth and its error, keypoint and
// source names, every channel of a grid or max view, a compact beta grid, PNG or SVG.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/decode.hpp"
#include "core/heatmap.hpp"
#include "core/io/colormap.hpp"
#include "core/io/figure.hpp"
#include "core/io/source.hpp"

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

// ---- Publication sheets ---------------------------------------------------------------

// Radius of the argmax and soft-argmax markers of a publication sheet on a panel whose
// shorter side is `panel_short` figure units, at size factor `scale`: 7 x scale at least, and
// 1/28 of the panel (ground truth is drawn 1.3 times as large, the decoders 0.75 times).
double sheet_marker_size(double panel_short, double scale);

// How a sheet draws: as the viewer's view shows the maps.
//   log_softmax   the softmax on a log scale from the viewer's floor (core/colour_scale.hpp
//                 softmax_log_floor) to the peak; otherwise linear from 0 to the peak.
//   scale         panels, markers, text and gaps multiplied by this (--sheet-scale), > 0.
//   min_panel     a panel's long side is at least this many pixels (times scale); a panel is
//                 also at least 140 wide and 48 high (times scale), so its titles fit and a
//                 strip-shaped map has room for its markers.
//   pixel_aspect  width / height of one map pixel in the source frame.
struct SheetStyle {
  bool log_softmax = false;
  double scale = 1;
  int min_panel = 256;
  Colormap cmap = Colormap::kJet;
  double pixel_aspect = 1;
  // Marker kinds drawn (the viewer's --hide-markers hides them on its sheets too).
  bool show_argmax = true, show_softargmax = true, show_truth = true;
};

// One decoder's point on a channel (map pixels, pixel centres at integers).
struct SheetPoint {
  std::string what;  // the decoder's name ("dark", "quarter"...): its marker's style
  double x = 0, y = 0;
  bool valid = true;
};

// Everything a sheet shows about one channel at one beta.
struct SheetChannel {
  int channel = 0;
  std::string name;      // keypoint name; empty: none known
  Keypoint k;            // argmax, soft-argmax, peak probability
  std::vector<float> p;  // the W x H softmax map
  double p_min = 0;      // the smallest p, in double (float p may underflow to 0)
  double effective_beta = 0;
  std::vector<Point2> truth;  // ground-truth points in map pixels; empty: unknown
  double error = -1;          // soft-argmax to ground truth (io::ground_truth_error), px; -1
  std::vector<SheetPoint> decoders;
};

// Channel c of `map` decoded on the CPU engine under `opt`: the keypoint, its softmax map, the
// effective beta, and from `frame` (may be null) the keypoint's name (Frame::names, else the
// pose preset's) and ground truth with the error.
SheetChannel sheet_channel(CpuEngine& engine, const HeatmapView& map, int c,
                           const DecodeOptions& opt, const Frame* frame);

// The keypoint name of channel c of a frame: Frame::names, else the pose preset's; empty when
// none is known.
std::string frame_keypoint_name(const Frame& f, int c);

// The marker of each thing a sheet marks, and of each decoder by name (core/lab/decoder.hpp's
// names; an unknown name gets a grey dot): argmax a white cross, soft-argmax a magenta ring,
// ground truth a green diamond.
struct MarkerStyle {
  Glyph glyph;
  cv::Scalar colour;  // BGR
};
MarkerStyle sheet_marker_style(const std::string& what);

enum class SheetLayout {
  kChannel,  // one channel: heatmap | argmax | softmax | soft-argmax
  kGrid,     // every channel in its own tile, each on its own range: heatmap | softmax
  kMax,      // every channel's maximum per pixel, all markers: heatmap | softmax
};

struct SheetInput {
  HeatmapView map;
  std::vector<SheetChannel> channels;  // kChannel: one; kGrid, kMax: every channel shown
  SheetLayout layout = SheetLayout::kChannel;
  DecodeOptions opt;
  std::string title;  // the sheet's first line: source, model, frame
};

// The sheet as a figure (write_figure writes it as .png or .svg; render_raster draws it). Its
// footer gives beta, the effective beta where normalise changes it, the keypoints, the peak
// probability and the ground-truth error; every text is wrapped to the sheet's width.
Figure sheet_figure(const SheetInput& in, const SheetStyle& style = {});

// The same channel at several betas, compactly: the heatmap once (argmax and ground truth on
// it), then per beta the softmax with its markers, its colour bar and a caption; rows of at
// most `columns` panels and about 3000 units (times the scale), as even as they can be (six
// 256-unit panels in one row, six 512-unit panels in two rows of three). rows[i] is the
// channel at betas[i] (sheet_channel).
Figure beta_grid_figure(const HeatmapView& map, const std::vector<SheetChannel>& rows,
                        const std::vector<double>& betas, bool normalize, const std::string& title,
                        const SheetStyle& style = {}, int columns = 6);

// Figure::regions of a sheet: "panel heatmap", "panel argmax", "panel softmax", "panel
// soft-argmax", "panel softmax beta B" (B as %g), "tile softmax C" / "tile heatmap C" (grid),
// "legend", "footer", each with sx, sy the figure units per map pixel.

}  // namespace peakscope::io
