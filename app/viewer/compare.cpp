#include "app/viewer/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "app/viewer/viewer_state.hpp"
#include "core/colour_scale.hpp"
#include "core/io/sheets.hpp"

namespace peakscope::viewer {

namespace {

std::string fmt(const char* f, double a, double b = 0, double c = 0) {
  char buf[128];
  std::snprintf(buf, sizeof buf, f, a, b, c);
  return buf;
}

}  // namespace

std::string ComparePane::readout() const {
  if (channel >= 0 && points.size() == 1) {
    const PanePoint& q = points[0];
    std::string s = "ch " + std::to_string(q.channel) + "  ";
    if (!q.point.valid) return s + decoder_name(decoder) + " invalid";
    s += fmt("(%.2f, %.2f)", q.point.x, q.point.y);
    if (q.error >= 0) s += fmt("  error %.2f px", q.error);
    return s;
  }
  if (errors > 0) return fmt("mean error %.2f px over %g channels", mean_error, errors);
  return std::to_string(points.size()) + " channels, no ground truth";
}

// ---- The panes ------------------------------------------------------------------------------

ComparePane make_pane(CpuEngine& cpu, const PaneRequest& r) {
  if (!r.frame) throw std::invalid_argument("compare: no frame to show");
  const HeatmapView map = r.frame->heatmap.view();
  if (r.channel >= map.channels)
    throw std::invalid_argument("compare: channel " + std::to_string(r.channel) +
                                " does not exist (the frame has " + std::to_string(map.channels) +
                                ")");
  r.options.validate();
  r.params.validate();
  ComparePane p;
  p.label = r.label;
  p.frame_index = r.frame->index;
  p.channel = r.channel;
  p.beta = r.options.beta;
  p.decoder = r.decoder;
  p.log = r.log;
  p.cmap = r.cmap;
  p.relative = r.channel < 0 && map.channels > 1;
  const std::size_t n = map.pixels();
  std::vector<float> soft(n), shown(n, 0.0f);
  double sum = 0;
  for (int c = 0; c < map.channels; ++c) {
    if (r.channel >= 0 && c != r.channel) continue;
    const Keypoint k = cpu.softmax_map(map, c, r.options, soft.data());
    PanePoint q;
    q.channel = c;
    q.argmax_x = k.argmax_x;
    q.argmax_y = k.argmax_y;
    if (k.valid) {
      q.point = decode_with(r.decoder, map, c, k, r.options, r.params);
    } else {
      q.point.x = k.soft_x;
      q.point.y = k.soft_y;
      q.point.valid = false;
    }
    if (c < static_cast<int>(r.frame->ground_truth.size())) q.truth = r.frame->ground_truth[c];
    if (q.point.valid) {
      Keypoint at = k;  // the error of the decoder's point, to the truth nearest the argmax
      at.soft_x = q.point.x;
      at.soft_y = q.point.y;
      q.error = io::ground_truth_error(*r.frame, c, at);
      if (q.error >= 0) {
        sum += q.error;
        ++p.errors;
      }
    }
    p.points.push_back(std::move(q));
    if (!p.relative) {
      shown.swap(soft);
    } else if (k.valid && k.peak_probability > 0) {  // each pixel's largest p / its peak
      const float inv = static_cast<float>(1.0 / k.peak_probability);
      for (std::size_t i = 0; i < n; ++i) shown[i] = std::max(shown[i], soft[i] * inv);
    }
  }
  if (p.errors > 0) p.mean_error = sum / p.errors;
  // The colour range: the largest p, down to the smallest (linear) or to kCompareLogDecades
  // below the peak (log).
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (float v : shown)
    if (std::isfinite(v)) {
      hi = std::max(hi, static_cast<double>(v));
      if (!r.log || v > 0) lo = std::min(lo, static_cast<double>(v));
    }
  if (!std::isfinite(lo)) lo = 0;
  if (r.log) lo = std::max(lo, hi * std::pow(10.0, -kCompareLogDecades));
  p.p_lo = lo;
  p.p_hi = hi;
  const ColourScale scale(static_cast<float>(lo), static_cast<float>(hi), r.log);
  cv::Mat entries(map.height, map.width, CV_8U);
  for (int y = 0; y < map.height; ++y) {
    std::uint8_t* row = entries.ptr<std::uint8_t>(y);
    for (int x = 0; x < map.width; ++x)
      row[x] = static_cast<std::uint8_t>(
          scale.index(shown[static_cast<std::size_t>(y) * map.width + x]));
  }
  p.image = io::apply_colormap(entries, r.cmap);
  return p;
}

// ---- The sheet ------------------------------------------------------------------------------

namespace {

const cv::Scalar kBack(28, 28, 28), kText(235, 235, 235), kRimBgr(0, 0, 0);
const cv::Scalar kArgmaxBgr(255, 255, 255), kPointBgr(255, 0, 255), kTruthBgr(0, 255, 0);
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

void ring(cv::Mat& img, cv::Point2d p, int r) {
  const cv::Point c(static_cast<int>(std::lround(p.x * 16)),
                    static_cast<int>(std::lround(p.y * 16)));
  cv::circle(img, c, (r + 2) * 16, kRimBgr, 2, cv::LINE_AA, 4);
  cv::circle(img, c, r * 16, kArgmaxBgr, 2, cv::LINE_AA, 4);
}

void diamond(cv::Mat& img, cv::Point2d p, int r) {
  auto quad = [&](double rr, const cv::Scalar& col) {
    std::vector<cv::Point> q = {
        cv::Point(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y - rr))),
        cv::Point(static_cast<int>(std::lround(p.x + rr)), static_cast<int>(std::lround(p.y))),
        cv::Point(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y + rr))),
        cv::Point(static_cast<int>(std::lround(p.x - rr)), static_cast<int>(std::lround(p.y)))};
    cv::polylines(img, q, true, col, 2, cv::LINE_AA);
  };
  quad(r * 1.41 + 5, kRimBgr);
  quad(r * 1.41 + 3, kPointBgr);
}

