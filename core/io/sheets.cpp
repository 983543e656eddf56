#include "core/io/sheets.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string_view>

#include "core/io/output_file.hpp"

namespace peakscope::io {
namespace {

const cv::Scalar kText(235, 235, 235), kBackground(32, 32, 32);

}  // namespace

void draw_dot(cv::Mat& bgr, int x, int y, int radius) {
  cv::circle(bgr, cv::Point(x, y), radius, cv::Scalar(255, 255, 255), cv::FILLED, cv::LINE_8);
}

SeedPanels make_seed_panels(const HeatmapView& map, int c, const Keypoint& k,
                            const std::vector<float>& softmax, Colormap cmap) {
  assert(softmax.size() == map.pixels());
  SeedPanels p;
  p.k = k;
  p.cmap = cmap;
  std::tie(p.heat_min, p.heat_max) = finite_range(map, c);
  const ColourScale heat_scale(static_cast<float>(p.heat_min), static_cast<float>(p.heat_max),
                               false);
  p.heatmap = apply_colormap(colour_indices(map, c, heat_scale), cmap);
  p.argmax = p.heatmap.clone();
  p.softargmax = p.heatmap.clone();
  if (k.valid) {
    draw_dot(p.argmax, static_cast<int>(k.argmax_x), static_cast<int>(k.argmax_y));
    draw_dot(p.softargmax, static_cast<int>(std::lround(k.soft_x)),
             static_cast<int>(std::lround(k.soft_y)));
  }
  const HeatmapView sv = HeatmapView::dense(softmax.data(), map.width, map.height);
  std::tie(p.p_min, p.p_max) = finite_range(sv, 0);
  const ColourScale p_scale(static_cast<float>(p.p_min), static_cast<float>(p.p_max), false);
  p.softmax = apply_colormap(colour_indices(sv, 0, p_scale), cmap);
  return p;
}

cv::Mat seed_softmax_image(const std::vector<double>& p, int width, int height) {
  assert(p.size() == static_cast<std::size_t>(width) * height);
  cv::Mat g(height, width, CV_8U);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const double v = p[static_cast<std::size_t>(y) * width + x] * 255.0;
      // astype(np.uint8) truncates; p is in [0, 1] (NaN cannot occur in a softmax map).
      g.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0));
    }
  return apply_colormap(g, Colormap::kJet);
}

cv::Mat colorbar(Colormap cmap, int width, double lo, double hi, const std::string& what) {
  width = std::max(width, 2);
  cv::Mat ramp(1, width, CV_8U);
  for (int x = 0; x < width; ++x)
    ramp.at<std::uint8_t>(0, x) =
        static_cast<std::uint8_t>(colour_bar_entry(static_cast<double>(x) / (width - 1)));
  cv::Mat bar;
  cv::resize(apply_colormap(ramp, cmap), bar, cv::Size(width, 12), 0, 0, cv::INTER_NEAREST);
  cv::Mat out(12 + 16, width, CV_8UC3, kBackground);
  bar.copyTo(out(cv::Rect(0, 0, width, 12)));
  char l[64], r[64];
  std::snprintf(l, sizeof l, "%s %.3g", what.c_str(), lo);
  std::snprintf(r, sizeof r, "%.3g", hi);
  cv::putText(out, l, cv::Point(2, 25), cv::FONT_HERSHEY_SIMPLEX, 0.4, kText, 1, cv::LINE_AA);
  int base = 0;
  const cv::Size rs = cv::getTextSize(r, cv::FONT_HERSHEY_SIMPLEX, 0.4, 1, &base);
  cv::putText(out, r, cv::Point(std::max(0, width - rs.width - 2), 25), cv::FONT_HERSHEY_SIMPLEX,
              0.4, kText, 1, cv::LINE_AA);
  return out;
}

int sheet_marker_radius(int panel_px) {
  return std::max(3, static_cast<int>(std::lround(panel_px / 48.0)));
}

