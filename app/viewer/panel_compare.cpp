// The compare view, in place of the heatmap and softmax views while a compare mode is on:
// the pinned frame beside the current one, or A beside B on the current frame (two betas or
// two decoders), each pane with its softmax picture, markers, label and readout (error to the
// ground truth when the frame has it). Above them the mode, the A/B sides and the sheet.
#include <algorithm>
#include <cstdio>
#include <string>

#include "app/viewer/panels.hpp"

namespace peakscope::viewer {

namespace {

void ring(ImDrawList* dl, ImVec2 p, float z) {
  const float r = MarkerStyle::hole(z) + 1.5f;
  dl->AddCircle(p, r + 1.5f, MarkerStyle::kRim, 24, 2.0f);
  dl->AddCircle(p, r, MarkerStyle::kArgmax, 24, 2.0f);
}

void diamond(ImDrawList* dl, ImVec2 p, float z) {
  const float r = MarkerStyle::hole(z) * 1.41f + 3.0f;
  auto quad = [&](float rr, ImU32 c) {
    dl->AddQuad(ImVec2(p.x, p.y - rr), ImVec2(p.x + rr, p.y), ImVec2(p.x, p.y + rr),
                ImVec2(p.x - rr, p.y), c, 2.0f);
  };
  quad(r + 1.5f, MarkerStyle::kRim);
  quad(r, MarkerStyle::kSoftArgmax);
}

void cross(ImDrawList* dl, ImVec2 p, float z) {
  const float in = MarkerStyle::hole(z), out = in + 7;
  const ImVec2 d[4] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
  for (const ImVec2& u : d) {
    const ImVec2 a(p.x + u.x * in, p.y + u.y * in), b(p.x + u.x * out, p.y + u.y * out);
    dl->AddLine(a, b, MarkerStyle::kRim, 4.0f);
    dl->AddLine(a, b, MarkerStyle::kGroundTruth, 2.0f);
  }
}

// One side's beta and decoder.
void side_controls(ViewerState& st, char which) {
  Timeline& tl = st.timeline();
  ABSide s = tl.side(which);
  ImGui::PushID(which);
  ImGui::Text("%c:", which);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(70);
  double beta = s.beta;
  if (ImGui::InputDouble("beta", &beta, 0, 0, "%g", ImGuiInputTextFlags_EnterReturnsTrue)) {
    try {
      tl.set_side(which, {beta, s.decoder});
      st.clear_error(ErrorKind::kInput);
    } catch (const std::exception& e) {
      st.report_error(ErrorKind::kInput, std::string(1, which) + ": " + e.what());
    }
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  if (ImGui::BeginCombo("##decoder", decoder_name(s.decoder))) {
    for (DecoderKind k : kAllDecoders)
      if (ImGui::Selectable(decoder_name(k), k == s.decoder)) tl.set_side(which, {s.beta, k});
    ImGui::EndCombo();
  }
  ImGui::PopID();
}

// One pane: label, the picture fitted into `size` with its markers, the readout.
void pane(const ComparePane& p, GLuint tex, ImVec2 size, const char* id, ImVec2* rect) {
  ImGui::BeginChild(id, size, true,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  ImGui::TextUnformatted(p.label.c_str());
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const ImVec2 area(std::max(avail.x, 16.0f), std::max(avail.y - 2 * line - 2, 16.0f));
  const int w = std::max(1, p.image.cols), h = std::max(1, p.image.rows);
  const float z = std::min(area.x / w, area.y / h);
  const ImVec2 origin(p0.x + (area.x - w * z) * 0.5f, p0.y + (area.y - h * z) * 0.5f);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  rect[0] = origin;
  rect[1] = ImVec2(origin.x + w * z, origin.y + h * z);
  dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex)), rect[0], rect[1]);
  auto at = [&](double x, double y) {
    return ImVec2(origin.x + static_cast<float>((x + 0.5) * z),
                  origin.y + static_cast<float>((y + 0.5) * z));
  };
  dl->PushClipRect(p0, ImVec2(p0.x + area.x, p0.y + area.y), true);
  for (const PanePoint& q : p.points) {
    for (const io::Point2& g : q.truth) cross(dl, at(g.x, g.y), z);
    ring(dl, at(q.argmax_x, q.argmax_y), z);
    if (q.point.valid) diamond(dl, at(q.point.x, q.point.y), z);
  }
  dl->PopClipRect();
  ImGui::SetCursorScreenPos(ImVec2(p0.x, p0.y + area.y + 2));
  ImGui::TextUnformatted(p.readout().c_str());
  // The colour range, then the markers' legend where the pane is wide enough.
  char range[96], legend[96];
  std::snprintf(range, sizeof range, "%s %.3g..%.3g%s", p.relative ? "p/peak" : "p", p.p_lo, p.p_hi,
                p.log ? " log" : "");
  std::snprintf(legend, sizeof legend, "   ring argmax, diamond %s, cross truth",
                decoder_name(p.decoder));
  ImGui::TextDisabled("%s", range);
  if (ImGui::CalcTextSize(range).x + ImGui::CalcTextSize(legend).x < size.x - 16) {
    ImGui::SameLine(0, 0);
    ImGui::TextDisabled("%s", legend);
  }
  ImGui::EndChild();
}

}  // namespace

void panel_compare(ViewerState& st, const Comparer& cmp, const std::array<GLuint, 2>& textures,
                   float w, float h, CompareLayout& layout) {
  ImGui::BeginChild("compare_view", ImVec2(w, h), false, ImGuiWindowFlags_NoScrollbar);
  Timeline& tl = st.timeline();
  // The mode, the sides, the sheet: on one line while it fits.
  auto next = [](float need) {
    ImGui::SameLine();
    if (ImGui::GetContentRegionAvail().x < need) ImGui::NewLine();
  };
  int mode = tl.mode() == CompareMode::kAB ? 1 : 0;
  if (tl.pinned()) {
    if (ImGui::RadioButton("pinned", &mode, 0)) tl.set_mode(CompareMode::kPinned);
    ImGui::SameLine();
  }
  if (ImGui::RadioButton("A/B", &mode, 1)) tl.set_mode(CompareMode::kAB);
  if (tl.mode() == CompareMode::kAB) {
    next(220);
    side_controls(st, 'A');
    next(220);
    side_controls(st, 'B');
  }
  next(110);
  if (ImGui::SmallButton("save sheet")) st.request(Request::kCompareSheet);
  if (tl.pinned()) {
    next(60);
    if (ImGui::SmallButton("unpin")) tl.unpin();
  }
  next(60);
  if (ImGui::SmallButton("close")) {
    if (tl.mode() == CompareMode::kPinned) tl.unpin();
    tl.set_mode(CompareMode::kOff);
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float each = (avail.x - 8) * 0.5f;
  ImVec2 l[2], r[2];
  pane(cmp.left(), textures[0], ImVec2(each, avail.y), "compare_left", l);
  ImGui::SameLine();
  pane(cmp.right(), textures[1], ImVec2(each, avail.y), "compare_right", r);
  layout = {l[0], l[1], r[0], r[1]};
  ImGui::EndChild();
}

}  // namespace peakscope::viewer
