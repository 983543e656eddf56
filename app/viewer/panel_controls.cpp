// The left panel: source, soft-argmax options, display, engine, playback, readouts, capture,
// messages; and the help window. Functions over a ViewerState.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "app/viewer/panels.hpp"
#include "app/viewer/readouts.hpp"

namespace peakscope::viewer {

namespace {

void section(const char* title) {
  ImGui::Spacing();
  ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1.0f), "%s", title);
  ImGui::Separator();
}

// A section the user can fold. It starts folded in a short window (under 700 px), so the
// source, beta and the readouts fit at 960 x 600 without scrolling.
bool folding_section(const char* title) {
  ImGui::Spacing();
  const bool tall = ImGui::GetIO().DisplaySize.y >= 700;
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.55f, 0.8f, 1.0f, 1.0f));
  const bool open = ImGui::CollapsingHeader(
      title, tall ? ImGuiTreeNodeFlags_DefaultOpen : ImGuiTreeNodeFlags_None);
  ImGui::PopStyleColor();
  return open;
}

// The path field keeps what the user types until the source setting changes elsewhere.
struct PathField {
  char buf[1024] = {};
  std::string shown;
};

void source_section(ViewerState& st) {
  static PathField field;
  if (field.shown != st.settings().source()) {
    field.shown = st.settings().source();
    std::snprintf(field.buf, sizeof field.buf, "%s", field.shown.c_str());
  }
  section("Source");
  ImGui::TextWrapped("%s", st.source_description().c_str());
  if (const std::string status = st.source_status(); !status.empty())
    ImGui::TextWrapped(st.source_ended() ? "%s (Open reads it again)" : "%s", status.c_str());
  ImGui::SetNextItemWidth(-60);
  const bool enter =
      ImGui::InputText("##src", field.buf, sizeof field.buf, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  const bool clicked = ImGui::Button("Open");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "synthetic          the animated scene with ground truth\n"
        "camera:N           camera number N\n"
        "a video            .mp4 .avi .mkv .mov .webm .mpg .m4v\n"
        "an image           .png .jpg .tif .bmp ...\n"
        "a folder or glob   of images, played in name order\n"
        "a .npy stack       H x W, K x H x W or N x K x H x W\n"
        "--transform and --model from the command line apply to each.\n"
        "Or drop a file on the window.");
  if (enter || clicked) {
    if (st.set_source(field.buf)) {
      field.shown = st.settings().source();
      st.request(Request::kOpen);
    }
  }
}

void beta_section(ViewerState& st) {
  section("Soft-argmax");
  const double beta = st.settings().beta();
  float log_beta = static_cast<float>(std::log10(std::clamp(beta, kSliderBetaMin, kSliderBetaMax)));
  ImGui::SetNextItemWidth(-1);
  char label[64];
  std::snprintf(label, sizeof label, "beta %.4g", beta);
  if (ImGui::SliderFloat("##logbeta", &log_beta, static_cast<float>(std::log10(kSliderBetaMin)),
                         static_cast<float>(std::log10(kSliderBetaMax)), label))
    st.set_beta(std::pow(10.0, static_cast<double>(log_beta)));
  // The typed box: exact values, also beyond the slider (parse_beta decides).
  static char typed[64] = {};
  static double typed_for = -1;
  if (typed_for != beta && !ImGui::IsItemActive()) {
    std::snprintf(typed, sizeof typed, "%.6g", beta);
    typed_for = beta;
  }
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputText("##betaexact", typed, sizeof typed, ImGuiInputTextFlags_EnterReturnsTrue)) {
    if (!st.set_beta_text(typed)) typed_for = -1;  // show the accepted value again
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("type a beta and press Enter (%g .. %g)", kBetaMin, kBetaMax);
  bool norm = st.settings().normalize();
  if (ImGui::Checkbox("normalise by max (x / max)", &norm)) st.set_normalize(norm);
}

