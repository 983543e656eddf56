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
};

// Draws xs/ys (NaN ys are gaps) in the rest of the current child window.
// Writes the axes box to box[0..1] and the hover text, if any, to *hover.
// `extra`: the decoding lab's series (app/viewer/panel_lab.hpp), curves on xs or levels.
void plot(const PlotSpec& s, const std::vector<double>& xs, const std::vector<double>& ys,
          ImVec2* box, std::string* hover, const std::vector<PlotSeries>& extra = {}) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float lh = ImGui::GetTextLineHeight();
  const ImVec2 c0 = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float left = 46, bottom = lh * 2 + 6, top = lh + 4, right = 10;
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
  // y range: 0 .. the largest value, with room above.
  double ymax = 0;
  for (double y : ys)
    if (std::isfinite(y)) ymax = std::max(ymax, y);
  for (const PlotSeries& e : extra) {
    for (double y : e.values)
      if (std::isfinite(y)) ymax = std::max(ymax, y);
    if (e.level >= 0 && std::isfinite(e.level)) ymax = std::max(ymax, e.level);
  }
  ymax = ymax > 0 ? ymax * 1.1 : 1.0;
  auto fx = [&](double x) {
    const double t =
        s.log_x ? (std::log10(x) - std::log10(s.x_lo)) / (std::log10(s.x_hi) - std::log10(s.x_lo))
                : (x - s.x_lo) / (s.x_hi - s.x_lo);
    return a.x + static_cast<float>(std::clamp(t, 0.0, 1.0)) * (b.x - a.x);
  };
  auto fy = [&](double y) { return b.y - static_cast<float>(y / ymax) * (b.y - a.y); };
  char buf[48];
  // y ticks and grid.
  for (double t : nice_ticks(0, ymax, std::max(2, static_cast<int>((b.y - a.y) / (lh * 2))))) {
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
    if (std::isfinite(ys[i - 1]) && std::isfinite(ys[i]))
      dl->AddLine(ImVec2(fx(xs[i - 1]), fy(ys[i - 1])), ImVec2(fx(xs[i]), fy(ys[i])),
                  IM_COL32(255, 200, 60, 255), 2);
  if (xs.size() == 1 && std::isfinite(ys[0]))
    dl->AddCircleFilled(ImVec2(fx(xs[0]), fy(ys[0])), 3, IM_COL32(255, 200, 60, 255));
  float label_x = b.x;  // levels' names right-aligned, side by side where they would overlap
  float label_y = -1e9f;
  for (const PlotSeries& e : extra) {
    if (e.values.empty() && e.level >= 0) {  // a decoder without beta: a level
      const float y = fy(e.level), tw = ImGui::CalcTextSize(e.name).x;
      dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), e.color, 1.5f);
      label_x = std::abs(y - label_y) < lh ? label_x - tw - 6 : b.x - tw - 2;
      if (std::abs(y - label_y) >= lh) label_y = y;
      dl->AddText(ImVec2(label_x, y - lh), e.color, e.name);
    }
    for (std::size_t i = 1; i < e.values.size() && i < xs.size(); ++i)
      if (std::isfinite(e.values[i - 1]) && std::isfinite(e.values[i]))
        dl->AddLine(ImVec2(fx(xs[i - 1]), fy(e.values[i - 1])), ImVec2(fx(xs[i]), fy(e.values[i])),
                    e.color, 2);
  }
  dl->PopClipRect();
  // Hover: the point nearest the cursor in x.
  if (hovered && !xs.empty()) {
    const float mx = ImGui::GetIO().MousePos.x;
    std::size_t best = 0;
    for (std::size_t i = 1; i < xs.size(); ++i)
      if (std::abs(fx(xs[i]) - mx) < std::abs(fx(xs[best]) - mx)) best = i;
    if (std::isfinite(ys[best])) {
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

}  // namespace

void panel_plots(const ViewerState& st, float w, float h, ViewLayout& layout) {
  ImVec2 box[2];
  const float each = (w - 8) * 0.5f;
  ImGui::BeginChild("plot_time", ImVec2(each, h), true, ImGuiWindowFlags_NoScrollbar);
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
    PlotSpec s{"frames ago", "px",    false, static_cast<double>(-std::max<long>(n - 1, 10)), 0,
               NAN,          "frame", "px"};
    plot(s, xs, ys, box, &layout.hover);
    layout.time_plot_min = box[0];
    layout.time_plot_max = box[1];
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("plot_beta", ImVec2(each, h), true, ImGuiWindowFlags_NoScrollbar);
  const BetaCurve& c = st.curve();
  const bool gt = c.ground_truth;
  ImGui::TextUnformatted(gt ? "error to ground truth vs beta (this frame)"
                            : "soft-argmax to argmax vs beta (this frame)");
  PlotSpec s{"beta",
             "px",
             true,
             std::pow(10.0, ViewerState::kCurveLog10Min),
             std::pow(10.0, ViewerState::kCurveLog10Max),
             st.settings().beta(),
             "beta",
             "px"};
  if (c.betas.empty())
    centred_note("waiting for a frame...");
  else {
    plot(s, c.betas, c.values, box, &layout.hover, decoder_plot_series(st));
    layout.beta_plot_min = box[0];
    layout.beta_plot_max = box[1];
  }
  ImGui::EndChild();
}

}  // namespace peakscope::viewer
