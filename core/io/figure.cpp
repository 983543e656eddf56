#include "core/io/figure.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <stdexcept>

#include "core/io/output_file.hpp"
#include "core/io/sheets.hpp"

namespace peakscope::io {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr int kShift = 4;  // sub-pixel coordinates for OpenCV's drawing, in 1/16 pixel
const cv::Scalar kEdge(0, 0, 0);

// Capital height of the raster font at scale 1.
double cap_height_at_1() {
  static const double h = [] {
    int base = 0;
    return static_cast<double>(cv::getTextSize("H", kFont, 1.0, 1, &base).height);
  }();
  return h;
}
int text_thickness(double size) {
  return std::max(1, static_cast<int>(std::lround(size / 12)));
}

// ---- Glyph geometry: strokes (open polylines) and outlines (closed polygons) -----------

struct Shape {
  std::vector<std::vector<cv::Point2d>> open, closed;
  double circle = 0;  // > 0: a circle of this radius
  double disc = 0;    // > 0: a filled disc of this radius
};

Shape glyph_shape(Glyph g, double r) {
  Shape s;
  auto rays = [&](std::initializer_list<double> degrees, double from) {
    for (double d : degrees) {
      const double a = d * CV_PI / 180, c = std::cos(a), sn = std::sin(a);
      s.open.push_back({{from * c, from * sn}, {r * c, r * sn}});
    }
  };
  switch (g) {
    case Glyph::kCross:
      rays({45, 135, 225, 315}, 0.4 * r);
      break;
    case Glyph::kPlus:
      rays({0, 90, 180, 270}, 0.4 * r);
      break;
    case Glyph::kAsterisk:
      for (double d : {90.0, 210.0, 330.0}) {
        const double a = d * CV_PI / 180;
        s.open.push_back(
            {{-r * std::cos(a), -r * std::sin(a)}, {r * std::cos(a), r * std::sin(a)}});
      }
      break;
    case Glyph::kRing:
      s.circle = r;
      break;
    case Glyph::kDot:
      s.disc = 0.45 * r;
      break;
    case Glyph::kDiamond:
      s.closed.push_back({{0, -r}, {r, 0}, {0, r}, {-r, 0}});
      break;
    case Glyph::kSquare: {
      const double h = 0.75 * r;
      s.closed.push_back({{-h, -h}, {h, -h}, {h, h}, {-h, h}});
      break;
    }
    case Glyph::kTriangle:
      s.closed.push_back({{0, -r}, {0.866 * r, 0.5 * r}, {-0.866 * r, 0.5 * r}});
      break;
    case Glyph::kTriangleDown:
      s.closed.push_back({{0, r}, {0.866 * r, -0.5 * r}, {-0.866 * r, -0.5 * r}});
      break;
  }
  return s;
}

// ---- Raster ---------------------------------------------------------------------------

// Figure units (edges at integers) to OpenCV's fixed point (pixel centres at integers).
cv::Point fixed(double x, double y) {
  return {static_cast<int>(std::lround((x - 0.5) * (1 << kShift))),
          static_cast<int>(std::lround((y - 0.5) * (1 << kShift)))};
}

void draw_shape(cv::Mat& img, const FigMarker& m, const Shape& s, const cv::Scalar& colour,
                int thick) {
  std::vector<std::vector<cv::Point>> open, closed;
  for (const auto& line : s.open) {
    open.emplace_back();
    for (const auto& p : line) open.back().push_back(fixed(m.x + p.x, m.y + p.y));
  }
  for (const auto& poly : s.closed) {
    closed.emplace_back();
    for (const auto& p : poly) closed.back().push_back(fixed(m.x + p.x, m.y + p.y));
  }
  if (!open.empty()) cv::polylines(img, open, false, colour, thick, cv::LINE_AA, kShift);
  if (!closed.empty()) cv::polylines(img, closed, true, colour, thick, cv::LINE_AA, kShift);
  if (s.circle > 0)
    cv::circle(img, fixed(m.x, m.y), static_cast<int>(std::lround(s.circle * (1 << kShift))),
               colour, thick, cv::LINE_AA, kShift);
}

void draw_marker(cv::Mat& img, const FigMarker& m) {
  const Shape s = glyph_shape(m.glyph, m.radius);
  const int thick = std::max(1, static_cast<int>(std::lround(m.stroke)));
  if (s.disc > 0) {
    const int r = static_cast<int>(std::lround(s.disc * (1 << kShift)));
    cv::circle(img, fixed(m.x, m.y), r + (1 << kShift), kEdge, cv::FILLED, cv::LINE_AA, kShift);
    cv::circle(img, fixed(m.x, m.y), r, m.colour, cv::FILLED, cv::LINE_AA, kShift);
    return;
  }
  draw_shape(img, m, s, kEdge, thick + 2);
  draw_shape(img, m, s, m.colour, thick);
}

void draw_text(cv::Mat& img, const FigText& t) {
  const double scale = t.size / cap_height_at_1();
  const int thick = text_thickness(t.size);
  double x = t.x;
  if (t.anchor != FigText::kStart) {
    int base = 0;
    const double w = cv::getTextSize(t.text, kFont, scale, thick, &base).width;
    x -= t.anchor == FigText::kMiddle ? w / 2 : w;
  }
  cv::putText(img, t.text,
              cv::Point(static_cast<int>(std::lround(x)), static_cast<int>(std::lround(t.y))),
              kFont, scale, t.colour, thick, cv::LINE_AA);
}

// ---- SVG ------------------------------------------------------------------------------

std::string colour_css(const cv::Scalar& bgr) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", static_cast<int>(bgr[2]) & 255,
                static_cast<int>(bgr[1]) & 255, static_cast<int>(bgr[0]) & 255);
  return buf;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) switch (c) {
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '&':
        o += "&amp;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') o += c;
    }
  return o;
}

