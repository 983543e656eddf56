// The evaluation panel: with ground truth (--ground-truth, the synthetic scene), each
// decoder's mean error per keypoint and its running mean, median and PCK@t over the frames
// seen (app/viewer/eval_tracker.hpp), keypoint names beside the channels.
#include <cmath>
#include <cstdio>

#include "app/viewer/panel_lab.hpp"
#include "app/viewer/panels.hpp"

namespace peakscope::viewer {

void panel_evaluate(const ViewerState& st, EvalTracker& ev, bool open) {
  if (ev.frames() == 0 || ev.keypoints() == 0) return;
  if (!ImGui::CollapsingHeader("Evaluation", open ? ImGuiTreeNodeFlags_DefaultOpen : 0)) return;
  std::vector<DecoderKind> shown;
  for (DecoderKind k : kAllDecoders)
    if (ev.stats(k, -1).labelled > 0) shown.push_back(k);
  ImGui::TextWrapped("%ld frame(s) with ground truth at beta %g; errors in image px", ev.frames(),
                     st.settings().beta());
  float t = static_cast<float>(ev.threshold());
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);  // follows the UI scale
  if (ImGui::DragFloat("PCK threshold px", &t, 0.1f, 0.1f, 1000.0f, "%.1f") && t > 0)
    ev.set_threshold(t);
  const io::Frame* f = st.frame();
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
  const int rows = ev.keypoints() + 3;
  const float h =
      ImGui::GetTextLineHeightWithSpacing() * static_cast<float>(std::min(rows, 12) + 1);
  if (!ImGui::BeginTable("eval", 1 + static_cast<int>(shown.size()), flags, ImVec2(0, h))) return;
  ImGui::TableSetupScrollFreeze(1, 1);
  ImGui::TableSetupColumn("keypoint");
  for (DecoderKind k : shown) ImGui::TableSetupColumn(decoder_name(k));
  ImGui::TableHeadersRow();
  char pck_label[32];
  std::snprintf(pck_label, sizeof pck_label, "PCK@%.3gpx", ev.threshold());
  // Summary rows first (mean, median, PCK over all keypoints), then the mean per keypoint.
  for (int r = 0; r < 3; ++r) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(r == 0 ? "mean (all)" : r == 1 ? "median (all)" : pck_label);
    for (DecoderKind k : shown) {
      ImGui::TableNextColumn();
      const EvalStats s = ev.stats(k, -1);
      const double v = r == 0 ? s.mean : r == 1 ? s.median : 100 * s.pck[0];
      if (std::isfinite(v))
        ImGui::Text(r == 2 ? "%.0f%%" : "%.3g", v);
      else
        ImGui::TextDisabled("-");
    }
  }
  for (int c = 0; c < ev.keypoints(); ++c) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    const std::string* name = nullptr;
    if (f && f->pose && c < static_cast<int>(f->pose->names.size()))
      name = &f->pose->names[c];
    else if (f && c < static_cast<int>(f->names.size()) && !f->names[c].empty())
      name = &f->names[c];
    if (name)
      ImGui::Text("%d %.14s", c, name->c_str());
    else
      ImGui::Text("ch %d", c);
    for (DecoderKind k : shown) {
      ImGui::TableNextColumn();
      const EvalStats s = ev.stats(k, c);
      if (s.labelled > 0 && std::isfinite(s.mean))
        ImGui::Text("%.3g", s.mean);
      else
        ImGui::TextDisabled("-");
    }
  }
  ImGui::EndTable();
}

}  // namespace peakscope::viewer
