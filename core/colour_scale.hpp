// One colour scale: which of the 256 entries of a colour table a value gets, for every picture
// of a map (the viewer's heatmap and softmax views, coloured on the CPU or by
// shaders/heatmap_view.frag, and the comparison sheets of core/io/sheets.hpp).
//
// The rule. Linear: t = (v - lo) / (hi - lo). Log: t = ln(v / f) / ln(hi / f) with
// f = max(lo, 1e-30), values below f taken as f. The entry is floor(256 t) clamped to 0..255:
// 256 entries of equal width, lo in entry 0, hi in entry 255. NaN gets entry 0, +inf 255,
// -inf 0. An empty range (hi <= lo; on a log scale hi <= f) gives entry 0 to every finite
// value.
//
// The rule is evaluated once per scale, as edges: edges()[k] (k = 1..255) is the smallest
// float at or above the threshold of entry k (lo + (hi - lo) k / 256, on a log scale
// f (hi / f)^(k / 256), computed in double through log2 and exp2), and the entry of a value is the
// number of edges at or below it. The CPU and the shader both count edges (the shader by a binary
// search over them, uploaded as a texture), so a frame gets the same entries on either path,
// whatever the GPU's log and division.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace peakscope {

class ColourScale {
 public:
  static constexpr int kEntries = 256;  // shaders/heatmap_view.frag kColourEntries

  // The scale over [lo, hi], linear or log (see above). Any lo, hi (an empty or non-finite
  // range colours every finite value with entry 0).
  ColourScale(float lo, float hi, bool log);

  // The entry of v: the number of edges at or below v, 0..255; 0 for NaN.
  int index(float v) const;

  // edges()[0] is -inf (unused), then 255 non-decreasing edges (+inf for an empty range).
  const std::array<float, kEntries>& edges() const { return edges_; }
  float lo() const { return lo_; }
  float hi() const { return hi_; }
  bool log() const { return log_; }

 private:
  int guess(float v) const;  // within a few entries of index(v), for the CPU's speed only
  std::array<float, kEntries> edges_{};
  float lo_, hi_;
  bool log_;
  float floor_ = 0, log_floor_ = 0, per_unit_ = 0;  // guess(): 256 t = (x - x0) * per_unit_
};

// The lower end of the log colour scale of a softmax map (the viewer's log view and the sheets
// alike): its smallest p, kept within [peak 1e-12, peak 10^-0.5], so at most 12 and at least
// 0.5 decades are shown below the peak. Values below it take the lowest colour: a colour bar
// then says "clipped at" this value.
double softmax_log_floor(double smallest_p, double peak);

// The entry a colour bar shows at fraction t of its length (0: lo end, 1: hi end): the same
// equal-width bins, floor(256 t) clamped to 0..255.
int colour_bar_entry(double t);

// A colour table: 256 RGB entries, entry 0 at the lo end (core/io/colormap.hpp builds the
// named maps).
using ColourTable = std::array<std::array<std::uint8_t, 3>, ColourScale::kEntries>;
static_assert(sizeof(ColourTable) == 3 * ColourScale::kEntries, "768 bytes, RGB RGB ...");

// Colours n values into n RGBA pixels (4n bytes: R, G, B, 255), entry scale.index(v) of table.
void colour_rgba(const float* values, std::size_t n, const ColourScale& scale,
                 const ColourTable& table, std::uint8_t* rgba);

}  // namespace peakscope