void svg_shape(std::ostream& o, const FigMarker& m, const Shape& s, const std::string& stroke,
               double width) {
  const std::string style = " fill=\"none\" stroke=\"" + stroke + "\" stroke-width=\"" +
                            num(width) + "\" stroke-linejoin=\"round\" stroke-linecap=\"round\"";
  for (const auto& line : s.open) {
    o << "<path d=\"";
    for (std::size_t i = 0; i < line.size(); ++i)
      o << (i ? " L" : "M") << num(m.x + line[i].x) << ' ' << num(m.y + line[i].y);
    o << "\"" << style << "/>";
  }
  for (const auto& poly : s.closed) {
    o << "<path d=\"";
    for (std::size_t i = 0; i < poly.size(); ++i)
      o << (i ? " L" : "M") << num(m.x + poly[i].x) << ' ' << num(m.y + poly[i].y);
    o << " Z\"" << style << "/>";
  }
  if (s.circle > 0)
    o << "<circle cx=\"" << num(m.x) << "\" cy=\"" << num(m.y) << "\" r=\"" << num(s.circle) << "\""
      << style << "/>";
}

void svg_marker(std::ostream& o, const FigMarker& m) {
  const Shape s = glyph_shape(m.glyph, m.radius);
  o << "<g class=\"marker " << glyph_name(m.glyph) << "\" data-marks=\"" << xml_escape(m.what)
    << "\">";
  if (s.disc > 0) {
    o << "<circle cx=\"" << num(m.x) << "\" cy=\"" << num(m.y) << "\" r=\"" << num(s.disc + 1)
      << "\" fill=\"#000000\"/><circle cx=\"" << num(m.x) << "\" cy=\"" << num(m.y) << "\" r=\""
      << num(s.disc) << "\" fill=\"" << colour_css(m.colour) << "\"/>";
  } else {
    const double w = std::max(1.0, std::round(m.stroke));
    svg_shape(o, m, s, "#000000", w + 2);
    svg_shape(o, m, s, colour_css(m.colour), w);
  }
  o << "</g>\n";
}

}  // namespace

