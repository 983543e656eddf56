// Plots: the error over time and the error against beta for the current frame. Both have
// ticks and labels on both axes (beta in decades) and a hover readout of the nearest point.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app/viewer/panel_lab.hpp"
#include "app/viewer/panels.hpp"

namespace peakscope::viewer {

namespace {

// Ticks of a linear axis over [lo, hi]: multiples of 1, 2 or 5 x 10^k, about `n` of them.
std::vector<double> nice_ticks(double lo, double hi, int n) {
  std::vector<double> t;
  if (!(hi > lo)) return t;
  const double raw = (hi - lo) / std::max(1, n);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    t.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

std::string decade_label(int d) {
  switch (d) {
    case -1:
      return "0.1";
    case 0:
      return "1";
    case 1:
      return "10";
    case 2:
      return "100";
    default:
      return "1e" + std::to_string(d);
  }
}

struct PlotSpec {
  const char* x_label;
  const char* y_label;
  bool log_x = false;
  double x_lo = 0, x_hi = 1;
  double marker_x = NAN;  // a vertical line (the current beta)
  const char* x_name;     // for the hover readout
  const char* y_unit;
  bool log_y = false;  // y in decades (values <= 0 are gaps)
};

// The level labels' places: each wants to sit just above its line (`want`, its top edge).
// Sorted top to bottom, they fill a column at the right where each label that would overlap
// the one above moves down below it, and the column moves back up where it ran past `bottom`;
// when more labels than fit in the height, they go into further columns to the left, each
// taking the next labels in order. Returns each label's column (0: the rightmost) and top edge,
// in the order given.
struct LabelPlace {
  int column = 0;
  float y = 0;
};
std::vector<LabelPlace> place_labels(const std::vector<float>& want, float h, float top,
                                     float bottom) {
  std::vector<std::size_t> order(want.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return want[a] < want[b]; });
  const std::size_t per = std::max<std::size_t>(1, static_cast<std::size_t>((bottom - top) / h));
  const std::size_t columns = (order.size() + per - 1) / std::max<std::size_t>(1, per);
  std::vector<LabelPlace> out(want.size());
  for (std::size_t col = 0; col < columns; ++col) {
    // Column col takes every columns-th label, so each column spans the whole height.
    std::vector<std::size_t> mine;
    for (std::size_t k = col; k < order.size(); k += columns) mine.push_back(order[k]);
    float next = top;
    for (std::size_t i : mine) {
      out[i] = {static_cast<int>(col), std::max(std::clamp(want[i], top, bottom - h), next)};
      next = out[i].y + h;
    }
    float limit = bottom;  // ran past the bottom: back up, keeping the spacing
    for (auto it = mine.rbegin(); it != mine.rend(); ++it) {
      out[*it].y = std::max(top, std::min(out[*it].y, limit - h));
      limit = out[*it].y;
    }
  }
  return out;
}

// Draws xs/ys (NaN ys are gaps) in the rest of the current child window.
// Writes the axes box to box[0..1] and the hover text, if any, to *hover.
// `extra`: the decoding lab's series (app/viewer/panel_lab.hpp), curves on xs or levels.
void plot(const PlotSpec& s, const std::vector<double>& xs, const std::vector<double>& ys,
          ImVec2* box, std::string* hover, const std::vector<PlotSeries>& extra = {},
          std::vector<NamedRect>* labels = nullptr) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float lh = ImGui::GetTextLineHeight();
  const ImVec2 c0 = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float left = ui_px(46), bottom = lh * 2 + 6, top = lh + 4, right = ui_px(10);
  const ImVec2 a(c0.x + left, c0.y + top);
  const ImVec2 b(c0.x + std::max(left + 20, avail.x - right),
                 c0.y + std::max(top + 20, avail.y - bottom));
  ImGui::InvisibleButton("plot", ImVec2(std::max(1.0f, avail.x), std::max(1.0f, avail.y)));
  const bool hovered = ImGui::IsItemHovered();
  dl->AddRectFilled(a, b, IM_COL32(30, 30, 36, 255));
  box[0] = a;
  box[1] = b;
  const ImU32 axis = IM_COL32(170, 170, 170, 255), grid = IM_COL32(60, 60, 68, 255),
              text = IM_COL32(210, 210, 210, 255);
  // y range: 0 .. the largest value, with room above; in decades from the smallest positive
  // value (at most 8 decades below the largest) on a log axis.
  double ymax = 0, ypos = INFINITY;
  auto see = [&](double y) {
    if (!std::isfinite(y)) return;
    ymax = std::max(ymax, y);
    if (y > 0) ypos = std::min(ypos, y);
  };
  for (double y : ys) see(y);
  for (const PlotSeries& e : extra) {
    for (double y : e.values) see(y);
    if (e.level >= 0) see(e.level);
  }
  double ymin = 0;
  if (s.log_y) {
    const double top_v = ymax > 0 ? ymax : 1.0;
    ymax = std::pow(10.0, std::ceil(std::log10(top_v) + 0.05));
    ymin = std::isfinite(ypos) ? std::pow(10.0, std::floor(std::log10(ypos))) : ymax / 1e3;
    ymin = std::clamp(ymin, ymax * 1e-8, ymax / 10);
  } else {
    ymax = ymax > 0 ? ymax * 1.1 : 1.0;
  }
  auto fx = [&](double x) {
    const double t =
        s.log_x ? (std::log10(x) - std::log10(s.x_lo)) / (std::log10(s.x_hi) - std::log10(s.x_lo))
                : (x - s.x_lo) / (s.x_hi - s.x_lo);
    return a.x + static_cast<float>(std::clamp(t, 0.0, 1.0)) * (b.x - a.x);
  };
  // A value's height; on a log axis values at or below the floor sit on it (gaps when <= 0).
  auto fy = [&](double y) {
    const double t = s.log_y ? (std::log10(std::max(y, ymin)) - std::log10(ymin)) /
                                   (std::log10(ymax) - std::log10(ymin))
                             : y / ymax;
    return b.y - static_cast<float>(std::clamp(t, 0.0, 1.0)) * (b.y - a.y);
  };
  auto shown = [&](double y) { return std::isfinite(y) && (!s.log_y || y > 0); };
  char buf[48];
  // y ticks and grid: decades on a log axis (every other one where they would crowd).
  std::vector<double> yticks;
  if (s.log_y) {
    const int d0 = static_cast<int>(std::lround(std::log10(ymin))),
              d1 = static_cast<int>(std::lround(std::log10(ymax)));
    const int room = std::max(1, static_cast<int>((b.y - a.y) / (lh * 1.5f)));
    const int step = std::max(1, (d1 - d0 + room - 1) / room);
    for (int d = d0; d <= d1; d += step) yticks.push_back(std::pow(10.0, d));
  } else {
    yticks = nice_ticks(0, ymax, std::max(2, static_cast<int>((b.y - a.y) / (lh * 2))));
  }
  for (double t : yticks) {
    const float y = fy(t);
    dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), grid);
    dl->AddLine(ImVec2(a.x - 4, y), ImVec2(a.x, y), axis);
    std::snprintf(buf, sizeof buf, "%g", t);
    const float tw = ImGui::CalcTextSize(buf).x;
    dl->AddText(ImVec2(a.x - 6 - tw, y - lh * 0.5f), text, buf);
  }
  // x ticks: decades on a log axis.
  if (s.log_x) {
    for (int d = static_cast<int>(std::ceil(std::log10(s.x_lo)));
         d <= static_cast<int>(std::floor(std::log10(s.x_hi))); ++d) {
      const float x = fx(std::pow(10.0, d));
      dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), grid);
      dl->AddLine(ImVec2(x, b.y), ImVec2(x, b.y + 4), axis);
      const std::string l = decade_label(d);
      dl->AddText(ImVec2(x - ImGui::CalcTextSize(l.c_str()).x * 0.5f, b.y + 4), text, l.c_str());
    }
  } else {
    for (double t : nice_ticks(s.x_lo, s.x_hi, std::max(2, static_cast<int>((b.x - a.x) / 70)))) {
      const float x = fx(t);
      dl->AddLine(ImVec2(x, b.y), ImVec2(x, b.y + 4), axis);
      std::snprintf(buf, sizeof buf, "%g", t);
      dl->AddText(ImVec2(x - ImGui::CalcTextSize(buf).x * 0.5f, b.y + 4), text, buf);
    }
  }
  dl->AddLine(ImVec2(a.x, b.y), ImVec2(b.x, b.y), axis);
  dl->AddLine(ImVec2(a.x, a.y), ImVec2(a.x, b.y), axis);
  // Axis labels: x under its ticks at the right, y above the axis.
  const float xw = ImGui::CalcTextSize(s.x_label).x;
  dl->AddText(ImVec2(b.x - xw, b.y + lh + 5), text, s.x_label);
  dl->AddText(ImVec2(c0.x, c0.y), text, s.y_label);
  if (std::isfinite(s.marker_x))
    dl->AddLine(ImVec2(fx(s.marker_x), a.y), ImVec2(fx(s.marker_x), b.y),
                IM_COL32(255, 0, 255, 200), 1);
  dl->PushClipRect(a, b, true);
  for (std::size_t i = 1; i < xs.size(); ++i)
    if (shown(ys[i - 1]) && shown(ys[i]))
      dl->AddLine(ImVec2(fx(xs[i - 1]), fy(ys[i - 1])), ImVec2(fx(xs[i]), fy(ys[i])),
                  IM_COL32(255, 200, 60, 255), 2);
  if (xs.size() == 1 && shown(ys[0]))
    dl->AddCircleFilled(ImVec2(fx(xs[0]), fy(ys[0])), 3, IM_COL32(255, 200, 60, 255));
  // Levels (decoders without beta): a line each; their names right-aligned in a column, each
  // just above its line or, where names would overlap, moved clear with a leader to its line.
  std::vector<const PlotSeries*> levels;
  std::vector<float> want;
  for (const PlotSeries& e : extra) {
    if (e.values.empty() && e.level >= 0 && shown(e.level)) {
      dl->AddLine(ImVec2(a.x, fy(e.level)), ImVec2(b.x, fy(e.level)), e.color, 1.5f);
      levels.push_back(&e);
      want.push_back(fy(e.level) - lh);
    }
    for (std::size_t i = 1; i < e.values.size() && i < xs.size(); ++i)
      if (shown(e.values[i - 1]) && shown(e.values[i]))
        dl->AddLine(ImVec2(fx(xs[i - 1]), fy(e.values[i - 1])), ImVec2(fx(xs[i]), fy(e.values[i])),
                    e.color, 2);
  }
  dl->PopClipRect();
  if (labels) labels->clear();
  const std::vector<LabelPlace> at = place_labels(want, lh, a.y + 1, b.y - 1);
  std::vector<float> col_w;  // each column's width, for the right edge of the next
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (col_w.size() <= static_cast<std::size_t>(at[i].column)) col_w.resize(at[i].column + 1, 0);
    col_w[at[i].column] = std::max(col_w[at[i].column], ImGui::CalcTextSize(levels[i]->name).x);
  }
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const PlotSeries& e = *levels[i];
    float edge = b.x - 4;
    for (int k = 0; k < at[i].column; ++k) edge -= col_w[k] + ui_px(8);
    const float tw = ImGui::CalcTextSize(e.name).x, x = edge - tw, y = at[i].y;
    const float line_y = fy(e.level);
    dl->AddRectFilled(ImVec2(x - 2, y), ImVec2(b.x - 1, y + lh), IM_COL32(30, 30, 36, 220));
    dl->AddText(ImVec2(x, y), e.color, e.name);
    if (y + lh < line_y - 1 || y > line_y + 1)  // moved off its line: a leader back to it
      dl->AddLine(ImVec2(x - 3, y + lh * 0.5f), ImVec2(x - 12, line_y), e.color, 1);
    if (labels) labels->push_back({e.name, ImVec2(x, y), ImVec2(x + tw, y + lh)});
  }
  // Hover: the point nearest the cursor in x.
  if (hovered && !xs.empty()) {
    const float mx = ImGui::GetIO().MousePos.x;
    std::size_t best = 0;
    for (std::size_t i = 1; i < xs.size(); ++i)
      if (std::abs(fx(xs[i]) - mx) < std::abs(fx(xs[best]) - mx)) best = i;
    if (shown(ys[best])) {
      dl->AddCircle(ImVec2(fx(xs[best]), fy(ys[best])), 5, IM_COL32(255, 255, 255, 255), 12, 2);
      char tip[96];
      std::snprintf(tip, sizeof tip, "%s %.4g: %.4g %s", s.x_name, xs[best], ys[best], s.y_unit);
      ImGui::SetTooltip("%s", tip);
      *hover = tip;
    }
  }
}

