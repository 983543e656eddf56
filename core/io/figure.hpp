// A figure as a list of drawing items (pictures, markers, text, rectangles, lines) on a canvas
// of width x height units, drawn either as pixels (render_raster: one unit = one pixel) or as
// SVG (render_svg: pictures embedded as PNG, markers, text and rectangles as vector elements,
// so they stay sharp at any zoom). The comparison sheets (core/io/sheets.hpp) are built as
// figures, so a sheet's PNG and SVG show the same layout.
//
// Coordinates: units from the top-left corner, edges at integers (the pixel in column i spans
// [i, i + 1)), as in SVG.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <variant>
#include <vector>

namespace peakscope::io {

// Marker shapes. Each is drawn in its colour with a dark edge, visible on any colour map.
enum class Glyph {
  kCross,         // x with an open centre (the marked pixel stays visible)
  kRing,          // circle
  kDiamond,       // square on its corner
  kSquare,        // square
  kTriangle,      // triangle, point up
  kTriangleDown,  // triangle, point down
  kPlus,          // + with an open centre
  kAsterisk,      // three crossing strokes
  kDot,           // small filled disc
};
const char* glyph_name(Glyph g);  // "cross", "ring", ...

struct FigImage {
  double x = 0, y = 0;  // top-left corner; the picture is drawn at its own size (bgr.cols x rows)
  cv::Mat bgr;          // CV_8UC3
};
struct FigMarker {
  double x = 0, y = 0;  // centre
  Glyph glyph = Glyph::kRing;
  cv::Scalar colour;  // BGR
  double radius = 6;  // half the glyph's extent
  double stroke = 2;  // line width of the glyph (its dark edge adds 1 on each side)
  std::string what;   // what it marks ("argmax", "ground truth"): the SVG element's class
};
struct FigText {
  double x = 0, y = 0;  // baseline: left end, centre or right end (anchor)
  std::string text;     // ASCII
  double size = 11;     // height of a capital letter
  cv::Scalar colour{235, 235, 235};
  enum Anchor { kStart, kMiddle, kEnd } anchor = kStart;
};
struct FigRect {
  double x = 0, y = 0, w = 0, h = 0;
  cv::Scalar colour;
  double stroke = 0;  // 0: filled; otherwise the outline's width
};
struct FigLine {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  cv::Scalar colour;
  double stroke = 1;
};
using FigItem = std::variant<FigImage, FigMarker, FigText, FigRect, FigLine>;

// A named rectangle of the figure (a panel, a legend): where a caller or a test finds it.
// sx, sy: figure units per map pixel for a panel showing a map (1 otherwise).
struct FigRegion {
  std::string what;
  double x = 0, y = 0, w = 0, h = 0;
  double sx = 1, sy = 1;
};

struct Figure {
  int width = 0, height = 0;
  cv::Scalar background{32, 32, 32};
  std::vector<FigItem> items;
  std::vector<FigRegion> regions;  // not drawn
};
// The region named `what`, or null.
const FigRegion* find_region(const Figure& fig, const std::string& what);

// Width of `text` at capital height `size`, in units (the raster's font; the SVG's font is
// not wider). text_lines wraps text at spaces into lines no wider than max_width (a word
// wider than that is split), so nothing is cut.
double text_width(const std::string& text, double size);
std::vector<std::string> text_lines(const std::string& text, double size, double max_width);
// The line height for text of capital height `size`.
inline double line_height(double size) {
  return size * 1.75;
}

// The figure as a BGR image of width x height pixels.
cv::Mat render_raster(const Figure& fig);
// The figure as an SVG document (UTF-8 text).
std::string render_svg(const Figure& fig);

// Writes the figure by the path's extension: .svg as SVG; .pdf refused (std::runtime_error
// saying how to get one from the SVG); any other as a picture (PNG unless OpenCV writes the
// extension, as write_png). Through core/io/output_file.hpp; throws std::runtime_error naming
// the path and the reason.
void write_figure(const std::string& path, const Figure& fig);

// Base64 (RFC 4648, with padding) of `bytes`: the SVG's embedded pictures.
std::string base64(const std::vector<unsigned char>& bytes);

}  // namespace peakscope::io