void cross(cv::Mat& img, cv::Point2d p, int r) {
  const int in = r, out = r + 7;
  const cv::Point c(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
  for (const cv::Point d : {cv::Point(1, 0), cv::Point(-1, 0), cv::Point(0, 1), cv::Point(0, -1)}) {
    cv::line(img, c + d * in, c + d * out, kRimBgr, 4, cv::LINE_AA);
    cv::line(img, c + d * in, c + d * out, kTruthBgr, 2, cv::LINE_AA);
  }
}

int pane_scale(const ComparePane& p, int min_panel) {
  return std::max(1, static_cast<int>(std::ceil(static_cast<double>(min_panel) /
                                                std::max(p.image.cols, p.image.rows))));
}

constexpr int kReadout = 24, kLegend = 28;

// One pane: its title, the picture scaled by an integer factor with the markers, the colour
// bar and the readout, `width` wide (the picture centred), the picture `picture_h` high.
cv::Mat pane_column(const ComparePane& p, int min_panel, int width, int picture_h) {
  const int s = pane_scale(p, min_panel);
  cv::Mat pic;
  cv::resize(p.image, pic, cv::Size(p.image.cols * s, p.image.rows * s), 0, 0, cv::INTER_NEAREST);
  const int r = io::sheet_marker_radius(std::min(pic.cols, pic.rows));
  auto at = [&](double x, double y) {
    return cv::Point2d((x + 0.5) * s - 0.5, (y + 0.5) * s - 0.5);
  };
  for (const PanePoint& q : p.points) {
    for (const io::Point2& g : q.truth) cross(pic, at(g.x, g.y), r);
    ring(pic, at(q.argmax_x, q.argmax_y), r);
    if (q.point.valid) diamond(pic, at(q.point.x, q.point.y), r);
  }
  const int title = io::kSheetTitle;
  cv::Mat col(title + picture_h + io::kSheetGap + io::kSheetBars + kReadout, width, CV_8UC3, kBack);
  cv::putText(col, p.label, cv::Point(4, title - 8), kFont, 0.6, kText, 1, cv::LINE_AA);
  pic.copyTo(col(cv::Rect((width - pic.cols) / 2, title, pic.cols, pic.rows)));
  const std::string what =
      p.relative ? (p.log ? "p/peak (log)" : "p/peak") : (p.log ? "p (log)" : "p");
  const int bw = std::min(width - 8, std::max(pic.cols, 240));
  const cv::Mat cb = io::colorbar(p.cmap, bw, p.p_lo, p.p_hi, what);
  const int by = title + picture_h + io::kSheetGap;
  cb.copyTo(col(cv::Rect((width - bw) / 2, by, cb.cols, std::min(cb.rows, io::kSheetBars))));
  cv::putText(col, p.readout(), cv::Point(4, by + io::kSheetBars + 17), kFont, 0.5, kText, 1,
              cv::LINE_AA);
  return col;
}

// The markers' legend: glyph and name, left to right from x.
void legend(cv::Mat& img, int y, const ComparePane& a, const ComparePane& b) {
  int x = 12;
  auto text = [&](const std::string& t) {
    cv::putText(img, t, cv::Point(x, y + 5), kFont, 0.5, kText, 1, cv::LINE_AA);
    int base = 0;
    x += cv::getTextSize(t, kFont, 0.5, 1, &base).width + 22;
  };
  ring(img, cv::Point2d(x + 6, y), 5);
  x += 18;
  text("argmax");
  diamond(img, cv::Point2d(x + 6, y), 3);
  x += 18;
  text(a.decoder == b.decoder
           ? std::string(decoder_name(a.decoder))
           : std::string("A ") + decoder_name(a.decoder) + " / B " + decoder_name(b.decoder));
  cross(img, cv::Point2d(x + 6, y), 2);
  x += 18;
  text("ground truth");
}

}  // namespace

