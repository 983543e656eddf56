// The publication sheets of core/io/sheets.hpp: cells (a title, a picture with its markers, a
// colour bar, a caption) placed in rows, a legend, a footer and a table, as a Figure.
#include "core/io/sheets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include "core/colour_scale.hpp"

namespace peakscope::io {
namespace {

const cv::Scalar kText(235, 235, 235), kDim(175, 175, 175), kBackground(32, 32, 32);

// Sizes at a style's scale, in figure units.
struct Metrics {
  double s, gap, title, text, small, bar;
  explicit Metrics(double scale)
      : s(scale),
        gap(8 * scale),
        title(13 * scale),
        text(11 * scale),
        small(10 * scale),
        bar(10 * scale) {}
};

double style_scale(const SheetStyle& st) {
  return st.scale > 0 && std::isfinite(st.scale) ? st.scale : 1.0;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Map pixels to display units: the long side at least min_panel x scale, pixels square in the
// source frame (pixel_aspect), the panel at least min_width wide (text under it fits).
struct Mag {
  double sx = 1, sy = 1;
  int dw = 0, dh = 0;
};
Mag magnify(int w, int h, const SheetStyle& st, double min_width) {
  const double aspect = st.pixel_aspect > 0 && std::isfinite(st.pixel_aspect) ? st.pixel_aspect : 1;
  const double scale = style_scale(st);
  const double s =
      std::max(1.0 / std::min(aspect, 1.0), st.min_panel / std::max(w * aspect, 1.0 * h));
  Mag m;
  m.sx = std::max(1.0, std::ceil(s * aspect - 1e-9)) * scale;
  m.sy = std::max(1.0, std::ceil(s - 1e-9)) * scale;
  // Wide enough for the titles; a strip (640 x 24) at least 48 units high for its markers.
  double f = w * m.sx < min_width ? std::ceil(min_width / (w * m.sx) - 1e-9) : 1;
  if (h * m.sy * f < 48 * scale) f = std::ceil(48 * scale / (h * m.sy) - 1e-9);
  m.sx *= f;
  m.sy *= f;
  m.dw = std::max(1, static_cast<int>(std::lround(w * m.sx)));
  m.dh = std::max(1, static_cast<int>(std::lround(h * m.sy)));
  m.sx = static_cast<double>(m.dw) / w;
  m.sy = static_cast<double>(m.dh) / h;
  return m;
}

std::vector<float> channel_values(const HeatmapView& map, int c) {
  std::vector<float> v(map.pixels());
  for (int y = 0; y < map.height; ++y)
    for (int x = 0; x < map.width; ++x)
      v[static_cast<std::size_t>(y) * map.width + x] = static_cast<float>(map.at(c, y, x));
  return v;
}

// w x h values coloured on `scale` by cmap, shown dw x dh (nearest neighbour). NaN pixels get
// kNanColour (core/colour_scale.hpp), as in the viewer, never a colour of the map.
cv::Mat picture(const std::vector<float>& v, int w, int h, const ColourScale& scale, Colormap cmap,
                int dw, int dh) {
  cv::Mat idx(h, w, CV_8U);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      idx.at<std::uint8_t>(y, x) =
          static_cast<std::uint8_t>(scale.index(v[static_cast<std::size_t>(y) * w + x]));
  cv::Mat bgr = apply_colormap(idx, cmap);
  const cv::Vec3b nan_bgr(kNanColour[2], kNanColour[1], kNanColour[0]);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (std::isnan(v[static_cast<std::size_t>(y) * w + x])) bgr.at<cv::Vec3b>(y, x) = nan_bgr;
  cv::Mat big;
  cv::resize(bgr, big, cv::Size(dw, dh), 0, 0, cv::INTER_NEAREST);
  return big;
}

void translate(FigItem& item, double dx, double dy) {
  std::visit(
      [&](auto& it) {
        using T = std::decay_t<decltype(it)>;
        if constexpr (std::is_same_v<T, FigLine>) {
          it.x0 += dx;
          it.x1 += dx;
          it.y0 += dy;
          it.y1 += dy;
        } else {
          it.x += dx;
          it.y += dy;
        }
      },
      item);
}

// A cell of a sheet: a title, a picture area with its markers, a colour bar, a caption.
// Items and regions are relative to the picture's top-left corner.
struct Cell {
  std::string title;
  double w = 0, h = 0;  // the picture area
  std::vector<FigItem> items;
  std::vector<FigRegion> regions;
  bool bar = false;
  Colormap cmap = Colormap::kJet;
  std::string bar_lo, bar_hi;
  std::vector<std::string> caption;
};

// Which markers a panel draws.
enum MarkSet : unsigned { kArgmax = 1, kSoft = 2, kTruth = 4, kDecoders = 8, kAll = 15 };

double marker_radius(double panel_short, const Metrics& m) {
  return sheet_marker_size(panel_short, m.s);
}

void add_markers(Cell& cell, const SheetChannel& ch, double ox, double oy, double sx, double sy,
                 double r, unsigned set, const SheetStyle& st) {
  if (!st.show_argmax) set &= ~static_cast<unsigned>(kArgmax);
  if (!st.show_softargmax) set &= ~static_cast<unsigned>(kSoft);
  if (!st.show_truth) set &= ~static_cast<unsigned>(kTruth);
  const double stroke = std::max(1.0, std::round(std::max(1.5 * r / 7, r / 6)));
  auto mark = [&](const std::string& what, double x, double y) {
    const MarkerStyle ms = sheet_marker_style(what);
    FigMarker fm;
    fm.x = ox + (x + 0.5) * sx;
    fm.y = oy + (y + 0.5) * sy;
    fm.glyph = ms.glyph;
    fm.colour = ms.colour;
    // Ground truth around the others, decoders inside them: coinciding markers stay apart.
    fm.radius = what == "ground truth"                      ? 1.3 * r
                : what == "argmax" || what == "soft-argmax" ? r
                                                            : 0.75 * r;
    fm.stroke = stroke;
    fm.what = what;
    cell.items.push_back(fm);
  };
  if (set & kTruth)
    for (const Point2& t : ch.truth)
      if (std::isfinite(t.x) && std::isfinite(t.y)) mark("ground truth", t.x, t.y);
  if (!ch.k.valid) return;
  if (set & kDecoders)
    for (const SheetPoint& d : ch.decoders)
      if (d.valid && d.what != "argmax" && d.what != "softargmax") mark(d.what, d.x, d.y);
  if (set & kArgmax) mark("argmax", ch.k.argmax_x, ch.k.argmax_y);
  if (set & kSoft) mark("soft-argmax", ch.k.soft_x, ch.k.soft_y);
}

std::string channel_label(const SheetChannel& ch) {
  std::string s = "ch " + std::to_string(ch.channel);
  if (!ch.name.empty()) s += " " + ch.name;
  return s;
}

// The softmax colour scale of one channel as the view shows it, and its bar's end labels.
struct PScale {
  float lo = 0, hi = 1;
  std::string lo_text, hi_text;
};
PScale p_scale(const SheetChannel& ch, bool log) {
  PScale s;
  const double peak = ch.k.valid ? ch.k.peak_probability : 0;
  s.hi = static_cast<float>(std::max(peak, 1e-30));
  s.hi_text = fmt("%.3g", peak);
  if (log) {
    const double f = softmax_log_floor(ch.p_min, peak);
    s.lo = static_cast<float>(f);
    s.lo_text = ch.p_min < f * (1 - 1e-6)
                    ? "clipped at " + fmt("%.2g", f) + " (min " + fmt("%.2g", ch.p_min) + ")"
                    : fmt("%.3g", f);
  } else {
    s.lo = 0;
    s.lo_text = "0 (min " + fmt("%.2g", ch.p_min) + ")";
  }
  return s;
}

bool beta_changed(const SheetChannel& ch, double beta) {
  return std::abs(ch.effective_beta - beta) > 1e-9 * std::abs(beta);
}

// ---- Placing cells, the legend and the footer --------------------------------------------

// The colour bar under a cell: the ramp, then its end labels (on one line when they fit, else
// on two, each wrapped). Returns its height.
double place_bar(Figure& fig, const Cell& c, double x, double y, const Metrics& m, bool draw) {
  if (!c.bar) return 0;
  const double lh = line_height(m.small);
  const double lo_w = text_width(c.bar_lo, m.small), hi_w = text_width(c.bar_hi, m.small);
  const bool one_line = lo_w + hi_w + 2 * m.gap <= c.w;
  const auto lo = text_lines(c.bar_lo, m.small, c.w), hi = text_lines(c.bar_hi, m.small, c.w);
  const double h =
      m.bar + 2 * m.s + lh * (one_line ? 1.0 : static_cast<double>(lo.size() + hi.size()));
  if (!draw) return h;
  const int bw = std::max(2, static_cast<int>(std::lround(c.w)));
  cv::Mat ramp(1, bw, CV_8U);
  for (int i = 0; i < bw; ++i)
    ramp.at<std::uint8_t>(0, i) =
        static_cast<std::uint8_t>(colour_bar_entry(static_cast<double>(i) / (bw - 1)));
  FigImage im{x, y, {}};
  cv::resize(apply_colormap(ramp, c.cmap), im.bgr,
             cv::Size(bw, std::max(1, static_cast<int>(std::lround(m.bar)))), 0, 0,
             cv::INTER_NEAREST);
  fig.items.push_back(im);
  double ty = y + m.bar + 2 * m.s + m.small * 1.25;
  if (one_line) {
    fig.items.push_back(FigText{x, ty, c.bar_lo, m.small, kText});
    fig.items.push_back(FigText{x + c.w, ty, c.bar_hi, m.small, kText, FigText::kEnd});
    return h;
  }
  for (const auto& l : lo) {
    fig.items.push_back(FigText{x, ty, l, m.small, kText});
    ty += lh;
  }
  for (const auto& l : hi) {
    fig.items.push_back(FigText{x + c.w, ty, l, m.small, kText, FigText::kEnd});
    ty += lh;
  }
  return h;
}

// Cells in rows of `cols`, from y; returns the y below them.
double place_cells(Figure& fig, const std::vector<Cell>& cells, int cols, double cw, double y,
                   const Metrics& m) {
  const double lt = line_height(m.title), lc = line_height(m.text);
  for (std::size_t r0 = 0; r0 < cells.size(); r0 += cols) {
    const std::size_t r1 = std::min(cells.size(), r0 + cols);
    std::size_t title_lines = 0, cap_lines = 0;
    double pic_h = 0, bar_h = 0;
    for (std::size_t i = r0; i < r1; ++i) {
      title_lines = std::max(title_lines, text_lines(cells[i].title, m.title, cw).size());
      std::size_t n = 0;
      for (const auto& cap : cells[i].caption) n += text_lines(cap, m.text, cw).size();
      cap_lines = std::max(cap_lines, n);
      pic_h = std::max(pic_h, cells[i].h);
      bar_h = std::max(bar_h, place_bar(fig, cells[i], 0, 0, m, false));
    }
    for (std::size_t i = r0; i < r1; ++i) {
      const Cell& c = cells[i];
      const double x = m.gap + static_cast<double>(i - r0) * (cw + m.gap);
      double ty = y + m.title * 1.2;
      for (const auto& l : text_lines(c.title, m.title, cw)) {
        fig.items.push_back(FigText{x, ty, l, m.title, kText});
        ty += lt;
      }
      const double py = y + title_lines * lt;
      for (FigItem it : c.items) {
        translate(it, x, py);
        fig.items.push_back(std::move(it));
      }
      for (FigRegion rg : c.regions) {
        rg.x += x;
        rg.y += py;
        fig.regions.push_back(rg);
      }
      place_bar(fig, c, x, py + c.h + m.s * 3, m, true);
      double cy = py + pic_h + (bar_h > 0 ? bar_h + m.s * 3 : 0) + m.text * 1.5;
      for (const auto& cap : c.caption)
        for (const auto& l : text_lines(cap, m.text, cw)) {
          fig.items.push_back(FigText{x, cy, l, m.text, kDim});
          cy += lc;
        }
    }
    y += title_lines * lt + pic_h + (bar_h > 0 ? bar_h + m.s * 3 : 0) + cap_lines * lc + m.gap;
  }
  return y;
}

// The legend: each marker kind drawn on the sheet, with its name; wrapped to the width.
double place_legend(Figure& fig, const std::vector<std::string>& kinds, double width, double y,
                    const Metrics& m) {
  if (kinds.empty()) return y;
  const double r = 7 * m.s, lh = std::max(line_height(m.text), 2 * r + 4 * m.s);
  double x = m.gap;
  const double y0 = y;
  fig.items.push_back(FigText{x, y + lh / 2 + m.text / 2, "markers:", m.text, kText});
  x += text_width("markers:", m.text) + m.gap * 1.5;
  for (const std::string& k : kinds) {
    const double w = 2 * r + m.gap * 0.75 + text_width(k, m.text) + m.gap * 2;
    if (x + w > width - m.gap && x > m.gap * 4) {
      x = m.gap;
      y += lh;
    }
    const MarkerStyle ms = sheet_marker_style(k);
    FigMarker fm;
    fm.x = x + r;
    fm.y = y + lh / 2;
    fm.glyph = ms.glyph;
    fm.colour = ms.colour;
    fm.radius = r;
    fm.stroke = std::max(1.0, std::round(1.5 * m.s));
    fm.what = k;
    fig.items.push_back(fm);
    fig.items.push_back(
        FigText{x + 2 * r + m.gap * 0.75, y + lh / 2 + m.text / 2, k, m.text, kText});
    x += w;
  }
  y += lh;
  fig.regions.push_back(FigRegion{"legend", 0, y0, width, y - y0});
  return y + m.gap * 0.5;
}

double place_lines(Figure& fig, const std::vector<std::string>& lines, double width, double y,
                   const Metrics& m, const char* region) {
  const double y0 = y, lh = line_height(m.text);
  for (const std::string& line : lines)
    for (const auto& l : text_lines(line, m.text, width - 2 * m.gap)) {
      fig.items.push_back(FigText{m.gap, y + m.text * 1.25, l, m.text, kText});
      y += lh;
    }
  fig.regions.push_back(FigRegion{region, 0, y0, width, y - y0});
  return y;
}

// A table of text (a header row, then rows) in aligned columns when it fits the width, else
// each row as a wrapped line of its cells.
double place_table(Figure& fig, const std::vector<std::vector<std::string>>& rows, double width,
                   double y, const Metrics& m) {
  if (rows.empty()) return y;
  std::vector<double> cols;
  for (const auto& row : rows) {
    if (cols.size() < row.size()) cols.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i)
      cols[i] = std::max(cols[i], text_width(row[i], m.text));
  }
  double total = 0;
  for (double c : cols) total += c + 1.5 * m.gap;
  const double lh = line_height(m.text), y0 = y;
  if (total - 1.5 * m.gap > width - 2 * m.gap) {
    std::vector<std::string> lines;
    for (const auto& row : rows) {
      std::string l;
      for (const auto& cell : row)
        if (!cell.empty()) l += (l.empty() ? "" : "  ") + cell;
      lines.push_back(l);
    }
    return place_lines(fig, lines, width, y, m, "table");
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    double x = m.gap;
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      fig.items.push_back(FigText{x, y + m.text * 1.25, rows[r][i], m.text, r == 0 ? kDim : kText});
      x += cols[i] + 1.5 * m.gap;
    }
    y += lh;
  }
  fig.regions.push_back(FigRegion{"table", 0, y0, width, y - y0});
  return y;
}

double place_title(Figure& fig, const std::string& title, double width, double y,
                   const Metrics& m) {
  if (title.empty()) return y;
  for (const auto& l : text_lines(title, m.title, width - 2 * m.gap)) {
    fig.items.push_back(FigText{m.gap, y + m.title * 1.3, l, m.title, kText});
    y += line_height(m.title);
  }
  return y + m.gap * 0.5;
}

// Marker kinds shown, in legend order.
std::vector<std::string> legend_kinds(const std::vector<SheetChannel>& chs, const SheetStyle& st) {
  std::vector<std::string> kinds;
  if (st.show_argmax) kinds.push_back("argmax");
  if (st.show_softargmax) kinds.push_back("soft-argmax");
  bool truth = false;
  for (const auto& ch : chs) truth = truth || !ch.truth.empty();
  if (truth && st.show_truth) kinds.push_back("ground truth");
  for (const auto& ch : chs)
    for (const auto& d : ch.decoders)
      if (d.what != "argmax" && d.what != "softargmax" &&
          std::find(kinds.begin(), kinds.end(), d.what) == kinds.end())
        kinds.push_back(d.what);
  return kinds;
}

Figure finish(std::vector<Cell>& cells, int cols, const std::string& title,
              const std::vector<std::string>& kinds, const std::vector<std::string>& footer,
              const Metrics& m, const std::vector<std::vector<std::string>>& table = {}) {
  Figure fig;
  fig.background = kBackground;
  double cw = 0;
  for (const Cell& c : cells) cw = std::max(cw, c.w);
  for (Cell& c : cells) c.w = std::max(c.w, cw);  // bars and text use the column's width
  cols = std::max(1, std::min<int>(cols, static_cast<int>(cells.size())));
  const double width = cols * cw + (cols + 1) * m.gap;
  double y = m.gap * 0.5;
  y = place_title(fig, title, width, y, m);
  y = place_cells(fig, cells, cols, cw, y, m);
  y = place_legend(fig, kinds, width, y, m);
  y = place_lines(fig, footer, width, y, m, "footer");
  y = place_table(fig, table, width, y, m);
  fig.width = static_cast<int>(std::ceil(width));
  fig.height = static_cast<int>(std::ceil(y + m.gap));
  return fig;
}

std::string point_text(const char* what, double x, double y, int digits) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s (%.*f, %.*f)", what, digits, x, digits, y);
  return buf;
}

