// The left panel: source, soft-argmax options, display, engine, playback, readouts, capture,
// messages; and the help window. Functions over a ViewerState.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "app/viewer/panels.hpp"

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
  // The status on one line that is always there (its full text on hover), so the field and
  // the controls below stay where they are when a source ends.
  const std::string status = st.source_status();
  ImGui::TextDisabled("%s", status.empty() ? " " : status.c_str());
  if (!status.empty() && ImGui::IsItemHovered())
    ImGui::SetTooltip(st.source_ended() ? "%s (Open reads it again)" : "%s", status.c_str());
  // The last run's source is offered, never reopened by itself.
  const std::string& last = st.settings().last_source();
  if (!last.empty() && last != st.settings().source()) {
    const std::string label = "Reopen " + std::filesystem::path(last).filename().string();
    if (ImGui::SmallButton(label.c_str()) && st.set_source(last)) st.request(Request::kOpen);
    note_control("reopen");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("open %s, the last run's source", last.c_str());
  }
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

// The channels whose markers are drawn while all are shown: a list typed as "0,5-8" and a
// checkbox per channel (with its name) in a box of fixed height.
void drawn_channels(ViewerState& st, int k) {
  const std::optional<std::vector<int>>& drawn = st.drawn_channels();
  int n = 0;
  for (int c = 0; c < k; ++c) n += st.channel_drawn(c);
  char head[96];
  std::snprintf(head, sizeof head, "markers of %d of %d channels###drawn", n, k);
  if (!ImGui::TreeNode(head)) return;
  static char typed[256] = {};
  static std::optional<std::optional<std::vector<int>>> typed_for;
  if (typed_for != drawn && !ImGui::IsAnyItemActive()) {
    std::snprintf(typed, sizeof typed, "%s",
                  !drawn           ? ""
                  : drawn->empty() ? "none"
                                   : channel_list_text(*drawn).c_str());
    typed_for = drawn;
  }
  ImGui::SetNextItemWidth(ui_px(120));
  if (ImGui::InputTextWithHint("##drawn", "all, or 0,5-8", typed, sizeof typed,
                               ImGuiInputTextFlags_EnterReturnsTrue)) {
    try {
      const std::string t = typed;
      st.set_drawn_channels(t.empty()     ? std::nullopt
                            : t == "none" ? std::optional(std::vector<int>{})
                                          : std::optional(parse_channel_list(t)));
    } catch (const std::exception& e) {
      st.report_error(ErrorKind::kInput, e.what());
    }
    typed_for.reset();
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("all")) st.set_drawn_channels(std::nullopt);
  ImGui::SameLine();
  if (ImGui::SmallButton("none")) st.set_drawn_channels(std::vector<int>{});
  const io::Frame* fr = st.frame();
  const float row = ImGui::GetFrameHeightWithSpacing();
  ImGui::BeginChild("drawn_list", ImVec2(0, row * std::min(6, (k + 1) / 2) + ui_px(8)), true);
  ImGui::Columns(2, nullptr, false);
  for (int c = 0; c < k; ++c) {
    bool on = st.channel_drawn(c);
    std::string label = std::to_string(c);
    if (fr && c < static_cast<int>(fr->names.size()) && !fr->names[c].empty())
      label += " " + fr->names[c];
    else if (fr && fr->pose && c < static_cast<int>(fr->pose->names.size()))
      label += " " + fr->pose->names[c];
    if (ImGui::Checkbox(label.c_str(), &on)) {
      std::vector<int> next;
      for (int d = 0; d < k; ++d)
        if (d == c ? on : st.channel_drawn(d)) next.push_back(d);
      if (static_cast<int>(next.size()) == k)
        st.set_drawn_channels(std::nullopt);
      else
        st.set_drawn_channels(std::move(next));
    }
    ImGui::NextColumn();
  }
  ImGui::Columns(1);
  ImGui::EndChild();
  ImGui::TreePop();
}