const char* glyph_name(Glyph g) {
  switch (g) {
    case Glyph::kCross:
      return "cross";
    case Glyph::kRing:
      return "ring";
    case Glyph::kDiamond:
      return "diamond";
    case Glyph::kSquare:
      return "square";
    case Glyph::kTriangle:
      return "triangle";
    case Glyph::kTriangleDown:
      return "triangle-down";
    case Glyph::kPlus:
      return "plus";
    case Glyph::kAsterisk:
      return "asterisk";
    case Glyph::kDot:
      return "dot";
  }
  return "?";
}

const FigRegion* find_region(const Figure& fig, const std::string& what) {
  for (const FigRegion& r : fig.regions)
    if (r.what == what) return &r;
  return nullptr;
}

double text_width(const std::string& text, double size) {
  int base = 0;
  return cv::getTextSize(text, kFont, size / cap_height_at_1(), text_thickness(size), &base).width;
}

std::vector<std::string> text_lines(const std::string& text, double size, double max_width) {
  std::vector<std::string> lines;
  std::string line;
  auto fits = [&](const std::string& s) { return text_width(s, size) <= max_width; };
  // Runs of two spaces separate fields: kept inside a line, a break at either.
  std::vector<std::string> tokens;
  {
    std::size_t i = 0;
    while (i < text.size()) {
      const std::size_t j = text.find(' ', i);
      tokens.push_back(text.substr(i, j == std::string::npos ? std::string::npos : j - i));
      if (j == std::string::npos) break;
      i = j + 1;
    }
  }
  for (const std::string& tok : tokens) {
    const std::string cand = line.empty() ? tok : line + " " + tok;
    if (fits(cand) || (line.empty() && tok.empty())) {
      line = cand;
      continue;
    }
    if (!line.empty()) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      lines.push_back(line);
      line.clear();
    }
    // A token wider than the line: split by characters.
    std::string rest = tok;
    while (!rest.empty() && !fits(rest)) {
      std::size_t n = 1;
      while (n < rest.size() && fits(rest.substr(0, n + 1))) ++n;
      lines.push_back(rest.substr(0, n));
      rest = rest.substr(n);
    }
    line = rest;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

cv::Mat render_raster(const Figure& fig) {
  cv::Mat img(std::max(1, fig.height), std::max(1, fig.width), CV_8UC3, fig.background);
  const cv::Rect all(0, 0, img.cols, img.rows);
  for (const FigItem& item : fig.items) {
    if (const auto* im = std::get_if<FigImage>(&item)) {
      const cv::Rect r(static_cast<int>(std::lround(im->x)), static_cast<int>(std::lround(im->y)),
                       im->bgr.cols, im->bgr.rows);
      const cv::Rect in = r & all;
      if (in.area() > 0) im->bgr(in - r.tl()).copyTo(img(in));
    } else if (const auto* m = std::get_if<FigMarker>(&item)) {
      draw_marker(img, *m);
    } else if (const auto* t = std::get_if<FigText>(&item)) {
      draw_text(img, *t);
    } else if (const auto* rc = std::get_if<FigRect>(&item)) {
      const cv::Rect r(static_cast<int>(std::lround(rc->x)), static_cast<int>(std::lround(rc->y)),
                       static_cast<int>(std::lround(rc->w)), static_cast<int>(std::lround(rc->h)));
      if (rc->stroke <= 0)
        cv::rectangle(img, r, rc->colour, cv::FILLED);
      else
        cv::rectangle(img, r, rc->colour, std::max(1, static_cast<int>(std::lround(rc->stroke))));
    } else if (const auto* l = std::get_if<FigLine>(&item)) {
      cv::line(img, fixed(l->x0, l->y0), fixed(l->x1, l->y1), l->colour,
               std::max(1, static_cast<int>(std::lround(l->stroke))), cv::LINE_AA, kShift);
    }
  }
  return img;
}

std::string base64(const std::vector<unsigned char>& bytes) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  o.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    o += k[v >> 18 & 63];
    o += k[v >> 12 & 63];
    o += k[v >> 6 & 63];
    o += k[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = bytes[i] << 16;
    o += k[v >> 18 & 63];
    o += k[v >> 12 & 63];
    o += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v = bytes[i] << 16 | bytes[i + 1] << 8;
    o += k[v >> 18 & 63];
    o += k[v >> 12 & 63];
    o += k[v >> 6 & 63];
    o += '=';
  }
  return o;
}