// The footer's lines about one channel.
std::string channel_line(const SheetChannel& ch, const DecodeOptions& opt) {
  std::string s = channel_label(ch) + ":";
  if (!ch.k.valid) return s + "  invalid (no finite value)";
  s += "  " + point_text("argmax", ch.k.argmax_x, ch.k.argmax_y, 0);
  s += "  " + point_text("soft-argmax", ch.k.soft_x, ch.k.soft_y, 2);
  s += "  p_max " + fmt("%.3g", ch.k.peak_probability);
  if (opt.normalize && beta_changed(ch, opt.beta))
    s += "  effective beta " + fmt("%.4g", ch.effective_beta) + " (beta/max)";
  if (!ch.truth.empty())
    s += "  error " + (ch.error >= 0 ? fmt("%.2f", ch.error) + " px" : std::string("-"));
  for (const SheetPoint& d : ch.decoders)
    if (d.what != "argmax" && d.what != "softargmax")
      s += "  " + (d.valid ? point_text(d.what.c_str(), d.x, d.y, 2) : d.what + " invalid");
  return s;
}

// One row per channel: name, argmax, soft-argmax, p_max, effective beta (when normalise
// changes it), error (when ground truth is known), each decoder.
std::vector<std::vector<std::string>> channel_table(const std::vector<SheetChannel>& chs,
                                                    const DecodeOptions& opt) {
  bool eff = false, truth = false;
  std::vector<std::string> decs;
  for (const SheetChannel& ch : chs) {
    eff = eff || (opt.normalize && beta_changed(ch, opt.beta));
    truth = truth || !ch.truth.empty();
    for (const SheetPoint& d : ch.decoders)
      if (d.what != "argmax" && d.what != "softargmax" &&
          std::find(decs.begin(), decs.end(), d.what) == decs.end())
        decs.push_back(d.what);
  }
  std::vector<std::vector<std::string>> t;
  std::vector<std::string> head = {"channel", "argmax", "soft-argmax", "p_max"};
  if (eff) head.push_back("eff. beta");
  if (truth) head.push_back("error px");
  for (const auto& d : decs) head.push_back(d);
  t.push_back(head);
  auto xy = [](double x, double y, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "(%.*f, %.*f)", digits, x, digits, y);
    return std::string(buf);
  };
  for (const SheetChannel& ch : chs) {
    std::vector<std::string> row = {channel_label(ch)};
    if (!ch.k.valid) {
      row.push_back("invalid (no finite value)");
      t.push_back(row);
      continue;
    }
    row.push_back(xy(ch.k.argmax_x, ch.k.argmax_y, 0));
    row.push_back(xy(ch.k.soft_x, ch.k.soft_y, 2));
    row.push_back(fmt("%.3g", ch.k.peak_probability));
    if (eff) row.push_back(fmt("%.4g", ch.effective_beta));
    if (truth) row.push_back(!ch.truth.empty() && ch.error >= 0 ? fmt("%.2f", ch.error) : "-");
    for (const auto& d : decs) {
      std::string cell = "-";
      for (const SheetPoint& p : ch.decoders)
        if (p.what == d) cell = p.valid ? xy(p.x, p.y, 2) : "invalid";
      row.push_back(cell);
    }
    t.push_back(row);
  }
  return t;
}

