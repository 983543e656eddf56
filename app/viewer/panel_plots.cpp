// Plots: error over time, and error against beta for the current frame (log beta axis).
#include <algorithm>
#include <cmath>
#include <vector>

#include "app/viewer/viewer.hpp"

namespace peakscope::viewer {

void Viewer::panel_plots(float w, float h) {
  const float each = (w - 8) * 0.5f;
  ImGui::BeginChild("plot_time", ImVec2(each, h), true);
  const std::vector<float> hist(err_history_.begin(), err_history_.end());
  const float top =
      hist.empty() ? 1.0f : *std::max_element(hist.begin(), hist.end()) * 1.1f + 1e-3f;
  ImGui::Text("soft-argmax error to ground truth over time (px), last %.3f",
              hist.empty() ? 0.0f : hist.back());
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  static const float kZero = 0;
  ImGui::PlotLines("##errtime", hist.empty() ? &kZero : hist.data(), std::max<int>(1, hist.size()),
                   0, nullptr, 0.0f, top, ImVec2(avail.x, std::max(20.0f, avail.y)));
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("plot_beta", ImVec2(each, h), true);
  const bool has_gt = frame_ && !frame_->ground_truth.empty();
  ImGui::Text("%s vs beta, this frame (log beta 1e-2 .. 1e4)",
              has_gt ? "error to ground truth (px)" : "soft-argmax to argmax (px)");
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 sz(ImGui::GetContentRegionAvail().x, ImGui::GetContentRegionAvail().y);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, ImVec2(p0.x + sz.x, p0.y + sz.y), IM_COL32(30, 30, 36, 255));
  if (beta_curve_.size() > 1) {
    const float ymax = *std::max_element(beta_curve_.begin(), beta_curve_.end()) * 1.1f + 1e-3f;
    auto pt = [&](double beta, double e) {
      const float fx = static_cast<float>((std::log10(beta) + 2.0) / 6.0);
      return ImVec2(p0.x + 4 + fx * (sz.x - 8),
                    p0.y + sz.y - 4 - static_cast<float>(e / ymax) * (sz.y - 8));
    };
    for (std::size_t i = 1; i < beta_curve_.size(); ++i)
      dl->AddLine(pt(beta_curve_betas_[i - 1], beta_curve_[i - 1]),
                  pt(beta_curve_betas_[i], beta_curve_[i]), IM_COL32(255, 200, 60, 255), 2);
    // The current beta.
    const ImVec2 a = pt(std::clamp(s_.beta, 1e-2, 1e4), 0);
    dl->AddLine(ImVec2(a.x, p0.y), ImVec2(a.x, p0.y + sz.y), IM_COL32(255, 0, 255, 200), 1);
    char buf[32];
    std::snprintf(buf, sizeof buf, "max %.2f", ymax / 1.1f);
    dl->AddText(ImVec2(p0.x + 6, p0.y + 2), IM_COL32(200, 200, 200, 255), buf);
  }
  ImGui::EndChild();
}

}  // namespace peakscope::viewer
