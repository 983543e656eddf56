// The heatmap and softmax views: textures with markers on top (ImGui draw lists), zoom and
// pan shared by both, hover readout.
#include <algorithm>
#include <cmath>

#include "app/viewer/viewer.hpp"

namespace peakscope::viewer {

void Viewer::draw_markers(ImDrawList* dl, const ViewPlacement& place0, double sx, double sy) const {
  if (!frame_) return;
  // Map pixel centre x lands on image pixel (x + 0.5) * sx - 0.5 (pixel centres at integers).
  struct Scaled {
    const ViewPlacement& p;
    double sx, sy;
    ImVec2 to_screen(double x, double y) const {
      return p.to_screen((x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5);
    }
  } place{place0, sx, sy};
  const int k = static_cast<int>(kps_.size());
  for (int c = 0; c < k; ++c) {
    if (s_.channel >= 0 && c != s_.channel) continue;
    const Keypoint& kp = kps_[c];
    if (!kp.valid) continue;
    if (s_.show_ground_truth && c < static_cast<int>(frame_->ground_truth.size()))
      for (const io::Point2& g : frame_->ground_truth[c]) {
        const ImVec2 p = place.to_screen(g.x, g.y);
        dl->AddLine(ImVec2(p.x - 7, p.y), ImVec2(p.x + 8, p.y), Marker::kGroundTruth, 2);
        dl->AddLine(ImVec2(p.x, p.y - 7), ImVec2(p.x, p.y + 8), Marker::kGroundTruth, 2);
      }
    const ImVec2 a = place.to_screen(kp.argmax_x, kp.argmax_y);
    dl->AddCircleFilled(a, 6, IM_COL32(0, 0, 0, 255));
    dl->AddCircleFilled(a, 5, Marker::kArgmax);
    const ImVec2 s = place.to_screen(kp.soft_x, kp.soft_y);
    // Soft-argmax: a magenta diamond with a black rim, distinct from the white dot.
    dl->AddQuadFilled(ImVec2(s.x, s.y - 8), ImVec2(s.x + 8, s.y), ImVec2(s.x, s.y + 8),
                      ImVec2(s.x - 8, s.y), IM_COL32(0, 0, 0, 255));
    dl->AddQuadFilled(ImVec2(s.x, s.y - 6), ImVec2(s.x + 6, s.y), ImVec2(s.x, s.y + 6),
                      ImVec2(s.x - 6, s.y), Marker::kSoftArgmax);
  }
}

void Viewer::draw_map(const char* id, ViewPlacement& place, ImVec2 size, ViewKind kind) {
  const bool softmax = kind == ViewKind::kSoftmax, frame = kind == ViewKind::kFrame;
  ImGui::BeginChild(id, size, true,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  ImGui::TextUnformatted(softmax ? (s_.log_softmax ? "softmax p (log)" : "softmax p (linear)")
                         : frame ? "source frame"
                                 : "heatmap");
  if (frame_ && !frame_->image.empty() && !softmax) {
    ImGui::SameLine();
    ImGui::Checkbox("show source frame", &show_frame_);
  }
  const int tw = frame ? frame_tex_.width() : softmax ? soft_tex_.width() : heat_tex_.width();
  const int th = frame ? frame_tex_.height() : softmax ? soft_tex_.height() : heat_tex_.height();
  const GLuint tex_id = frame ? frame_tex_.id() : softmax ? soft_tex_.color() : heat_tex_.color();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const ImVec2 area(std::max(avail.x, 16.0f), std::max(avail.y - 20, 16.0f));
  ImGui::InvisibleButton("canvas", area);
  const bool hovered = ImGui::IsItemHovered();
  ImGuiIO& io = ImGui::GetIO();
  const int w = std::max(1, tw), h = std::max(1, th);
  const float fit = std::min(area.x / w, area.y / h);
  if (hovered && io.MouseWheel != 0) {  // zoom about the cursor
    const float old_zoom = fit * user_zoom_;
    const ImVec2 m((io.MousePos.x - place.origin.x) / old_zoom,
                   (io.MousePos.y - place.origin.y) / old_zoom);
    user_zoom_ = std::clamp(user_zoom_ * std::pow(1.2f, io.MouseWheel), 0.25f, 64.0f);
    const float z = fit * user_zoom_;
    // Keep map point m under the cursor: origin' = mouse - m * z.
    const ImVec2 centred(p0.x + (area.x - w * z) * 0.5f, p0.y + (area.y - h * z) * 0.5f);
    pan_ = ImVec2((io.MousePos.x - m.x * z - centred.x) / z,
                  (io.MousePos.y - m.y * z - centred.y) / z);
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0)) {
    const float z = fit * user_zoom_;
    pan_.x += io.MouseDelta.x / z;
    pan_.y += io.MouseDelta.y / z;
  }
  const float z = fit * user_zoom_;
  place.zoom = z;
  place.origin = ImVec2(p0.x + (area.x - w * z) * 0.5f + pan_.x * z,
                        p0.y + (area.y - h * z) * 0.5f + pan_.y * z);
  place.rect_min = p0;
  place.rect_max = ImVec2(p0.x + area.x, p0.y + area.y);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(place.rect_min, place.rect_max, true);
  if (tex_id)
    dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex_id)), place.origin,
                 ImVec2(place.origin.x + w * z, place.origin.y + h * z));
  if (frame)
    draw_markers(dl, place, frame_->image_scale_x, frame_->image_scale_y);
  else
    draw_markers(dl, place);
  dl->PopClipRect();
  // Legend and hover readout under the map.
  ImGui::SetCursorScreenPos(ImVec2(p0.x, p0.y + area.y + 2));
  if (hovered && frame_) {
    const double fx = frame ? frame_->image_scale_x : 1, fy = frame ? frame_->image_scale_y : 1;
    const int x = static_cast<int>(std::floor((io.MousePos.x - place.origin.x) / z / fx));
    const int y = static_cast<int>(std::floor((io.MousePos.y - place.origin.y) / z / fy));
    const HeatmapView v = frame_->heatmap.view();
    if (x >= 0 && y >= 0 && x < v.width && y < v.height && !kps_.empty()) {
      const int c = shown_channel();
      const Keypoint& kp = kps_[c];
      const double val = v.at(c, y, x);
      double beta = s_.beta;
      if (s_.normalize && kp.argmax_value > 0 && std::isfinite(kp.argmax_value))
        beta /= kp.argmax_value;
      const double p =
          std::isnan(val) ? 0 : std::exp(beta * (val - kp.argmax_value)) * kp.peak_probability;
      ImGui::Text("(%d, %d)  value %.4g  p %.3g", x, y, val, p);
    } else {
      ImGui::TextDisabled("outside the map");
    }
  } else {
    ImDrawList* wl = ImGui::GetWindowDrawList();
    const ImVec2 c = ImGui::GetCursorScreenPos();
    wl->AddCircleFilled(ImVec2(c.x + 6, c.y + 8), 5, Marker::kArgmax);
    ImGui::SetCursorScreenPos(ImVec2(c.x + 16, c.y));
    ImGui::TextUnformatted("argmax");
    ImGui::SameLine();
    const ImVec2 d = ImGui::GetCursorScreenPos();
    wl->AddQuadFilled(ImVec2(d.x + 6, d.y + 2), ImVec2(d.x + 12, d.y + 8),
                      ImVec2(d.x + 6, d.y + 14), ImVec2(d.x, d.y + 8), Marker::kSoftArgmax);
    ImGui::SetCursorScreenPos(ImVec2(d.x + 16, d.y));
    ImGui::TextUnformatted("soft-argmax");
    ImGui::SameLine();
    const ImVec2 g = ImGui::GetCursorScreenPos();
    wl->AddLine(ImVec2(g.x, g.y + 8), ImVec2(g.x + 12, g.y + 8), Marker::kGroundTruth, 2);
    wl->AddLine(ImVec2(g.x + 6, g.y + 2), ImVec2(g.x + 6, g.y + 14), Marker::kGroundTruth, 2);
    ImGui::SetCursorScreenPos(ImVec2(g.x + 16, g.y));
    ImGui::TextUnformatted("ground truth");
  }
  ImGui::EndChild();
}

void Viewer::panel_views(float w, float h) {
  const float each = (w - 8) * 0.5f;
  const bool frame = show_frame_ && frame_ && !frame_->image.empty();
  draw_map("heatmap_view", heat_view_, ImVec2(each, h),
           frame ? ViewKind::kFrame : ViewKind::kHeatmap);
  ImGui::SameLine();
  draw_map("softmax_view", soft_view_, ImVec2(each, h), ViewKind::kSoftmax);
}

}  // namespace peakscope::viewer
