// The decoder list with its readouts, the decoders' markers and legend, and their plot series.
#include <cmath>
#include <cstdio>
#include <string>

#include "app/viewer/panel_lab.hpp"
#include "app/viewer/panels.hpp"

namespace peakscope::viewer {
namespace {

// A regular outline of n corners (n = 3 up or down, 4, 5, 6, 8) or an x, with a black rim.
void shape(ImDrawList* dl, ImVec2 p, float r, DecoderShape s, ImU32 col, float thick) {
  auto poly = [&](int n, float rot, ImU32 c, float rr, float t) {
    ImVec2 pts[8];
    for (int i = 0; i < n; ++i) {
      const float a = rot + 6.2831853f * static_cast<float>(i) / static_cast<float>(n);
      pts[i] = ImVec2(p.x + rr * std::cos(a), p.y + rr * std::sin(a));
    }
    dl->AddPolyline(pts, n, c, ImDrawFlags_Closed, t);
  };
  auto both = [&](int n, float rot) {
    poly(n, rot, MarkerStyle::kRim, r + 1.5f, thick + 1.0f);
    poly(n, rot, col, r, thick);
  };
  switch (s) {
    case DecoderShape::kSquare:
      both(4, 0.785398f);
      break;
    case DecoderShape::kTriangleUp:
      both(3, -1.570796f);
      break;
    case DecoderShape::kTriangleDown:
      both(3, 1.570796f);
      break;
    case DecoderShape::kHexagon:
      both(6, 0);
      break;
    case DecoderShape::kPentagon:
      both(5, -1.570796f);
      break;
    case DecoderShape::kOctagon:
      both(8, 0.392699f);
      break;
    case DecoderShape::kX: {
      const float in = r * 0.45f, out = r;  // four diagonal arms, none over the centre
      for (float sx : {-1.0f, 1.0f})
        for (float sy : {-1.0f, 1.0f}) {
          const ImVec2 a(p.x + sx * in, p.y + sy * in), b(p.x + sx * out, p.y + sy * out);
          dl->AddLine(a, b, MarkerStyle::kRim, thick + 2.0f);
          dl->AddLine(a, b, col, thick);
        }
      break;
    }
  }
}

// The lab decoders in list order (argmax and softargmax are the views' own markers).
constexpr DecoderKind kLab[] = {
    DecoderKind::kQuarter,  DecoderKind::kDark,      DecoderKind::kDarkUdp, DecoderKind::kWindow,
    DecoderKind::kCentroid, DecoderKind::kMediapipe, DecoderKind::kDebiased};

void swatch(DecoderKind k) {
  const DecoderStyle s = decoder_style(k);
  const ImVec2 c = ImGui::GetCursorScreenPos();
  const float lh = ImGui::GetTextLineHeight();
  shape(ImGui::GetWindowDrawList(), ImVec2(c.x + 7, c.y + lh * 0.5f), 5.5f, s.shape, s.color, 1.5f);
  ImGui::Dummy(ImVec2(16, lh));
  ImGui::SameLine();
}

}  // namespace

DecoderStyle decoder_style(DecoderKind k) {
  switch (k) {
    case DecoderKind::kQuarter:
      return {IM_COL32(255, 140, 0, 255), DecoderShape::kSquare};
    case DecoderKind::kDark:
      return {IM_COL32(0, 220, 255, 255), DecoderShape::kTriangleUp};
    case DecoderKind::kDarkUdp:
      return {IM_COL32(120, 150, 255, 255), DecoderShape::kTriangleDown};
    case DecoderKind::kWindow:
      return {IM_COL32(255, 255, 0, 255), DecoderShape::kHexagon};
    case DecoderKind::kCentroid:
      return {IM_COL32(255, 60, 60, 255), DecoderShape::kX};
    case DecoderKind::kMediapipe:
      return {IM_COL32(150, 255, 80, 255), DecoderShape::kPentagon};
    case DecoderKind::kDebiased:
      return {IM_COL32(255, 150, 210, 255), DecoderShape::kOctagon};
    default:
      return {IM_COL32(255, 255, 255, 255), DecoderShape::kSquare};
  }
}

void draw_decoder_markers(ImDrawList* dl, const ViewerState& st, int c,
                          const std::function<ImVec2(double, double)>& at, float z) {
  const LabState& lab = st.lab();
  if (c < 0 || c >= static_cast<int>(lab.points().size())) return;
  const MarkerLook look = MarkerLook::of(st.settings(), z);
  const float r = look.hole() + 9.0f * look.size;  // outside the argmax ring and diamond
  for (DecoderKind k : kLab) {
    if (!lab.enabled(k)) continue;
    const DecodedPoint& p = lab.points()[c][decoder_index(k)];
    if (!p.valid) continue;
    const DecoderStyle s = decoder_style(k);
    shape(dl, at(p.x, p.y), r, s.shape, look.faded(s.color), look.line());
  }
}

std::vector<DecoderKind> legend_decoders(const ViewerState& st) {
  std::vector<DecoderKind> out;
  for (DecoderKind k : kLab)
    if (st.lab().enabled(k)) out.push_back(k);
  return out;
}

void draw_decoder_shape(ImDrawList* dl, ImVec2 p, float r, DecoderKind k) {
  const DecoderStyle s = decoder_style(k);
  shape(dl, p, r, s.shape, s.color, 1.5f);
}

std::vector<PlotSeries> decoder_plot_series(const ViewerState& st) {
  std::vector<PlotSeries> out;
  for (const DecoderCurve& c : st.lab().curves())
    out.push_back({c.values, c.level, decoder_style(c.kind).color, decoder_name(c.kind)});
  return out;
}

void panel_decoders(ViewerState& st) {
  LabState& lab = st.lab();
  // Folded unless a decoder was asked for (--decoders): the controls fit without it.
  if (!ImGui::CollapsingHeader("Decoders", lab.any_enabled() ? ImGuiTreeNodeFlags_DefaultOpen : 0))
    return;
  // Convention of the readouts.
  static const char* kCoords[] = {"index", "half", "dsnt", "corner", "image (UDP)"};
  CoordConvention conv = lab.coords();
  int ci = static_cast<int>(conv.system);
  if (conv.system == CoordSystem::kImage) ci = 4;
  ImGui::SetNextItemWidth(130);
  if (ImGui::Combo("coords", &ci, kCoords, 5)) {
    conv.system = static_cast<CoordSystem>(ci);
    if (conv.system == CoordSystem::kImage && st.frame()) {
      // The frame the heatmap came from is the network input: its size, UDP's scale.
      conv.input_width =
          st.frame()->image.empty() ? st.frame()->heatmap.width() : st.frame()->image.cols;
      conv.input_height =
          st.frame()->image.empty() ? st.frame()->heatmap.height() : st.frame()->image.rows;
      conv.udp = true;
    }
    if (!lab.set_coords(conv)) st.report_error(ErrorKind::kInput, "coords image: no frame yet");
  }
  const int sc = st.shown_channel();
  const int c = sc >= 0 ? sc : 0;
  const bool have = st.frame() && c < static_cast<int>(st.keypoints().size());
  // Every control first, the readouts after them all: a readout line that comes or goes
  // (a decoder switched on, a tune done) never moves a control under the pointer.
  // argmax and softargmax: the views' own markers (Settings), listed here too.
  for (auto [mk, name] : {std::pair{MarkerKind::kArgmax, "argmax"},
                          std::pair{MarkerKind::kSoftArgmax, "softargmax"}}) {
    bool on = st.settings().marker_visible(mk);
    ImGui::Dummy(ImVec2(16, ImGui::GetTextLineHeight()));  // aligned with the swatched rows
    ImGui::SameLine();
    if (ImGui::Checkbox(name, &on)) st.set_marker_visible(mk, on);
    note_control(name);
  }
  for (DecoderKind k : kLab) {
    swatch(k);
    bool on = lab.enabled(k);
    if (ImGui::Checkbox(decoder_name(k), &on)) lab.set_enabled(k, on);
    note_control(decoder_name(k));
  }
  // --pose: the decoder whose points the skeleton joins.
  if (st.frame() && st.frame()->pose) {
    int si = decoder_index(lab.skeleton_decoder());
    ImGui::SetNextItemWidth(130);
    if (ImGui::Combo(
            "skeleton", &si,
            [](void*, int i, const char** out) {
              return (*out = decoder_name(kAllDecoders[i])), true;
            },
            nullptr, kDecoderCount))
      lab.set_skeleton_decoder(kAllDecoders[si]);
  }
  // The gradient view.
  bool g = lab.gradient_on();
  if (ImGui::Checkbox("gradient view", &g)) lab.set_gradient_on(g);
  note_control("gradient view");
  // Auto-tune over the last frames with ground truth.
  if (ImGui::Button("auto-tune beta")) {
    if (lab.tune_frames() > 0)
      st.request(Request::kAutoTune);  // the Viewer runs the search and sets the beta
    else
      st.report_error(ErrorKind::kInput, "auto-tune needs frames with ground truth");
  }
  note_control("auto-tune beta");
  ImGui::SameLine();
  ImGui::TextDisabled("%zu frame(s)", lab.tune_frames());
  // ---- The readouts.
  if (lab.has_tuned())
    ImGui::Text("optimum beta %.4g: mean error %.4f px", lab.tuned().beta, lab.tuned().error);
  if (!lab.error().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.45f, 0.3f, 1));
    ImGui::TextWrapped("decoders: %s", lab.error().c_str());
    ImGui::PopStyleColor();
  }
  auto readout = [&](const char* name, double x, double y, double err) {
    if (err >= 0)
      ImGui::TextDisabled("  %s (%.3f, %.3f)  err %.3f px", name, x, y, err);
    else
      ImGui::TextDisabled("  %s (%.3f, %.3f)", name, x, y);
  };
  for (auto [mk, name] : {std::pair{MarkerKind::kArgmax, "argmax"},
                          std::pair{MarkerKind::kSoftArgmax, "softargmax"}}) {
    if (st.settings().marker_visible(mk) && have) {
      const Keypoint& kp = st.keypoints()[c];
      const double x = mk == MarkerKind::kArgmax ? kp.argmax_x : kp.soft_x;
      const double y = mk == MarkerKind::kArgmax ? kp.argmax_y : kp.soft_y;
      const CoordPoint q = to_convention({x, y}, st.frame()->heatmap.width(),
                                         st.frame()->heatmap.height(), lab.coords());
      const double err = mk == MarkerKind::kSoftArgmax ? st.ground_truth_error(c) : -1;
      readout(name, q.x, q.y, err);
    }
  }
  for (DecoderKind k : kLab)
    if (lab.enabled(k) && have && c < static_cast<int>(lab.points().size())) {
      const CoordPoint q = lab.in_convention(c, k);
      readout(decoder_name(k), q.x, q.y, lab.error(c, k));
    }
}

}  // namespace peakscope::viewer
