// The left panel: source, beta and options, backend, readouts, capture buttons.
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cmath>

#include "app/viewer/viewer.hpp"

namespace peakscope::viewer {

namespace {
constexpr double kBetaMin = 1e-2, kBetaMax = 1e4;

void section(const char* title) {
  ImGui::Spacing();
  ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1.0f), "%s", title);
  ImGui::Separator();
}
}  // namespace

void Viewer::panel_controls() {
  section("Source");
  ImGui::TextWrapped("%s", worker_.description().c_str());
  if (worker_.finished()) ImGui::TextDisabled("end of source (Open reads it again)");
  ImGui::SetNextItemWidth(-60);
  const bool enter = ImGui::InputText("##src", source_buf_, sizeof source_buf_,
                                      ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if (ImGui::Button("Open") || enter) open(source_buf_);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "synthetic, an image, a folder or glob of images\n(or drop a file on the window)");

  section("Soft-argmax");
  float log_beta = static_cast<float>(std::log10(std::clamp(s_.beta, kBetaMin, kBetaMax)));
  ImGui::SetNextItemWidth(-1);
  char label[64];
  std::snprintf(label, sizeof label, "beta %.4g", s_.beta);
  if (ImGui::SliderFloat("##logbeta", &log_beta, -2.0f, 4.0f, label)) {
    s_.beta = std::pow(10.0, static_cast<double>(log_beta));
    dirty_ = true;
  }
  double typed = s_.beta;
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputDouble("##betaexact", &typed, 0, 0, "%.6g",
                         ImGuiInputTextFlags_EnterReturnsTrue)) {
    if (typed > 0 && std::isfinite(typed) && typed <= 1e30) {
      s_.beta = typed;
      dirty_ = true;
    } else {
      error_ = "beta must be finite and > 0 (typed " + std::to_string(typed) + ")";
    }
  }
  if (ImGui::Checkbox("normalise by max (x / max)", &s_.normalize)) dirty_ = true;

  section("Display");
  const char* cmaps[] = {"jet", "viridis", "turbo", "inferno", "gray"};
  int ci = static_cast<int>(std::find(std::begin(cmaps), std::end(cmaps), s_.colormap) -
                            std::begin(cmaps));
  if (ci >= 5) ci = 0;
  ImGui::SetNextItemWidth(140);
  if (ImGui::Combo("colour map", &ci, cmaps, 5)) {
    s_.colormap = cmaps[ci];
    dirty_ = true;
  }
  if (ImGui::Checkbox("softmax: log scale", &s_.log_softmax)) dirty_ = true;
  ImGui::Checkbox("ground truth", &s_.show_ground_truth);
  const int k = frame_ ? frame_->heatmap.channels() : 1;
  if (k > 1) {
    ImGui::SetNextItemWidth(140);
    if (ImGui::SliderInt("channel", &s_.channel, -1, k - 1, s_.channel < 0 ? "all" : "%d"))
      dirty_ = true;
  }

  section("Backend");
  const char* backends[] = {"auto", "gpu", "cpu"};
  int bi = s_.backend == "cpu" ? 2 : s_.backend == "gpu" ? 1 : 0;
  ImGui::SetNextItemWidth(140);
  if (ImGui::Combo("##backend", &bi, backends, 3)) set_backend(backends[bi]);
  ImGui::TextWrapped("%s", backend_line().c_str());
  if (!fallback_reason().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.7f, 0.3f, 1));
    ImGui::TextWrapped("%s", fallback_reason().c_str());
    ImGui::PopStyleColor();
  }

  section("Playback");
  if (ImGui::Button(paused_ ? "Play" : "Pause")) paused_ = !paused_;
  ImGui::SameLine();
  if (ImGui::Button("Step")) step_ = true;
  ImGui::SameLine();
  float fps = static_cast<float>(s_.fps);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::SliderFloat("##fps", &fps, 1, 120, "%.0f fps")) {
    s_.fps = fps;
    worker_.set_fps(fps);
  }

  section("Readouts");
  if (frame_ && !kps_.empty()) {
    const int c = shown_channel();
    const Keypoint& kp = kps_[c];
    ImGui::Text("frame %ld   map %d x %d x %d", frame_->index, frame_->heatmap.channels(),
                frame_->heatmap.height(), frame_->heatmap.width());
    ImGui::Text("argmax       (%.0f, %.0f)  value %.4g", kp.argmax_x, kp.argmax_y, kp.argmax_value);
    ImGui::Text("soft-argmax  (%.3f, %.3f)", kp.soft_x, kp.soft_y);
    ImGui::Text("distance     %.3f px",
                std::hypot(kp.soft_x - kp.argmax_x, kp.soft_y - kp.argmax_y));
    ImGui::Text("peak prob.   %.4g", kp.peak_probability);
    const double err = io::ground_truth_error(*frame_, c, kp);
    if (err >= 0)
      ImGui::Text("error to GT  %.3f px", err);
    else
      ImGui::TextDisabled("error to GT  (no ground truth)");
    if (on_gpu()) {
      ImGui::Text("decode       GPU %.3f ms | CPU %.3f ms", decode_ms_active_, decode_ms_cpu_);
      ImGui::Text("GPU vs CPU   %.2g px", gpu_cpu_diff_px_);
    } else {
      ImGui::Text("decode       CPU %.3f ms", decode_ms_cpu_);
    }
    const double ft = frame_times_.empty() ? 0 : frame_times_.back();
    ImGui::Text("frame time   %.2f ms", ft);
  } else {
    ImGui::TextDisabled("waiting for a frame...");
  }

  section("Capture");
  if (ImGui::Button("Window PNG (S)")) request_screenshot();
  ImGui::SameLine();
  if (ImGui::Button("Sheet (C)")) request_sheet();
  ImGui::SameLine();
  if (ImGui::Button("Beta grid (G)")) request_beta_grid();
  if (!last_saved_.empty()) ImGui::TextWrapped("saved %s", last_saved_.c_str());
  if (!error_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.35f, 0.35f, 1));
    ImGui::TextWrapped("%s", error_.c_str());
    ImGui::PopStyleColor();
    if (ImGui::SmallButton("dismiss")) error_.clear();
  }
  ImGui::Spacing();
  if (ImGui::Button("Help (F1)")) show_help_ = !show_help_;
}

