// The gradient view: d(x_hat)/d(h_i), d(y_hat)/d(h_i) or their magnitude for the shown channel,
// in a diverging colour map (blue negative, white zero, red positive; magnitude black to
// yellow), each scaled to its own largest absolute value.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "app/viewer/panel_lab.hpp"

namespace peakscope::viewer {
namespace {

// The texture the window draws, rebuilt when the state's gradient changes.
struct GradientTexture {
  GLuint id = 0;
  long version = -1;
  int width = 0, height = 0;
  double scale = 0;  // the value at full colour
};

std::uint32_t rgba(int r, int g, int b) {
  return static_cast<std::uint32_t>(r) | static_cast<std::uint32_t>(g) << 8 |
         static_cast<std::uint32_t>(b) << 16 | 0xff000000u;
}

// t in [-1, 1]: blue .. white .. red.
std::uint32_t diverging(double t) {
  t = std::clamp(t, -1.0, 1.0);
  const int f = static_cast<int>(std::lround(255 * (1 - std::abs(t))));
  return t >= 0 ? rgba(255, f, f) : rgba(f, f, 255);
}

// t in [0, 1]: black .. red .. yellow.
std::uint32_t sequential(double t) {
  t = std::clamp(t, 0.0, 1.0);
  return rgba(static_cast<int>(std::lround(255 * std::min(1.0, 2 * t))),
              static_cast<int>(std::lround(255 * std::max(0.0, 2 * t - 1))), 0);
}

void upload(GradientTexture& tex, const LabState& lab) {
  const GradientMap& g = lab.gradient();
  const auto part = lab.gradient_part();
  std::vector<double> v(g.dx.size()), mag;
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = part == LabState::GradientPart::kX   ? g.dx[i]
           : part == LabState::GradientPart::kY ? g.dy[i]
                                                : std::hypot(g.dx[i], g.dy[i]);
    if (v[i] != 0) mag.push_back(std::abs(v[i]));
  }
  // Full colour at the 99th percentile of the non-zero |values|: with normalise the argmax
  // pixel's own term (through beta / max) dwarfs the rest and would leave the map white.
  double m = 0;
  if (!mag.empty()) {
    const std::size_t k = mag.size() * 99 / 100;
    std::nth_element(mag.begin(), mag.begin() + static_cast<std::ptrdiff_t>(k), mag.end());
    m = mag[k];
  }
  std::vector<std::uint32_t> px(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    px[i] = part == LabState::GradientPart::kMagnitude ? sequential(m > 0 ? v[i] / m : 0)
                                                       : diverging(m > 0 ? v[i] / m : 0);
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
  tex.scale = m;
  tex.version = lab.gradient_version();
}

}  // namespace

void panel_gradient(ViewerState& st, float w, float h) {
  LabState& lab = st.lab();
  if (!lab.gradient_on()) return;
  static GradientTexture tex;  // main thread only; lives as long as the GL context
  if (lab.gradient().width > 0 && tex.version != lab.gradient_version()) upload(tex, lab);
  // Docked beside the views (app/viewer/viewer.cpp gives it the third column of their row).
  ImGui::BeginChild("gradient_panel", ImVec2(w, h), true, ImGuiWindowFlags_NoScrollbar);
  ImGui::TextUnformatted("soft-argmax gradient");
  ImGui::SameLine();
  const bool open = !ImGui::SmallButton("close##gradient");
  int part = static_cast<int>(lab.gradient_part());
  static const char* kParts[] = {"d x / d h", "d y / d h", "magnitude"};
  ImGui::SetNextItemWidth(120);
  if (ImGui::Combo("##part", &part, kParts, 3))
    lab.set_gradient_part(static_cast<LabState::GradientPart>(part));
  ImGui::SameLine();
  ImGui::Text("channel %d, full colour at %.3g", lab.gradient_channel(), tex.scale);
  if (tex.id != 0 && tex.width > 0) {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float z = std::max(0.01f, std::min(avail.x / static_cast<float>(tex.width),
                                             (avail.y - 4) / static_cast<float>(tex.height)));
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex.id)),
                 ImVec2(tex.width * z, tex.height * z));
  } else {
    ImGui::TextUnformatted("waiting for a frame...");
  }
  ImGui::EndChild();
  if (!open) lab.set_gradient_on(false);
}

}  // namespace peakscope::viewer
