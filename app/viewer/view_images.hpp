// The float images the two views colour, computed on the CPU without any window: one
// channel as it is, the maximum over all channels, or all channels tiled in a grid; and the
// value range each is coloured over, with the real softmax p range the colour bar shows.
#pragma once

#include <vector>

#include "app/viewer/settings.hpp"
#include "core/decode.hpp"
#include "core/heatmap.hpp"

namespace peakscope::viewer {

struct TileOffset {
  int x = 0, y = 0;
};

// A W x H float image (row-major) and the range [lo, hi] it is coloured over.
//   tiles  where channel c's pixel (0, 0) lands in the image: (0, 0) for every channel in
//          the single and max views, the grid cell in the grid view.
//   p_lo, p_hi  for softmax images: the real probabilities at the ends of the colour scale
//          (in the grid view each tile is divided by its own peak, so lo/hi are relative and
//          p_lo, p_hi give the range over all channels).
//   p_min  softmax: the smallest p the view shows (see PRange); p_clipped: the log scale
//          stops above it; constant: every value shown is the same (one value, no range).
//   has_nan  a pixel of the image is NaN (drawn in kNanColour, core/colour_scale.hpp); the
//          grid's gaps and empty cells are -inf (the lowest colour), not NaN.
struct ViewImage {
  std::vector<float> values;
  int width = 0, height = 0;
  float lo = 0, hi = 1;
  double p_lo = 0, p_hi = 0, p_min = 0;
  bool p_clipped = false, constant = false, has_nan = false;
  bool per_tile_scale = false;  // grid: each tile scaled to its own range
  std::vector<TileOffset> tiles;
};

// The smallest finite value of channel c (0 when it has none).
double channel_min(const HeatmapView& map, int c);
// Whether channel c has a NaN pixel.
bool channel_has_nan(const HeatmapView& map, int c);

// The log colour scale reaches at most this many decades below the peak.
inline constexpr double kLogScaleDecades = 12;

// The real p range of the softmax view of channel `channel` (-1: every channel, shown as
// their maximum) of maps decoded into kps (heat_min[c]: channel c's smallest finite value;
// invalid channels are left out), as its colour bar states it:
//   hi        the largest peak probability
//   min       the smallest p the view shows, in double (softmax_at of the smallest value; in the
//             max view the largest of the channels' smallest p, which every pixel reaches)
//   lo        the colour scale's lower end: 0 on a linear scale; on a log scale min, or
//             hi * 1e-kLogScaleDecades when min is further below (then clipped)
//   constant  min == hi: every p is the same (beta 1e-30): one value, no range
struct PRange {
  double hi = 0, min = 0, lo = 0;
  bool clipped = false, constant = false;
};
PRange softmax_range(const std::vector<Keypoint>& kps, const std::vector<double>& heat_min,
                     int channel, SoftmaxScale scale, const DecodeOptions& opt);

// Gap between grid tiles, in map pixels.
inline constexpr int kGridGap = 2;
// Columns of the grid for k channels: ceil(sqrt(k)).
int grid_columns(int k);

// The heatmap view: channel `channel` (>= 0), or all channels (-1) as their per-pixel
// maximum (NaN where every channel is NaN) or as a grid of tiles each scaled to its own
// finite min..max (then lo = 0, hi = 1). lo/hi otherwise: the finite min and max.
ViewImage heat_image(const HeatmapView& map, int channel, AllChannelsView view);

// The softmax view of `map`. p[c] is channel c's softmax map (W x H, or nullptr for a channel
// not shown); kps[c] its keypoint, heat_min[c] its smallest finite value. Single and max views
// hold p itself, NaN where every channel shown is NaN in `map` (an invalid channel: all of it);
// the colour scale is softmax_range's [lo, hi]. The grid divides each tile by its channel's
// peak (lo/hi relative; the smallest lo of the tiles, clipped when any tile is).
ViewImage softmax_image(const std::vector<const float*>& p, const std::vector<Keypoint>& kps,
                        const std::vector<double>& heat_min, const HeatmapView& map, int channel,
                        AllChannelsView view, SoftmaxScale scale, const DecodeOptions& opt);

// The colour-map index (0..255) v (as float) gets on a [lo, hi] scale, linear or log: the
// entry it has in the view's picture (core/colour_scale.hpp, on the CPU and the GPU alike).
int colormap_index(double v, float lo, float hi, bool log);

// The lower end of the log colour scale of one channel: the smallest p of the map
// (softmax_at of its smallest finite value), at least peak 1e-kLogScaleDecades.
double log_scale_floor(const Keypoint& k, double heat_min, const DecodeOptions& opt);

}  // namespace peakscope::viewer