void Viewer::handle_keys() {
  ImGuiIO& io = ImGui::GetIO();
  std::vector<int> keys;
  keys.swap(keys_);
  if (io.WantTextInput) return;
  const double nudge = io.KeyShift ? 2.0 : 1.1;
  auto pressed = [&](int key) { return std::find(keys.begin(), keys.end(), key) != keys.end(); };
  if (pressed(GLFW_KEY_RIGHT) || pressed(GLFW_KEY_UP)) {
    s_.beta = std::min(s_.beta * nudge, 1e30);
    dirty_ = true;
  }
  if (pressed(GLFW_KEY_LEFT) || pressed(GLFW_KEY_DOWN)) {
    s_.beta = std::max(s_.beta / nudge, 1e-30);
    dirty_ = true;
  }
  if (pressed(GLFW_KEY_SPACE)) paused_ = !paused_;
  if (pressed(GLFW_KEY_N) || pressed(GLFW_KEY_PERIOD)) step_ = true;
  if (pressed(GLFW_KEY_S)) request_screenshot();
  if (pressed(GLFW_KEY_C)) request_sheet();
  if (pressed(GLFW_KEY_G)) request_beta_grid();
  if (pressed(GLFW_KEY_L)) {
    s_.log_softmax = !s_.log_softmax;
    dirty_ = true;
  }
  if (pressed(GLFW_KEY_M)) {
    s_.normalize = !s_.normalize;
    dirty_ = true;
  }
  if (pressed(GLFW_KEY_B)) set_backend(on_gpu() ? "cpu" : "auto");
  if (pressed(GLFW_KEY_R)) {
    user_zoom_ = 1;
    pan_ = ImVec2(0, 0);
  }
  if (pressed(GLFW_KEY_F1) || pressed(GLFW_KEY_H)) show_help_ = !show_help_;
  if (pressed(GLFW_KEY_0)) {
    s_.channel = -1;
    dirty_ = true;
  }
  for (int d = 1; d <= 9; ++d)
    if (pressed(GLFW_KEY_0 + d) && frame_ && d - 1 < frame_->heatmap.channels()) {
      s_.channel = d - 1;
      dirty_ = true;
    }
}

void Viewer::panel_help() {
  ImGui::SetNextWindowSize(ImVec2(420, 0), ImGuiCond_Appearing);
  ImGui::Begin("Help", &show_help_, ImGuiWindowFlags_AlwaysAutoResize);
  ImGui::TextUnformatted(
      "Left / Right (Up / Down)   beta / 1.1, x 1.1 (Shift: x 2)\n"
      "Space                      pause / play\n"
      "N or .                     step one frame\n"
      "M                          normalise by max on / off\n"
      "L                          softmax log / linear\n"
      "B                          backend GPU <-> CPU\n"
      "0 / 1..9                   all channels / channel\n"
      "S                          save the window as PNG\n"
      "C                          save a comparison sheet\n"
      "G                          save a beta-grid sheet\n"
      "Mouse wheel                zoom at the cursor\n"
      "Drag                       pan;  R resets the view\n"
      "Drop a file                open it as the source\n"
      "F1 or H                    this help");
  ImGui::End();
}

}  // namespace peakscope::viewer
