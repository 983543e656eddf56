// The gradient view, docked beside the views: d(x_hat)/d(h_i), d(y_hat)/d(h_i) or their
// magnitude for the shown channel, on the log colour scale of app/viewer/gradient_image.hpp
// (a floor relative to the largest |value|, adjustable), with a colour bar of the real values
// and the value under the pointer.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "app/viewer/gradient_image.hpp"
#include "app/viewer/panel_lab.hpp"
#include "app/viewer/panels.hpp"

namespace peakscope::viewer {
namespace {

// The texture the panel draws, rebuilt when the state's gradient or its colouring changes.
struct GradientTexture {
  GLuint id = 0;
  long version = -1;
  int width = 0, height = 0;
  std::vector<double> values;  // the part shown, row-major (the hover reads it)
  GradientScale scale;
};

const char* part_name(LabState::GradientPart p) {
  return p == LabState::GradientPart::kX   ? "d x/d h"
         : p == LabState::GradientPart::kY ? "d y/d h"
                                           : "|d (x,y)/d h|";
}

void upload(GradientTexture& tex, const LabState& lab) {
  const GradientMap& g = lab.gradient();
  const bool signed_values = lab.gradient_part() != LabState::GradientPart::kMagnitude;
  tex.values = gradient_values(g, lab.gradient_part());
  tex.scale = gradient_scale(tex.values, signed_values, lab.gradient_floor());
  const std::vector<std::uint32_t> px = gradient_rgba(tex.values, tex.scale);
  if (tex.id == 0) glGenTextures(1, &tex.id);
  glBindTexture(GL_TEXTURE_2D, tex.id);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, g.width, g.height, 0, GL_RGBA, GL_UNSIGNED_BYTE,
               px.data());
  glBindTexture(GL_TEXTURE_2D, 0);
  tex.width = g.width;
  tex.height = g.height;
  tex.version = lab.gradient_version();
}

// The colour bar from p0 (top) to p1: the scale's positions 1 .. -1 (signed) or 1 .. 0, with
// the real values at the ends, halfway (in decades) and at the floor.
void gradient_bar(ImDrawList* dl, ImVec2 p0, ImVec2 p1, const GradientScale& s) {
  const float h = p1.y - p0.y;
  const double t_lo = s.signed_values ? -1.0 : 0.0;
  const int steps = 96;
  auto y_of = [&](double t) { return p0.y + static_cast<float>((1 - t) / (1 - t_lo)) * h; };
  for (int i = 0; i < steps; ++i) {
    const double t = 1 - (1 - t_lo) * (i + 0.5) / steps;
    dl->AddRectFilled(ImVec2(p0.x, p0.y + h * i / steps), ImVec2(p1.x, p0.y + h * (i + 1) / steps),
                      gradient_colour(t, s.signed_values));
  }
  dl->AddRect(p0, p1, IM_COL32(160, 160, 160, 255));
  const ImU32 text = IM_COL32(220, 220, 220, 255);
  const float th = ImGui::GetTextLineHeight();
  char buf[48];
  auto label = [&](double t, const char* fmt, double v) {
    const float y = y_of(t);
    dl->AddLine(ImVec2(p1.x, y), ImVec2(p1.x + 3, y), text);
    std::snprintf(buf, sizeof buf, fmt, v);
    dl->AddText(ImVec2(p1.x + 5, std::clamp(y - th * 0.5f, p0.y - th * 0.5f, p1.y - th * 0.5f)),
                text, buf);
  };
  auto note = [&](double t, float dy, const char* what) {  // grey text beside a label
    dl->AddText(ImVec2(p1.x + 5, y_of(t) + dy), IM_COL32(170, 170, 170, 255), what);
  };
  char floor_text[32];
  std::snprintf(floor_text, sizeof floor_text, "<%.1g", s.floor());
  if (s.max_abs <= 0) {
    label(s.signed_values ? 0 : 1, "%.0f", 0.0);
    note(s.signed_values ? 0 : 1, th * 0.5f, "all zero");
    return;
  }
  // The ends, halfway in decades, and zero with the floor under which values count as zero.
  const bool halves = h > 9 * th;  // room for the halfway labels
  if (s.signed_values) {
    label(1, "%+.2g", s.max_abs);
    if (halves) label(0.5, "%+.1g", s.value_at(0.5));
    label(0, "0", 0.0);
    note(0, th * 0.5f, floor_text);
    if (halves) label(-0.5, "%+.1g", s.value_at(-0.5));
    label(-1, "%+.2g", -s.max_abs);
  } else {
    label(1, "%.2g", s.max_abs);
    if (halves) label(0.5, "%.1g", s.value_at(0.5));
    label(0, "0", 0.0);
    note(0, -th * 1.5f, floor_text);
  }
}

}  // namespace