void display_section(ViewerState& st) {
  if (!folding_section("Display")) return;
  static const io::Colormap cmaps[] = {io::Colormap::kJet, io::Colormap::kViridis,
                                       io::Colormap::kTurbo, io::Colormap::kInferno,
                                       io::Colormap::kGray};
  const io::Colormap cur = st.settings().colormap();
  ImGui::SetNextItemWidth(120);
  if (ImGui::BeginCombo("colour map", io::colormap_name(cur))) {
    for (io::Colormap c : cmaps)
      if (ImGui::Selectable(io::colormap_name(c), c == cur)) st.set_colormap(c);
    ImGui::EndCombo();
  }
  bool log = st.settings().softmax_scale() == SoftmaxScale::kLog;
  if (ImGui::Checkbox("softmax: log scale (L)", &log))
    st.set_softmax_scale(log ? SoftmaxScale::kLog : SoftmaxScale::kLinear);
  // Marker toggles, wrapped onto a second line when the panel is narrow.
  ImGui::TextUnformatted("markers:");
  static const char* labels[] = {"argmax", "soft-argmax", "truth"};
  for (int m = 0; m < static_cast<int>(MarkerKind::kCount); ++m) {
    const float need = ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x +
                       ImGui::CalcTextSize(labels[m]).x + ImGui::GetStyle().ItemSpacing.x;
    ImGui::SameLine();
    if (ImGui::GetContentRegionAvail().x < need) ImGui::NewLine();
    bool on = st.settings().marker_visible(static_cast<MarkerKind>(m));
    if (ImGui::Checkbox(labels[m], &on)) st.set_marker_visible(static_cast<MarkerKind>(m), on);
  }
  const int k = st.channels();
  if (k > 1) {
    int ch = st.settings().channel();
    char fmt[32];
    std::snprintf(fmt, sizeof fmt, ch < 0 ? "all (A)" : "%%d of 0..%d", k - 1);
    ImGui::SetNextItemWidth(150);
    if (ImGui::SliderInt("channel", &ch, -1, k - 1, fmt)) st.set_channel(ch);
    if (st.settings().channel() < 0) {
      int v = st.settings().all_channels_view() == AllChannelsView::kGrid ? 1 : 0;
      ImGui::TextUnformatted("all channels as");
      ImGui::SameLine();
      if (ImGui::RadioButton("max", &v, 0)) st.set_all_channels_view(AllChannelsView::kMax);
      ImGui::SameLine();
      if (ImGui::RadioButton("grid", &v, 1)) st.set_all_channels_view(AllChannelsView::kGrid);
    }
  }
  // The overlay's grid shift (cells): the heatmap and the markers move on the image, so a
  // grid off by half a cell shows as a better or worse fit. Only where there is an image.
  if (st.overlay_shown()) {
    float d[2] = {static_cast<float>(st.grid_shift_x()), static_cast<float>(st.grid_shift_y())};
    ImGui::SetNextItemWidth(150);
    if (ImGui::DragFloat2("grid shift (cells)", d, 0.05f, -8.0f, 8.0f, "%.2f"))
      st.set_grid_shift(d[0], d[1]);
  }
}

void engine_section(ViewerState& st) {
  if (!folding_section("Engine")) return;
  static const Backend backends[] = {Backend::kAuto, Backend::kGpu, Backend::kCpu};
  const Backend cur = st.settings().backend();
  ImGui::SetNextItemWidth(100);
  if (ImGui::BeginCombo("asked for (B)", backend_name(cur))) {
    for (Backend b : backends)
      if (ImGui::Selectable(backend_name(b), b == cur)) st.set_backend(b);
    ImGui::EndCombo();
  }
  ImGui::TextWrapped("running: %s", st.engine_description().c_str());
  if (!st.engine_reason().empty()) {
    // In a short window the reason goes into a tooltip, so the readouts stay in view.
    const bool compact = ImGui::GetIO().DisplaySize.y < 700;
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.7f, 0.3f, 1));
    if (compact)
      ImGui::TextUnformatted("why this engine? (hover)");
    else
      ImGui::TextWrapped("%s", st.engine_reason().c_str());
    ImGui::PopStyleColor();
    if (compact && ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
      ImGui::TextUnformatted(st.engine_reason().c_str());
      ImGui::PopTextWrapPos();
      ImGui::EndTooltip();
    }
  }
}

