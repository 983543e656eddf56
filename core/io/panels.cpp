#include "core/io/panels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace peakscope::io {

void draw_dot(cv::Mat& bgr, int x, int y, int radius) {
  cv::circle(bgr, cv::Point(x, y), radius, cv::Scalar(255, 255, 255), cv::FILLED, cv::LINE_8);
}

SeedPanels make_seed_panels(const HeatmapView& map, int c, const Keypoint& k,
                            const std::vector<float>& softmax, Colormap cmap) {
  SeedPanels p;
  p.heatmap = apply_colormap(to_gray8(map, c), cmap);
  p.argmax = p.heatmap.clone();
  p.softargmax = p.heatmap.clone();
  if (k.valid) {
    draw_dot(p.argmax, static_cast<int>(k.argmax_x), static_cast<int>(k.argmax_y));
    draw_dot(p.softargmax, static_cast<int>(std::lround(k.soft_x)),
             static_cast<int>(std::lround(k.soft_y)));
  }
  const HeatmapView sv = HeatmapView::dense(softmax.data(), map.width, map.height);
  p.softmax = apply_colormap(to_gray8(sv, 0), cmap);
  return p;
}

cv::Mat compose_sheet(const SeedPanels& p, const std::string& footer, int min_panel) {
  const int w = p.heatmap.cols, h = p.heatmap.rows;
  const int scale = std::max(1, (min_panel + std::max(w, h) - 1) / std::max(w, h));
  const int pw = w * scale, ph = h * scale, title = 28, foot = 30, gap = 6;
  cv::Mat sheet(title + ph + foot, 4 * pw + 5 * gap, CV_8UC3, cv::Scalar(32, 32, 32));
  const cv::Mat* panels[4] = {&p.heatmap, &p.argmax, &p.softmax, &p.softargmax};
  const char* names[4] = {"heatmap", "argmax", "softmax", "soft-argmax"};
  for (int i = 0; i < 4; ++i) {
    const int x0 = gap + i * (pw + gap);
    cv::Mat big;
    cv::resize(*panels[i], big, cv::Size(pw, ph), 0, 0, cv::INTER_NEAREST);
    big.copyTo(sheet(cv::Rect(x0, title, pw, ph)));
    cv::putText(sheet, names[i], cv::Point(x0 + 4, title - 8), cv::FONT_HERSHEY_SIMPLEX, 0.6,
                cv::Scalar(235, 235, 235), 1, cv::LINE_AA);
  }
  cv::putText(sheet, footer, cv::Point(gap + 4, title + ph + 21), cv::FONT_HERSHEY_SIMPLEX, 0.5,
              cv::Scalar(235, 235, 235), 1, cv::LINE_AA);
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
  bool ok = false;
  try {
    ok = cv::imwrite(path, img);
  } catch (const cv::Exception& e) {
    throw std::runtime_error("cannot write " + path + ": " + e.what());
  }
  if (!ok) throw std::runtime_error("cannot write " + path + " (check the folder exists)");
}

}  // namespace peakscope::io