void panel_gradient(ViewerState& st, float w, float h, ViewLayout& layout) {
  LabState& lab = st.lab();
  if (!lab.gradient_on()) return;
  static GradientTexture tex;  // main thread only; lives as long as the GL context
  if (lab.gradient().width > 0 && tex.version != lab.gradient_version()) upload(tex, lab);
  // Docked where app/viewer/viewer.cpp puts it (its rectangle is noted there).
  ImGui::BeginChild("gradient_panel", ImVec2(w, h), true,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  ImGui::Text("gradient, ch %d", lab.gradient_channel());
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("d soft-argmax / d heatmap value at each pixel of the shown channel");
  ImGui::SameLine();
  if (ImGui::SmallButton("close##gradient")) lab.set_gradient_on(false);
  int part = static_cast<int>(lab.gradient_part());
  static const char* kParts[] = {"d x / d h", "d y / d h", "magnitude"};
  ImGui::SetNextItemWidth(std::min(110.0f, w * 0.4f));
  if (ImGui::Combo("##part", &part, kParts, 3))
    lab.set_gradient_part(static_cast<LabState::GradientPart>(part));
  ImGui::SameLine();
  // The floor in decades below the largest |value|.
  int decades = static_cast<int>(std::lround(-std::log10(lab.gradient_floor())));
  ImGui::SetNextItemWidth(std::max(60.0f, ImGui::GetContentRegionAvail().x));
  if (ImGui::SliderInt("##floor", &decades, 1, 15, "floor 1e-%d"))
    lab.set_gradient_floor(std::pow(10.0, -decades));
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("values below 1e-%d x the largest |value| are drawn as zero", decades);
  const float bar_w = 84;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const ImVec2 area(std::max(avail.x - bar_w, 16.0f), std::max(avail.y - line - 2, 16.0f));
  if (tex.id != 0 && tex.width > 0) {
    const float z = std::max(0.01f, std::min(area.x / static_cast<float>(tex.width),
                                             area.y / static_cast<float>(tex.height)));
    const ImVec2 o(p0.x + (area.x - tex.width * z) * 0.5f, p0.y);
    ImGui::SetCursorScreenPos(o);
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex.id)),
                 ImVec2(tex.width * z, tex.height * z));
    const bool hovered = ImGui::IsItemHovered();
    layout.gradient.origin = o;
    layout.gradient.zoom = z;
    // The bar as tall as the map, or taller (up to the panel) when the map is flat: room for
    // its five labels.
    const float bx = o.x + tex.width * z + 8;
    const float bar_h = std::min(area.y - 8, std::max(tex.height * z - 8, 8 * line));
    gradient_bar(ImGui::GetWindowDrawList(), ImVec2(bx, o.y + 4), ImVec2(bx + 12, o.y + 4 + bar_h),
                 tex.scale);
    // The value under the pointer, else the largest.
    ImGui::SetCursorScreenPos(ImVec2(p0.x, p0.y + area.y + 2));
    char buf[160];
    const ImVec2 m = ImGui::GetIO().MousePos;
    const int x = static_cast<int>(std::floor((m.x - o.x) / z)),
              y = static_cast<int>(std::floor((m.y - o.y) / z));
    if (hovered && x >= 0 && y >= 0 && x < tex.width && y < tex.height) {
      std::snprintf(buf, sizeof buf, "gradient (%d, %d)  %s %.4g", x, y,
                    part_name(lab.gradient_part()),
                    tex.values[static_cast<std::size_t>(y) * tex.width + x]);
      ImGui::TextUnformatted(buf);
      layout.hover = buf;
    } else {
      ImGui::TextDisabled("max |%s| %.3g", part_name(lab.gradient_part()), tex.scale.max_abs);
    }
  } else {
    ImGui::TextUnformatted("waiting for a frame...");
  }
  ImGui::EndChild();
}

}  // namespace peakscope::viewer