std::string beta_line(const DecodeOptions& opt, bool log) {
  std::string s = "beta " + fmt("%g", opt.beta);
  s +=
      opt.normalize ? "  normalise x/max (effective beta = beta / channel max)" : "  normalise off";
  s += log ? "  softmax on a log scale" : "  softmax on a linear scale";
  return s;
}

}  // namespace

double sheet_marker_size(double panel_short, double scale) {
  return std::max(7 * scale, panel_short / 28);
}

MarkerStyle sheet_marker_style(const std::string& what) {
  if (what == "argmax") return {Glyph::kCross, cv::Scalar(255, 255, 255)};
  if (what == "soft-argmax" || what == "softargmax") return {Glyph::kRing, cv::Scalar(255, 0, 255)};
  if (what == "ground truth") return {Glyph::kDiamond, cv::Scalar(0, 230, 0)};
  if (what == "quarter") return {Glyph::kTriangle, cv::Scalar(0, 165, 255)};
  if (what == "dark") return {Glyph::kSquare, cv::Scalar(0, 255, 255)};
  if (what == "dark-udp") return {Glyph::kSquare, cv::Scalar(255, 255, 0)};
  if (what == "window") return {Glyph::kPlus, cv::Scalar(203, 192, 255)};
  if (what == "centroid") return {Glyph::kTriangleDown, cv::Scalar(255, 160, 80)};
  if (what == "mediapipe") return {Glyph::kAsterisk, cv::Scalar(60, 60, 255)};
  if (what == "debiased") return {Glyph::kDot, cv::Scalar(255, 120, 200)};
  return {Glyph::kDot, cv::Scalar(160, 160, 160)};
}