void centred_note(const char* msg) {
  const ImVec2 c0 = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
  const ImVec2 sz = ImGui::CalcTextSize(msg);
  ImGui::GetWindowDrawList()->AddText(
      ImVec2(c0.x + (avail.x - sz.x) * 0.5f, c0.y + (avail.y - sz.y) * 0.5f),
      IM_COL32(170, 170, 170, 255), msg);
}

// The error over time, in a child of w x h at the cursor, followed by SameLine.
void time_error_plot(const ViewerState& st, float w, float h, bool log_y, ViewLayout& layout) {
  ImVec2 box[2];
  ImGui::BeginChild("plot_time", ImVec2(w, h), true, ImGuiWindowFlags_NoScrollbar);
  const auto& hist = st.error_history();
  if (!st.has_ground_truth() && hist.empty()) {
    ImGui::TextUnformatted("error over time");
    centred_note("no ground truth for this source");
  } else {
    if (hist.empty())
      ImGui::TextUnformatted("error to ground truth over time");
    else
      ImGui::Text("error to ground truth: now %.3f px", hist.back());
    std::vector<double> xs, ys;
    const long n = static_cast<long>(hist.size());
    for (long i = 0; i < n; ++i) {
      xs.push_back(static_cast<double>(i - (n - 1)));
      ys.push_back(hist[i]);
    }
    PlotSpec s{"frames ago", "px", false, static_cast<double>(-std::max<long>(n - 1, 10)), 0, NAN,
               "frame",      "px", log_y};
    plot(s, xs, ys, box, &layout.hover);
    layout.time_plot_min = box[0];
    layout.time_plot_max = box[1];
  }
  ImGui::EndChild();
  ImGui::SameLine();
}

}  // namespace