// The UI scale, on the line before it where it fits: "auto" follows the monitor's content
// scale, else a factor (--ui-scale gives any other).
void ui_scale_control(ViewerState& st) {
  static const double kScales[] = {0, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3};
  const double cur = st.settings().ui_scale();
  char preview[32];
  std::snprintf(preview, sizeof preview, cur == 0 ? "auto" : "%.2gx", cur);
  const float w = ui_px(62);
  ImGui::SameLine();
  if (ImGui::GetContentRegionAvail().x <
      w + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize("UI").x)
    ImGui::NewLine();
  ImGui::SetNextItemWidth(w);
  if (ImGui::BeginCombo("UI", preview)) {
    for (double f : kScales) {
      char item[32];
      std::snprintf(item, sizeof item, f == 0 ? "auto" : "%.2gx", f);
      if (ImGui::Selectable(item, f == cur)) st.set_ui_scale(f);
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("the size of text and controls (--ui-scale); auto: the monitor's scale");
}

void display_section(ViewerState& st) {
  if (!folding_section("Display")) return;
  static const io::Colormap cmaps[] = {io::Colormap::kJet, io::Colormap::kViridis,
                                       io::Colormap::kTurbo, io::Colormap::kInferno,
                                       io::Colormap::kGray};
  const io::Colormap cur = st.settings().colormap();
  ImGui::SetNextItemWidth(ui_px(90));
  if (ImGui::BeginCombo("colour map", io::colormap_name(cur))) {
    for (io::Colormap c : cmaps)
      if (ImGui::Selectable(io::colormap_name(c), c == cur)) st.set_colormap(c);
    ImGui::EndCombo();
  }
  ui_scale_control(st);
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
  // The markers' size and opacity, on one line.
  float msize = static_cast<float>(st.settings().marker_size());
  ImGui::SetNextItemWidth(ui_px(70));
  if (ImGui::SliderFloat("size", &msize, static_cast<float>(Settings::kMarkerSizeMin),
                         static_cast<float>(Settings::kMarkerSizeMax), "%.2fx",
                         ImGuiSliderFlags_Logarithmic))
    st.set_marker_size(msize);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("marker size (--marker-size)");
  ImGui::SameLine();
  float malpha = static_cast<float>(st.settings().marker_alpha());
  ImGui::SetNextItemWidth(ui_px(70));
  if (ImGui::SliderFloat("opacity", &malpha, static_cast<float>(Settings::kMarkerAlphaMin), 1.0f,
                         "%.2f"))
    st.set_marker_alpha(malpha);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("marker opacity (--marker-alpha)");
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
      drawn_channels(st, k);
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
    // The reason in a tooltip (it is printed once on stderr too): one line here at every window
    // size, so the readouts stay in view.
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.7f, 0.3f, 1));
    ImGui::TextUnformatted("why this engine? (hover)");
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered()) {
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
    ImGui::Text("argmax       (%.0f, %.0f)  value %.4g", kp.argmax_x, kp.argmax_y, kp.argmax_value);
    ImGui::Text("soft-argmax  (%.3f, %.3f)", kp.soft_x, kp.soft_y);
    ImGui::Text("distance     %.3f px",
                std::hypot(kp.soft_x - kp.argmax_x, kp.soft_y - kp.argmax_y));
    ImGui::Text("peak p       %.4g", kp.peak_probability);
    const double err = st.ground_truth_error(c);
    if (err >= 0)
      ImGui::Text("error to GT  %.3f px", err);
    else
      ImGui::TextDisabled("error to GT  no ground truth");
  } else {
    // One row per channel, numbered as the keys and the CLI number them.
    const float rows_h = std::min(8.0f, static_cast<float>(kps.size()) + 1.5f) *
                         ImGui::GetTextLineHeightWithSpacing();
    if (ImGui::BeginTable(
            "channels", 5,
            ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit,
            ImVec2(0, rows_h))) {
      ImGui::TableSetupScrollFreeze(0, 1);
      ImGui::TableSetupColumn("ch");
      ImGui::TableSetupColumn("argmax");
      ImGui::TableSetupColumn("soft-argmax");
      ImGui::TableSetupColumn("peak p");
      ImGui::TableSetupColumn("err");
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
        ImGui::Text("%.0f,%.0f", kp.argmax_x, kp.argmax_y);
        ImGui::TableNextColumn();
        ImGui::Text("%.2f,%.2f", kp.soft_x, kp.soft_y);
        ImGui::TableNextColumn();
        ImGui::Text("%.3g", kp.peak_probability);
        ImGui::TableNextColumn();
        const double e = st.ground_truth_error(c);
        if (e >= 0)
          ImGui::Text("%.2f", e);
        else
          ImGui::TextDisabled("-");
      }
      ImGui::EndTable();
    }
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

namespace {
std::vector<NamedRect> g_noted;  // main thread only: note_control() of this frame
}  // namespace

void note_control(const char* name) {
  g_noted.push_back({name, ImGui::GetItemRectMin(), ImGui::GetItemRectMax()});
}

std::vector<NamedRect> take_noted_controls() {
  std::vector<NamedRect> out;
  out.swap(g_noted);
  return out;
}

float messages_height(const ViewerState& st, const std::string& note, float w) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float wrap = w - 2 * style.WindowPadding.x;
  float h = 0;
  if (!st.error().empty())
    h += ImGui::CalcTextSize(st.error().c_str(), nullptr, false, wrap).y + style.ItemSpacing.y +
         ImGui::GetFrameHeightWithSpacing();
  if (!note.empty())
    h += ImGui::CalcTextSize(note.c_str(), nullptr, false, wrap).y + style.ItemSpacing.y;
  return h > 0 ? h + 2 * style.WindowPadding.y + style.ItemSpacing.y : 0;
}

void panel_messages(ViewerState& st, const std::string& note, float w, float h) {
  // Under the controls and never scrolled away: a failed open or save is seen at once.
  ImGui::BeginChild("messages", ImVec2(w, h), true, ImGuiWindowFlags_NoScrollbar);
  if (!st.error().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.35f, 0.35f, 1));
    ImGui::TextWrapped("%s", st.error().c_str());
    ImGui::PopStyleColor();
    if (ImGui::SmallButton("dismiss")) st.dismiss_error();
  }
  if (!note.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.3f, 0.3f, 1));
    ImGui::TextWrapped("%s", note.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::EndChild();
}

void panel_controls(ViewerState& st) {
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