std::string render_svg(const Figure& fig) {
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
       "version=\"1.1\" width=\""
    << fig.width << "\" height=\"" << fig.height << "\" viewBox=\"0 0 " << fig.width << ' '
    << fig.height << "\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"" << colour_css(fig.background) << "\"/>\n";
  for (const FigItem& item : fig.items) {
    if (const auto* im = std::get_if<FigImage>(&item)) {
      std::vector<unsigned char> png;
      cv::imencode(".png", im->bgr, png);
      const std::string data = "data:image/png;base64," + base64(png);
      o << "<image x=\"" << num(im->x) << "\" y=\"" << num(im->y) << "\" width=\"" << im->bgr.cols
        << "\" height=\"" << im->bgr.rows
        << "\" preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" "
           "style=\"image-rendering:pixelated\" href=\""
        << data << "\" xlink:href=\"" << data << "\"/>\n";
    } else if (const auto* m = std::get_if<FigMarker>(&item)) {
      svg_marker(o, *m);
    } else if (const auto* t = std::get_if<FigText>(&item)) {
      // DejaVu Sans and Helvetica have capitals 0.73 and 0.72 em high; at 0.75 em a line set in
      // DejaVu Sans is about 0.85 of the raster font's width, so lines wrapped for the raster
      // font fit in the SVG too.
      o << "<text xml:space=\"preserve\" x=\"" << num(t->x) << "\" y=\"" << num(t->y)
        << "\" font-size=\"" << num(t->size / 0.75)
        << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" fill=\""
        << colour_css(t->colour) << "\""
        << (t->anchor == FigText::kMiddle ? " text-anchor=\"middle\""
            : t->anchor == FigText::kEnd  ? " text-anchor=\"end\""
                                          : "")
        << ">" << xml_escape(t->text) << "</text>\n";
    } else if (const auto* rc = std::get_if<FigRect>(&item)) {
      o << "<rect x=\"" << num(rc->x) << "\" y=\"" << num(rc->y) << "\" width=\"" << num(rc->w)
        << "\" height=\"" << num(rc->h) << "\"";
      if (rc->stroke <= 0)
        o << " fill=\"" << colour_css(rc->colour) << "\"/>\n";
      else
        o << " fill=\"none\" stroke=\"" << colour_css(rc->colour) << "\" stroke-width=\""
          << num(rc->stroke) << "\"/>\n";
    } else if (const auto* l = std::get_if<FigLine>(&item)) {
      o << "<line x1=\"" << num(l->x0) << "\" y1=\"" << num(l->y0) << "\" x2=\"" << num(l->x1)
        << "\" y2=\"" << num(l->y1) << "\" stroke=\"" << colour_css(l->colour)
        << "\" stroke-width=\"" << num(l->stroke) << "\"/>\n";
    }
  }
  o << "</svg>\n";
  return o.str();
}

void write_figure(const std::string& path, const Figure& fig) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".pdf")
    throw std::runtime_error("cannot write " + path +
                             ": PDF is not written (this build has no PDF library); write an .svg "
                             "and convert it, e.g. rsvg-convert -f pdf -o " +
                             std::filesystem::path(path).filename().string() + " sheet.svg");
  if (ext == ".svg") {
    const std::string svg = render_svg(fig);
    try {
      write_file(path, svg);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string("cannot write ") + e.what());
    }
    return;
  }
  write_png(path, render_raster(fig));
}

}  // namespace peakscope::io