void panel_plots(ViewerState& st, float w, float h, ViewLayout& layout, bool time_plot) {
  ImVec2 box[2];
  const float each = time_plot ? (w - ImGui::GetStyle().ItemSpacing.x) * 0.5f : w;
  const bool log_y = st.settings().plot_log_y();
  layout.level_labels.clear();
  layout.time_plot_min = layout.time_plot_max = ImVec2(0, 0);
  if (time_plot) time_error_plot(st, each, h, log_y, layout);
  ImGui::BeginChild("plot_beta", ImVec2(each, h), true, ImGuiWindowFlags_NoScrollbar);

  const BetaCurve& c = st.curve();
  const bool gt = c.ground_truth;
  // The title, shorter where the long one and the y button do not fit on one line.
  const char* title = gt ? "error to ground truth vs beta (this frame)"
                         : "soft-argmax to argmax vs beta (this frame)";
  if (ImGui::CalcTextSize(title).x + ui_px(80) > ImGui::GetContentRegionAvail().x)
    title = gt ? "error to GT vs beta" : "soft-argmax to argmax vs beta";
  ImGui::TextUnformatted(title);
  // The y axis in decades (both plots): levels near 0 come apart, small errors show.
  // A small button on the title's line (the plot keeps its height), right-aligned.
  const char* toggle = log_y ? "y: log" : "y: linear";
  const float button_w = ImGui::CalcTextSize(toggle).x + 2 * ImGui::GetStyle().FramePadding.x;
  ImGui::SameLine();
  if (ImGui::GetContentRegionAvail().x >= button_w)
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x - button_w);
  else
    ImGui::NewLine();
  if (ImGui::SmallButton(toggle)) st.set_plot_log_y(!log_y);
  note_control("log y");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("the error plots' y axis: linear or in decades");
  PlotSpec s{"beta",
             "px",
             true,
             std::pow(10.0, ViewerState::kCurveLog10Min),
             std::pow(10.0, ViewerState::kCurveLog10Max),
             st.settings().beta(),
             "beta",
             "px",
             log_y};
  if (c.betas.empty())
    centred_note("waiting for a frame...");
  else {
    plot(s, c.betas, c.values, box, &layout.hover, decoder_plot_series(st), &layout.level_labels);
    layout.beta_plot_min = box[0];
    layout.beta_plot_max = box[1];
  }
  ImGui::EndChild();
}

}  // namespace peakscope::viewer
