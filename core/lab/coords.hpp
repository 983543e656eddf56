// Coordinate conventions: where a decoded point lands in the systems other libraries use.
// Decoders work in "index" (pixels, pixel centres at integers, x = column, y = row); these
// functions convert a point of a W x H map to and from the others.
#pragma once

#include <string>
#include <string_view>

namespace peakscope {

enum class CoordSystem {
  kIndex,   // "index": pixel centres at integers (this project, NumPy, MMPose heatmap space)
  kHalf,    // "half": pixel centres at i + 0.5 (OpenCV's continuous image coordinates)
  kDsnt,    // "dsnt": (2i + 1) / W - 1, in (-1, 1) (dsntnn)
  kCorner,  // "corner": 2i / (W - 1) - 1, in [-1, 1] (kornia's normalised grid, align_corners)
  kImage,   // "image": x * input_w / W, or with udp x * (input_w - 1) / (W - 1) (MMPose, UDP)
};

struct CoordConvention {
  CoordSystem system = CoordSystem::kIndex;
  int input_width = 0, input_height = 0;  // kImage only: the network input size, > 0
  bool udp = false;                       // kImage only: UDP's (input - 1) / (W - 1) scale

  // Throws std::invalid_argument when kImage has no positive input size.
  void validate() const;
  // "index", "half", "dsnt", "corner", "image" (the name the JSON carries).
  const char* name() const;
};

// Throws std::invalid_argument naming the text and the known names.
CoordSystem parse_coord_system(std::string_view s);
// "256x192" -> width 256, height 192; throws std::invalid_argument naming the text unless
// both are integers in [1, 1000000].
void parse_input_size(std::string_view s, int& width, int& height);

struct CoordPoint {
  double x = 0, y = 0;
};

// Converts a point (index convention) of a map_width x map_height map into `conv`. An axis of
// one pixel (no span to scale) lands at the centre of the convention's range: 0 in "dsnt" and
// "corner", (input - 1) / 2 in "image" with udp; "index", "half" and "image" without udp
// need no special case (0, 0.5 and 0). docs/lab.md has the table.
CoordPoint to_convention(CoordPoint p, int map_width, int map_height, const CoordConvention& conv);
// The inverse of to_convention: a 1-wide map's axis comes back to its only index 0; with udp
// an input 1 wide (where every map position lands at 0) comes back as 0.
CoordPoint from_convention(CoordPoint p, int map_width, int map_height,
                           const CoordConvention& conv);

}  // namespace peakscope