void playback_section(ViewerState& st) {
  if (!folding_section("Playback")) return;
  if (ImGui::Button(st.paused() ? "Play" : "Pause")) st.set_paused(!st.paused());
  ImGui::SameLine();
  if (ImGui::Button("Step")) st.request_step();
  ImGui::SameLine();
  float fps = static_cast<float>(st.settings().fps());
  ImGui::SetNextItemWidth(-1);
  if (ImGui::SliderFloat("##fps", &fps, static_cast<float>(Settings::kFpsMin),
                         static_cast<float>(Settings::kFpsMax), "%.0f fps",
                         ImGuiSliderFlags_Logarithmic))
    st.set_fps(fps);
  float hold = static_cast<float>(st.settings().hold_s());
  ImGui::SetNextItemWidth(120);
  if (ImGui::SliderFloat("hold each frame", &hold, 0.0f, 10.0f, hold > 0 ? "%.2f s" : "off"))
    st.set_hold_s(hold);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("show every frame (e.g. each image of a folder) at least this long");
}

void readouts_section(const ViewerState& st) {
  section("Readouts");
  const io::Frame* fr = st.frame();
  if (!fr || st.keypoints().empty()) {
    ImGui::TextDisabled("waiting for a frame...");
    return;
  }
  ImGui::Text("frame %ld   map %d x %d x %d", fr->index, fr->heatmap.channels(),
              fr->heatmap.height(), fr->heatmap.width());
  const int sc = st.shown_channel();
  const auto& kps = st.keypoints();
  if (sc >= 0 || kps.size() == 1) {
    const int c = std::max(sc, 0);
    const Keypoint& kp = kps[c];
    if (!kp.valid) {  // nothing to read: no argmax, no soft-argmax, no p (readouts.hpp)
      ImGui::TextColored(ImVec4(1, 0.6f, 0.3f, 1), "channel %d %s: %s", c, kInvalidText,
                         kInvalidWhy);
    } else {
      ImGui::Text("argmax       (%.0f, %.0f)  value %.4g", kp.argmax_x, kp.argmax_y,
                  kp.argmax_value);
      ImGui::Text("soft-argmax  (%.3f, %.3f)", kp.soft_x, kp.soft_y);
      ImGui::Text("distance     %.3f px",
                  std::hypot(kp.soft_x - kp.argmax_x, kp.soft_y - kp.argmax_y));
      ImGui::Text("peak p       %.4g", kp.peak_probability);
      if (beta_eff_differs(kp, st.settings().decode_options()))
        ImGui::Text("beta eff     %.4g (beta / max %.4g)",
                    channel_beta_eff(kp, st.settings().decode_options()), kp.argmax_value);
    }
    const double err = st.ground_truth_error(c);
    if (err >= 0)
      ImGui::Text("error to GT  %.3f px", err);
    else
      ImGui::TextDisabled("error to GT  no ground truth");
  } else {
    // One row per channel, numbered as the keys and the CLI number them.
    const float rows_h = std::min(8.0f, static_cast<float>(kps.size()) + 1.5f) *
                         ImGui::GetTextLineHeightWithSpacing();
    // beta eff: the beta each channel's values get, where normalise makes it differ.
    const DecodeOptions opt = st.settings().decode_options();
    const bool eff = std::any_of(kps.begin(), kps.end(),
                                 [&](const Keypoint& k) { return beta_eff_differs(k, opt); });
    // The sixth column fits the controls' width with narrower cell padding.
    if (eff) ImGui::PushStyleVar(ImGuiStyleVar_CellPadding, ImVec2(2, 2));
    if (ImGui::BeginTable(
            "channels", eff ? 6 : 5,
            ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit |
                (eff ? ImGuiTableFlags_ScrollX : 0),  // a column cut off would misread
            ImVec2(0, rows_h + (eff ? ImGui::GetStyle().ScrollbarSize : 0)))) {
      ImGui::TableSetupScrollFreeze(0, 1);
      ImGui::TableSetupColumn("ch");
      ImGui::TableSetupColumn("argmax");
      ImGui::TableSetupColumn("soft-argmax");
      ImGui::TableSetupColumn("peak p");
      ImGui::TableSetupColumn("err");
      if (eff) ImGui::TableSetupColumn("b eff");
      ImGui::TableHeadersRow();
      for (int c = 0; c < static_cast<int>(kps.size()); ++c) {
        const Keypoint& kp = kps[c];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        if (fr && c < static_cast<int>(fr->names.size()) && !fr->names[c].empty())
          ImGui::Text("%d %.12s", c, fr->names[c].c_str());  // a stream's keypoint names
        else
          ImGui::Text("%d", c);
        ImGui::TableNextColumn();
        if (!kp.valid) {  // no point and no p: marked, never "24,32" and "0"
          ImGui::TextDisabled("-");
          ImGui::TableNextColumn();
          ImGui::TextDisabled("-");
          ImGui::TableNextColumn();
          ImGui::TextColored(ImVec4(1, 0.6f, 0.3f, 1), "%s", kInvalidText);
          if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kInvalidWhy);
        } else {
          ImGui::Text("%.0f,%.0f", kp.argmax_x, kp.argmax_y);
          ImGui::TableNextColumn();
          // One decimal less when the beta eff column needs the room (3 in the line above).
          ImGui::Text(eff ? "%.1f,%.1f" : "%.2f,%.2f", kp.soft_x, kp.soft_y);
          ImGui::TableNextColumn();
          ImGui::Text("%.3g", kp.peak_probability);
        }
        ImGui::TableNextColumn();
        const double e = st.ground_truth_error(c);
        if (e >= 0)
          ImGui::Text("%.2f", e);
        else
          ImGui::TextDisabled("-");
        if (eff) {
          ImGui::TableNextColumn();
          if (kp.valid)
            ImGui::Text("%.4g", channel_beta_eff(kp, opt));
          else
            ImGui::TextDisabled("-");
        }
      }
      ImGui::EndTable();
    }
    if (eff) ImGui::PopStyleVar();
    const double e = st.shown_error();
    if (e >= 0)
      ImGui::Text("mean error to GT  %.3f px", e);
    else
      ImGui::TextDisabled("error to GT  no ground truth");
  }
  ImGui::Text("decode       %s %.3f ms", st.engine_kind() == Backend::kGpu ? "GPU" : "CPU",
              st.decode_ms());
  if (const auto& cmp = st.comparison(); cmp.ran) {
    ImGui::Text("vs %s       %.2g px, %.0f s ago", cmp.engine.c_str(), cmp.diff_px,
                std::max(0.0, st.now() - cmp.at_s));
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("the %s engine decodes the frame once a second as a check (%.3f ms)",
                        cmp.engine.c_str(), cmp.ms);
  }
  const double ft = st.frame_times().empty() ? 0 : st.frame_times().back();
  ImGui::Text("frame time   %.2f ms", ft);
}

