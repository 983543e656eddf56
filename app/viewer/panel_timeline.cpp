// The timeline strip under the views for a finite source of more than one frame (video, .npy,
// images, the synthetic scene with a frame count): step back, pause / play, step, loop, the seek
// bar with the frame index, count and time, jump to a frame, and the frame cache's use.
#include <algorithm>
#include <cstdio>

#include "app/viewer/panels.hpp"

namespace peakscope::viewer {

namespace {
// A strip for a source of two frames or more (a single image has nothing to seek).
bool has_strip(const Timeline& tl) {
  return tl.finite() && tl.frame_count() != 0 && tl.frame_count() != 1;
}
}  // namespace

float timeline_height(const ViewerState& st) {
  return has_strip(st.timeline()) ? ImGui::GetFrameHeightWithSpacing() + 4 : 0.0f;
}

void panel_timeline(ViewerState& st, const SourceInfo& info) {
  Timeline& tl = st.timeline();
  if (!has_strip(tl)) return;
  const long count = info.end_index >= 0 ? info.end_index : tl.frame_count();
  const io::Frame* f = st.frame();
  const long shown = tl.awaiting() ? tl.target() : (f ? f->index : 0);
  ImGui::PushID("timeline");
  if (ImGui::Button("<")) st.press(Key::kComma);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("one frame back (,)");
  ImGui::SameLine();
  if (ImGui::Button(st.paused() ? "play" : "pause")) st.set_paused(!st.paused());
  ImGui::SameLine();
  if (ImGui::Button(">")) {
    st.set_paused(true);
    tl.request_seek(shown + 1 < count ? shown + 1 : (tl.loop() ? 0 : shown));
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("one frame forward (. or N)");
  ImGui::SameLine();
  bool loop = tl.loop();
  if (ImGui::Checkbox("loop", &loop)) tl.set_loop(loop);
  ImGui::SameLine();
  // The seek bar: frame index / count and the frame's time (its timestamp, else the index
  // at the playback rate).
  const double t =
      f && f->timestamp_s > 0 ? f->timestamp_s : static_cast<double>(shown) / st.settings().fps();
  char fmt[96];
  std::snprintf(fmt, sizeof fmt, "frame %%d / %ld   %.2f s", std::max(0L, count - 1), t);
  const float right = 230;
  ImGui::SetNextItemWidth(std::max(80.0f, ImGui::GetContentRegionAvail().x - right));
  int idx = static_cast<int>(shown);
  if (ImGui::SliderInt("##seek", &idx, 0, static_cast<int>(std::max(0L, count - 1)), fmt,
                       ImGuiSliderFlags_AlwaysClamp) &&
      idx != shown)
    tl.request_seek(idx);
  ImGui::SameLine();
  static int jump = 0;
  ImGui::SetNextItemWidth(60);
  if (ImGui::InputInt("##jump", &jump, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue)) {
    if (jump < 0 || jump >= count)
      st.report_error(ErrorKind::kInput, "frame " + std::to_string(jump) +
                                             " does not exist (the source has " +
                                             std::to_string(count) + ", numbered from 0)");
    else
      tl.request_seek(jump);
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("jump to frame (Enter)");
  ImGui::SameLine();
  ImGui::TextDisabled("cache %zu fr, %.0f/%.0f MiB", info.cache_frames,
                      info.cache_bytes / 1048576.0, info.cache_budget / 1048576.0);
  ImGui::PopID();
}

}  // namespace peakscope::viewer