std::string frame_keypoint_name(const Frame& f, int c) {
  if (c >= 0 && c < static_cast<int>(f.names.size()) && !f.names[c].empty()) return f.names[c];
  if (f.pose && c >= 0 && c < static_cast<int>(f.pose->names.size())) return f.pose->names[c];
  return {};
}

SheetChannel sheet_channel(CpuEngine& engine, const HeatmapView& map, int c,
                           const DecodeOptions& opt, const Frame* frame) {
  SheetChannel s;
  s.channel = c;
  s.p.resize(map.pixels());
  s.k = engine.softmax_map(map, c, opt, s.p.data());
  const auto [lo, hi] = finite_range(map, c);
  s.p_min = softmax_at(lo, s.k, opt);
  s.effective_beta = channel_effective_beta(opt, s.k);  // the engine's rule (+Inf max: beta)
  if (frame) {
    s.name = frame_keypoint_name(*frame, c);
    if (c < static_cast<int>(frame->ground_truth.size())) s.truth = frame->ground_truth[c];
    s.error = ground_truth_error(*frame, c, s.k);
  }
  return s;
}

Figure sheet_figure(const SheetInput& in, const SheetStyle& style) {
  if (in.channels.empty()) throw std::invalid_argument("a sheet needs at least one channel");
  const Metrics m(style_scale(style));
  const HeatmapView& map = in.map;
  const int w = map.width, h = map.height;
  const bool log = style.log_softmax;
  std::vector<Cell> cells;
  std::vector<std::string> footer;
  if (in.layout == SheetLayout::kChannel) {
    const SheetChannel& ch = in.channels.front();
    const Mag g = magnify(w, h, style, 140 * m.s);
    const double r = marker_radius(std::min(g.dw, g.dh), m);
    const auto [hlo, hhi] = finite_range(map, ch.channel);
    const std::vector<float> values = channel_values(map, ch.channel);
    const cv::Mat heat =
        picture(values, w, h, ColourScale(static_cast<float>(hlo), static_cast<float>(hhi), false),
                style.cmap, g.dw, g.dh);
    const PScale ps = p_scale(ch, log);
    const cv::Mat soft =
        picture(ch.p, w, h, ColourScale(ps.lo, ps.hi, log), style.cmap, g.dw, g.dh);
    const char* names[4] = {"heatmap", "argmax", "softmax", "soft-argmax"};
    const unsigned sets[4] = {0, kArgmax | kTruth, kAll, kSoft | kTruth | kDecoders};
    for (int i = 0; i < 4; ++i) {
      Cell c;
      c.title = i == 2 ? std::string("softmax p (") + (log ? "log)" : "linear)") : names[i];
      c.w = g.dw;
      c.h = g.dh;
      c.items.push_back(FigImage{0, 0, i == 2 ? soft : heat});
      add_markers(c, ch, 0, 0, g.sx, g.sy, r, sets[i], style);
      c.regions.push_back(
          FigRegion{std::string("panel ") + names[i], 0, 0, 1.0 * g.dw, 1.0 * g.dh, g.sx, g.sy});
      c.cmap = style.cmap;
      if (i == 0 || i == 2) {
        c.bar = true;
        c.bar_lo = i == 0 ? "value " + fmt("%.3g", hlo) : "p " + ps.lo_text;
        c.bar_hi = i == 0 ? fmt("%.3g", hhi) : ps.hi_text;
      }
      cells.push_back(std::move(c));
    }
    footer.push_back(beta_line(in.opt, log));
    footer.push_back(channel_line(ch, in.opt));
    return finish(cells, 4, in.title, legend_kinds(in.channels, style), footer, m);
  }
  // Every channel: a grid of tiles each on its own range, or the maximum over channels.
  const int k = static_cast<int>(in.channels.size());
  Cell heat_cell, soft_cell;
  heat_cell.cmap = soft_cell.cmap = style.cmap;
  heat_cell.bar = soft_cell.bar = true;
  if (in.layout == SheetLayout::kGrid) {
    int cols = 1;
    while (cols * cols < k) ++cols;
    const int rows = (k + cols - 1) / cols;
    // The grid at least min_panel on its long side, each tile at least 96 units on its own.
    SheetStyle tile_style = style;
    tile_style.min_panel =
        std::max<int>(std::lround(style.min_panel / static_cast<double>(std::max(cols, rows))), 96);
    const Mag g = magnify(w, h, tile_style, 0);
    const double tw = w * g.sx, th = h * g.sy;
    const double label_h = line_height(m.small), tgap = m.gap * 0.75;
    const double r = std::clamp(std::min(tw, th) / 10, 4 * m.s, marker_radius(std::min(tw, th), m));
    heat_cell.title = "heatmap, each tile on its own range";
    soft_cell.title = std::string("softmax p / peak, each tile (") + (log ? "log)" : "linear)");
    double rel_floor = 1;
    for (const SheetChannel& ch : in.channels)
      if (ch.k.valid && ch.k.peak_probability > 0)
        rel_floor = std::min(
            rel_floor, softmax_log_floor(ch.p_min, ch.k.peak_probability) / ch.k.peak_probability);
    const ColourScale unit(0, 1, false), rel(log ? static_cast<float>(rel_floor) : 0.0f, 1, log);
    for (int i = 0; i < k; ++i) {
      const SheetChannel& ch = in.channels[i];
      const double ox = (i % cols) * (tw + tgap), oy = (i / cols) * (th + label_h + tgap);
      std::vector<float> v = channel_values(map, ch.channel);
      const auto [lo, hi] = finite_range(map, ch.channel);
      for (float& x : v)
        if (x == x) x = hi > lo ? static_cast<float>((x - lo) / (hi - lo)) : 0.0f;
      std::vector<float> p = ch.p;
      const double pk = ch.k.valid ? ch.k.peak_probability : 0;
      for (float& x : p) x = pk > 0 ? static_cast<float>(x / pk) : 0.0f;
      // The tile's label: number and name, shortened to the tile's width.
      std::string label = channel_label(ch);
      if (!ch.truth.empty() && ch.error >= 0) label += "  err " + fmt("%.1f", ch.error);
      while (label.size() > 1 && text_width(label, m.small) > tw) label.pop_back();
      for (Cell* c : {&heat_cell, &soft_cell}) {
        const bool soft = c == &soft_cell;
        c->items.push_back(FigText{ox, oy + m.small * 1.2, label, m.small, kText});
        c->items.push_back(FigImage{
            ox, oy + label_h,
            picture(soft ? p : v, w, h, soft ? rel : unit, style.cmap,
                    static_cast<int>(std::lround(tw)), static_cast<int>(std::lround(th)))});
        add_markers(*c, ch, ox, oy + label_h, g.sx, g.sy, r,
                    soft ? static_cast<unsigned>(kAll) : kArgmax | kTruth, style);
        c->regions.push_back(FigRegion{
            std::string("tile ") + (soft ? "softmax " : "heatmap ") + std::to_string(ch.channel),
            ox, oy + label_h, tw, th, g.sx, g.sy});
      }
    }
    heat_cell.w = soft_cell.w = cols * tw + (cols - 1) * tgap;
    heat_cell.h = soft_cell.h = rows * (th + label_h) + (rows - 1) * tgap;
    heat_cell.bar_lo = "each tile's min";
    heat_cell.bar_hi = "its max";
    soft_cell.bar_lo = log ? "p/peak " + fmt("%.2g", rel_floor) + " (clipped)" : "p/peak 0";
    soft_cell.bar_hi = "1 (each tile's peak)";
    footer.push_back(beta_line(in.opt, log) + "  (all " + std::to_string(k) + " channels)");
  } else {
    const Mag g = magnify(w, h, style, 140 * m.s);
    const double r = marker_radius(std::min(g.dw, g.dh), m);
    std::vector<float> heat(map.pixels(), std::numeric_limits<float>::quiet_NaN()),
        p(map.pixels(), 0.0f);
    double peak = 0, floor_p = 0;
    for (const SheetChannel& ch : in.channels) {
      const std::vector<float> v = channel_values(map, ch.channel);
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == v[i] && !(heat[i] >= v[i])) heat[i] = v[i];
        p[i] = std::max(p[i], ch.p[i]);
      }
      if (!ch.k.valid) continue;
      peak = std::max(peak, ch.k.peak_probability);
      floor_p = std::max(floor_p, softmax_log_floor(ch.p_min, ch.k.peak_probability));
    }
    double hlo = std::numeric_limits<double>::infinity(), hhi = -hlo;
    for (float v : heat)
      if (std::isfinite(v)) {
        hlo = std::min<double>(hlo, v);
        hhi = std::max<double>(hhi, v);
      }
    if (!(hhi >= hlo)) hlo = hhi = 0;
    heat_cell.title = "heatmap, max over channels";
    soft_cell.title = std::string("softmax p, max over channels (") + (log ? "log)" : "linear)");
    heat_cell.items.push_back(FigImage{
        0, 0,
        picture(heat, w, h, ColourScale(static_cast<float>(hlo), static_cast<float>(hhi), false),
                style.cmap, g.dw, g.dh)});
    const float plo = log ? static_cast<float>(floor_p) : 0.0f;
    soft_cell.items.push_back(
        FigImage{0, 0,
                 picture(p, w, h, ColourScale(plo, static_cast<float>(std::max(peak, 1e-30)), log),
                         style.cmap, g.dw, g.dh)});
    for (const SheetChannel& ch : in.channels) {
      add_markers(heat_cell, ch, 0, 0, g.sx, g.sy, r, kArgmax | kTruth, style);
      add_markers(soft_cell, ch, 0, 0, g.sx, g.sy, r, kAll, style);
    }
    heat_cell.regions.push_back(
        FigRegion{"panel heatmap", 0, 0, 1.0 * g.dw, 1.0 * g.dh, g.sx, g.sy});
    soft_cell.regions.push_back(
        FigRegion{"panel softmax", 0, 0, 1.0 * g.dw, 1.0 * g.dh, g.sx, g.sy});
    heat_cell.w = soft_cell.w = g.dw;
    heat_cell.h = soft_cell.h = g.dh;
    heat_cell.bar_lo = "value " + fmt("%.3g", hlo);
    heat_cell.bar_hi = fmt("%.3g", hhi);
    double pmin = 1;
    for (const SheetChannel& ch : in.channels) pmin = std::min(pmin, ch.p_min);
    soft_cell.bar_lo = log ? (pmin < floor_p * (1 - 1e-6) ? "p clipped at " + fmt("%.2g", floor_p)
                                                          : "p " + fmt("%.3g", floor_p))
                           : "p 0";
    soft_cell.bar_hi = fmt("%.3g", peak);
    footer.push_back(beta_line(in.opt, log) + "  (max over " + std::to_string(k) + " channels)");
  }
  cells.push_back(std::move(heat_cell));
  cells.push_back(std::move(soft_cell));
  // Per channel (a table): effective beta where normalise changes it, errors, points.
  double err_sum = 0;
  int err_n = 0;
  for (const SheetChannel& ch : in.channels) {
    if (!ch.truth.empty() && ch.error >= 0) {
      err_sum += ch.error;
      ++err_n;
    }
  }
  if (err_n > 0)
    footer.push_back("mean error " + fmt("%.2f", err_sum / err_n) + " px over " +
                     std::to_string(err_n) + " channel(s) with ground truth");
  return finish(cells, 2, in.title, legend_kinds(in.channels, style), footer, m,
                channel_table(in.channels, in.opt));
}