cv::Mat compose_compare_sheet(const ComparePane& a, const ComparePane& b, const std::string& footer,
                              int min_panel) {
  if (a.image.empty() || b.image.empty())
    throw std::invalid_argument("compare sheet: a pane has no picture");
  const int sa = pane_scale(a, min_panel), sb = pane_scale(b, min_panel);
  int width = std::max({a.image.cols * sa, b.image.cols * sb, 360});
  for (const ComparePane* p : {&a, &b}) {  // room for the title and the readout
    int base = 0;
    width = std::max(width, cv::getTextSize(p->label, kFont, 0.6, 1, &base).width + 8);
    width = std::max(width, cv::getTextSize(p->readout(), kFont, 0.5, 1, &base).width + 8);
  }
  const int picture_h = std::max(a.image.rows * sa, b.image.rows * sb);
  const cv::Mat ca = pane_column(a, min_panel, width, picture_h);
  const cv::Mat cb = pane_column(b, min_panel, width, picture_h);
  const int gap = io::kSheetGap * 2;
  int base = 0;
  const int total_w =
      std::max(3 * gap + 2 * width, cv::getTextSize(footer, kFont, 0.5, 1, &base).width + 16);
  cv::Mat sheet(ca.rows + kLegend + io::kSheetFooter, total_w, CV_8UC3, kBack);
  ca.copyTo(sheet(cv::Rect(gap, 0, width, ca.rows)));
  cb.copyTo(sheet(cv::Rect(2 * gap + width, 0, width, cb.rows)));
  cv::line(sheet, cv::Point(gap + width + gap / 2, 4),
           cv::Point(gap + width + gap / 2, ca.rows - 4), cv::Scalar(90, 90, 90), 1);
  legend(sheet, ca.rows + kLegend / 2, a, b);
  cv::putText(sheet, footer, cv::Point(8, ca.rows + kLegend + 20), kFont, 0.5, kText, 1,
              cv::LINE_AA);
  return sheet;
}

// ---- The state's panes ----------------------------------------------------------------------

bool Comparer::update(const ViewerState& st) {
  const Timeline& tl = st.timeline();
  const io::Frame* now = st.frame();
  if (tl.mode() == CompareMode::kOff || !now) {
    key_.clear();
    return false;
  }
  const io::Frame* pinned = tl.pinned();
  const Settings& s = st.settings();
  char key[512];
  const ABSide &a = tl.side('A'), &b = tl.side('B');
  std::snprintf(key, sizeof key, "%d|%ld|%ld|%ld|%p|%ld|%d|%.17g|%d|%d|%d|%.17g|%d|%.17g|%d|%s",
                static_cast<int>(tl.mode()), st.source_generation(), now->index, st.frames_shown(),
                pinned ? static_cast<const void*>(pinned->heatmap.u8()) : nullptr,
                pinned ? pinned->index : -1L, st.shown_channel(), s.beta(), s.normalize(),
                static_cast<int>(s.softmax_scale()), static_cast<int>(s.colormap()), a.beta,
                static_cast<int>(a.decoder), b.beta, static_cast<int>(b.decoder),
                st.lab().params().window_radius == 0 ? "w0" : "w");
  if (key_ == key) return false;
  key_ = key;
  error_.clear();
  try {
    PaneRequest base;
    base.channel = st.shown_channel();
    base.options = s.decode_options();
    base.params = st.lab().params();
    base.log = s.softmax_scale() == SoftmaxScale::kLog;
    base.cmap = s.colormap();
    PaneRequest l = base, r = base;
    if (tl.mode() == CompareMode::kPinned && pinned) {
      l.frame = pinned;
      l.label = "pinned: frame " + std::to_string(pinned->index);
      if (l.channel >= pinned->heatmap.channels()) l.channel = -1;
      r.frame = now;
      r.label = "now: frame " + std::to_string(now->index);
    } else {
      l.frame = r.frame = now;
      l.options.beta = a.beta;
      l.decoder = a.decoder;
      l.params.window_beta = a.beta;
      l.label = ab_label('A', a);
      r.options.beta = b.beta;
      r.decoder = b.decoder;
      r.params.window_beta = b.beta;
      r.label = ab_label('B', b);
    }
    left_ = make_pane(cpu_, l);
    right_ = make_pane(cpu_, r);
  } catch (const std::exception& e) {
    left_ = right_ = ComparePane{};
    error_ = std::string("cannot compare: ") + e.what();
  }
  return true;
}

std::string Comparer::footer(const ViewerState& st) const {
  const Settings& s = st.settings();
  const int c = st.shown_channel();
  std::string f = st.frame() ? "frame " + std::to_string(st.frame()->index) : "no frame";
  f += c >= 0 ? ", channel " + std::to_string(c) : ", all channels";
  f += s.normalize() ? ", normalised by max" : ", not normalised";
  f += ", " + st.source_description();
  return f;
}

}  // namespace peakscope::viewer