void capture_section(ViewerState& st) {
  if (!folding_section("Capture")) return;
  if (ImGui::Button("Window (S)")) st.request(Request::kScreenshot);
  ImGui::SameLine();
  if (ImGui::Button("Sheet (C)")) st.request(Request::kSheet);
  ImGui::SameLine();
  if (ImGui::Button("Grid (G)")) st.request(Request::kBetaGrid);
  ImGui::SameLine();
  if (ImGui::Button(st.recording() ? "Stop (V)" : "Record (V)")) st.request(Request::kRecordToggle);
  if (!st.last_saved().empty()) ImGui::TextWrapped("saved %s", st.last_saved().c_str());
}

}  // namespace

void panel_controls(ViewerState& st) {
  // Messages first: a failed open or save must be seen without scrolling.
  if (!st.error().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.35f, 0.35f, 1));
    ImGui::TextWrapped("%s", st.error().c_str());
    ImGui::PopStyleColor();
    if (ImGui::SmallButton("dismiss")) st.dismiss_error();
  }
  source_section(st);
  beta_section(st);
  display_section(st);
  engine_section(st);
  playback_section(st);
  readouts_section(st);
  capture_section(st);
  ImGui::Spacing();
  if (ImGui::Button("Help (F1)")) st.set_show_help(!st.show_help());
}

void panel_help(ViewerState& st) {
  bool open = true;
  ImGui::SetNextWindowPos(ImVec2(ImGui::GetIO().DisplaySize.x * 0.5f, 40), ImGuiCond_Appearing,
                          ImVec2(0.5f, 0));
  ImGui::Begin("Help", &open, ImGuiWindowFlags_AlwaysAutoResize);
  ImGui::TextUnformatted(help_text().c_str());
  ImGui::End();
  if (!open) st.set_show_help(false);
}

}  // namespace peakscope::viewer