Figure beta_grid_figure(const HeatmapView& map, const std::vector<SheetChannel>& rows,
                        const std::vector<double>& betas, bool normalize, const std::string& title,
                        const SheetStyle& style, int columns) {
  if (rows.empty() || rows.size() != betas.size())
    throw std::invalid_argument("a beta grid needs one decoded channel per beta");
  const Metrics m(style_scale(style));
  const int w = map.width, h = map.height;
  const bool log = style.log_softmax;
  const SheetChannel& first = rows.front();
  const Mag g = magnify(w, h, style, 140 * m.s);
  const double r = marker_radius(std::min(g.dw, g.dh), m);
  std::vector<Cell> cells;
  {
    Cell c;
    c.title = "heatmap, " + channel_label(first);
    c.w = g.dw;
    c.h = g.dh;
    const auto [lo, hi] = finite_range(map, first.channel);
    c.items.push_back(
        FigImage{0, 0,
                 picture(channel_values(map, first.channel), w, h,
                         ColourScale(static_cast<float>(lo), static_cast<float>(hi), false),
                         style.cmap, g.dw, g.dh)});
    add_markers(c, first, 0, 0, g.sx, g.sy, r, kArgmax | kTruth, style);
    c.regions.push_back(FigRegion{"panel heatmap", 0, 0, 1.0 * g.dw, 1.0 * g.dh, g.sx, g.sy});
    c.bar = true;
    c.cmap = style.cmap;
    c.bar_lo = "value " + fmt("%.3g", lo);
    c.bar_hi = fmt("%.3g", hi);
    if (first.k.valid)
      c.caption.push_back(point_text("argmax", first.k.argmax_x, first.k.argmax_y, 0));
    cells.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const SheetChannel& ch = rows[i];
    Cell c;
    c.title = "softmax, beta " + fmt("%g", betas[i]);
    if (normalize && beta_changed(ch, betas[i]))
      c.title += " (eff " + fmt("%.3g", ch.effective_beta) + ")";
    c.w = g.dw;
    c.h = g.dh;
    const PScale ps = p_scale(ch, log);
    c.items.push_back(FigImage{
        0, 0, picture(ch.p, w, h, ColourScale(ps.lo, ps.hi, log), style.cmap, g.dw, g.dh)});
    add_markers(c, ch, 0, 0, g.sx, g.sy, r, kAll, style);
    c.regions.push_back(FigRegion{"panel softmax beta " + fmt("%g", betas[i]), 0, 0, 1.0 * g.dw,
                                  1.0 * g.dh, g.sx, g.sy});
    c.bar = true;
    c.cmap = style.cmap;
    c.bar_lo = "p " + ps.lo_text;
    c.bar_hi = ps.hi_text;
    if (ch.k.valid) {
      c.caption.push_back(point_text("soft", ch.k.soft_x, ch.k.soft_y, 2));
      std::string l = "p_max " + fmt("%.3g", ch.k.peak_probability);
      if (!ch.truth.empty() && ch.error >= 0) l += "  err " + fmt("%.2f", ch.error) + " px";
      c.caption.push_back(l);
    } else {
      c.caption.push_back("invalid (no finite value)");
    }
    cells.push_back(std::move(c));
  }
  std::vector<std::string> footer;
  const double top = finite_range(map, first.channel).second;
  footer.push_back(
      (!normalize   ? std::string("normalise off: effective beta = beta")
       : top == 1.0 ? std::string("normalise x/max (the channel's max is 1: effective beta = beta)")
       : top > 0
           ? "normalise x/max: effective beta = beta / " + fmt("%.4g", top) + " (the channel's max)"
           : std::string("normalise x/max (no positive max: effective beta = beta)")) +
      (log ? "  softmax on a log scale" : "  softmax on a linear scale"));
  // Rows of at most `columns` panels and about 3000 units wide, as even as they can be.
  const int n = static_cast<int>(cells.size());
  const int fit =
      std::clamp(static_cast<int>(3000 * m.s / (g.dw + m.gap)), 1, std::max(1, columns));
  const int nrows = (n + fit - 1) / fit;
  return finish(cells, (n + nrows - 1) / nrows, title, legend_kinds(rows, style), footer, m);
}

}  // namespace peakscope::io