cv::Mat compose_sheet(const SeedPanels& p, const std::string& footer, int min_panel) {
  const int w = p.heatmap.cols, h = p.heatmap.rows;
  const double aspect = p.pixel_aspect > 0 && std::isfinite(p.pixel_aspect) ? p.pixel_aspect : 1;
  // Display size of one map pixel: at least 1 x 1, the panel at least min_panel on its long side.
  const double dw = w * aspect, dh = h;
  const double s = std::max(1.0 / std::min(aspect, 1.0), min_panel / std::max(dw, dh));
  const double sx = std::max(1.0, std::ceil(s * aspect - 1e-9)),
               sy = std::max(1.0, std::ceil(s - 1e-9));
  const int pw = static_cast<int>(w * sx), ph = static_cast<int>(h * sy);
  const int title = kSheetTitle, bars = kSheetBars, foot = kSheetFooter, gap = kSheetGap;
  cv::Mat sheet(title + ph + bars + foot, 4 * pw + 5 * gap, CV_8UC3, kBackground);
  const cv::Mat* panels[4] = {&p.heatmap, &p.heatmap, &p.softmax, &p.heatmap};
  const char* names[4] = {"heatmap", "argmax", "softmax", "soft-argmax"};
  const int r = sheet_marker_radius(std::min(pw, ph));
  const int thick = std::max(2, r / 3);
  constexpr int kShift = 4;  // sub-pixel marker centres, in 1/16 pixel
  auto ring = [&](cv::Mat& img, double x, double y) {
    // Pixel x covers [x - 0.5, x + 0.5): its centre lands at (x + 0.5) * sx on the panel.
    const cv::Point c(static_cast<int>(std::lround(((x + 0.5) * sx - 0.5) * (1 << kShift))),
                      static_cast<int>(std::lround(((y + 0.5) * sy - 0.5) * (1 << kShift))));
    // Crisp (not anti-aliased) white with a dark edge outside: visible on any colour map.
    cv::circle(img, c, (r + thick) << kShift, cv::Scalar(0, 0, 0), 1, cv::LINE_8, kShift);
    cv::circle(img, c, r << kShift, cv::Scalar(255, 255, 255), thick, cv::LINE_8, kShift);
  };
  for (int i = 0; i < 4; ++i) {
    const int x0 = gap + i * (pw + gap);
    cv::Mat big;
    cv::resize(*panels[i], big, cv::Size(pw, ph), 0, 0, cv::INTER_NEAREST);
    if (p.k.valid && i == 1) ring(big, p.k.argmax_x, p.k.argmax_y);
    if (p.k.valid && i == 3) ring(big, p.k.soft_x, p.k.soft_y);
    big.copyTo(sheet(cv::Rect(x0, title, pw, ph)));
    cv::putText(sheet, names[i], cv::Point(x0 + 4, title - 8), cv::FONT_HERSHEY_SIMPLEX, 0.6, kText,
                1, cv::LINE_AA);
  }
  const int by = title + ph + 2;
  colorbar(p.cmap, pw, p.heat_min, p.heat_max, "value").copyTo(sheet(cv::Rect(gap, by, pw, 28)));
  colorbar(p.cmap, pw, p.p_min, p.p_max, "p")
      .copyTo(sheet(cv::Rect(gap + 2 * (pw + gap), by, pw, 28)));
  cv::putText(sheet, footer, cv::Point(gap + 4, title + ph + bars + 21), cv::FONT_HERSHEY_SIMPLEX,
              0.5, kText, 1, cv::LINE_AA);
  return sheet;
}

std::string sheet_footer(double beta, bool normalize, const Keypoint& k, const std::string& label) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%s  beta %g%s  argmax (%.0f, %.0f)  soft-argmax (%.2f, %.2f)  p_max %.3g",
                label.c_str(), beta, normalize ? " (x/max)" : "", k.argmax_x, k.argmax_y, k.soft_x,
                k.soft_y, k.peak_probability);
  return buf;
}

cv::Mat compose_beta_grid(const HeatmapView& map, int c, const std::vector<double>& betas,
                          bool normalize, const std::string& label, CpuEngine& engine,
                          Colormap cmap, int min_panel) {
  if (betas.empty()) throw std::invalid_argument("beta grid needs at least one beta");
  std::vector<cv::Mat> rows;
  std::vector<float> p(map.pixels());
  for (double beta : betas) {
    const DecodeOptions opt{beta, normalize};
    const Keypoint k = engine.softmax_map(map, c, opt, p.data());
    rows.push_back(compose_sheet(make_seed_panels(map, c, k, p, cmap),
                                 sheet_footer(beta, normalize, k, label), min_panel));
  }
  cv::Mat grid;
  cv::vconcat(rows, grid);
  return grid;
}

void write_png(const std::string& path, const cv::Mat& img) {
  // Encoded in memory, then written by the one writer (core/io/output_file.hpp): atomic for a
  // file, never renamed over a device, FIFO or symlink. The format follows the extension
  // when OpenCV writes it (shot.jpg), PNG otherwise (a FIFO, "-").
  const std::string ext = std::filesystem::path(path).extension().string();
  std::vector<uchar> bytes;
  try {
    const bool known = !ext.empty() && cv::haveImageWriter(path);
    if (!cv::imencode(known ? ext : ".png", img, bytes))
      throw std::runtime_error("cannot write " + path + ": the image could not be encoded");
  } catch (const cv::Exception& e) {
    throw std::runtime_error("cannot write " + path + ": " + e.what());
  }
  try {
    write_file(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("cannot write ") + e.what());
  }
}

}  // namespace peakscope::io
