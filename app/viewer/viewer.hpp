// The viewer: per frame it takes the newest frame from the source worker, decodes it on the
// GPU engine (CPU where the GPU cannot run), and draws the heatmap and softmax views with
// their markers, the controls, readouts and plots. GL and ImGui on the main thread only.
// Panels live in panel_*.cpp (one file per panel).
#pragma once

#include <imgui.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/viewer/map_texture.hpp"
#include "app/viewer/settings.hpp"
#include "app/viewer/source_worker.hpp"
#include "core/cpu_engine.hpp"
#include "core/gpu/decoder.hpp"
#include "core/io/colormap.hpp"
#include "core/io/source.hpp"

namespace peakscope::viewer {

// Where a map is drawn on screen: map pixel centre (x, y) lands at
// origin + (x + 0.5, y + 0.5) * zoom, in window pixels (top-left origin).
struct ViewPlacement {
  ImVec2 origin{0, 0};
  float zoom = 1;
  ImVec2 rect_min{0, 0}, rect_max{0, 0};  // the view's clip rectangle
  ImVec2 to_screen(double x, double y) const {
    return {origin.x + static_cast<float>((x + 0.5) * zoom),
            origin.y + static_cast<float>((y + 0.5) * zoom)};
  }
};

struct Marker {  // marker colours: the tests look for them
  static constexpr ImU32 kArgmax = IM_COL32(255, 255, 255, 255);
  static constexpr ImU32 kSoftArgmax = IM_COL32(255, 0, 255, 255);
  static constexpr ImU32 kGroundTruth = IM_COL32(0, 255, 0, 255);
};

class Viewer {
 public:
  Viewer(Settings settings, bool scripted, std::unique_ptr<io::Source> source);
  ~Viewer();

  // One UI frame: take a frame (waiting for it when scripted), decode, build the ImGui UI.
  // Returns false when a scripted run has no more frames.
  bool frame(int fb_width, int fb_height);
  // Called after ImGui rendered into the back buffer (screenshots read it).
  void after_render(int fb_width, int fb_height);

  void open(const std::string& spec);  // drop / source picker
  void set_show_frame(bool on) { show_frame_ = on; }
  void set_error(const std::string& e) { error_ = e; }
  // A key press or repeat (GLFW key code) from the window's key callback. Queued, so a tap
  // shorter than a frame is not lost (ImGui 1.86 only samples key state once per frame).
  void key_event(int key) { keys_.push_back(key); }
  const Settings& settings() const { return s_; }
  long frame_index() const { return frame_ ? frame_->index : -1; }
  long frames_shown() const { return shown_; }
  const std::vector<Keypoint>& keypoints() const { return kps_; }
  const ViewPlacement& heat_view() const { return heat_view_; }
  const ViewPlacement& soft_view() const { return soft_view_; }
  std::string backend_line() const;
  const std::string& fallback_reason() const { return decoder_->fallback_reason(); }
  bool on_gpu() const { return decoder_->on_gpu(); }
  const std::vector<double>& frame_times_ms() const { return frame_times_; }
  int map_width() const { return frame_ ? frame_->heatmap.width() : 0; }
  int map_height() const { return frame_ ? frame_->heatmap.height() : 0; }

  // Requests (done after the next render): a window screenshot, a comparison sheet, a
  // beta-grid sheet. An empty path means a name in output_dir carrying beta and frame.
  void request_screenshot(const std::string& path = {});
  void request_sheet(const std::string& path = {});
  void request_beta_grid(const std::string& path = {});
  const std::string& last_saved() const { return last_saved_; }
  const std::string& last_error() const { return error_; }

 private:
  void decode_current();
  void update_plots();
  void handle_keys();
  void panel_controls();
  void panel_views(float w, float h);
  void panel_plots(float w, float h);
  void panel_help();
  enum class ViewKind { kHeatmap, kSoftmax, kFrame };
  void draw_map(const char* id, ViewPlacement& place, ImVec2 size, ViewKind kind);
  // Markers at map coordinates scaled by (sx, sy) into the drawn image's pixels.
  void draw_markers(ImDrawList* dl, const ViewPlacement& place, double sx = 1, double sy = 1) const;
  std::string default_name(const char* kind) const;
  void save_sheet(const std::string& path);
  void save_beta_grid(const std::string& path);
  void set_backend(const std::string& name);
  int shown_channel() const;
  DecodeOptions options() const { return {s_.beta, s_.normalize}; }

  Settings s_;
  bool scripted_;
  SourceWorker worker_;
  std::unique_ptr<gpu::Decoder> decoder_;
  CpuEngine cpu_;  // the CPU timing readout, the plots and the sheets
  MapTexture heat_tex_, soft_tex_;
  FrameTexture frame_tex_;
  bool show_frame_ = false;  // left view: the source frame (when the source has one)
  std::optional<io::Frame> frame_;
  std::vector<Keypoint> kps_;
  std::vector<float> cpu_softmax_;
  float heat_lo_ = 0, heat_hi_ = 1;
  double decode_ms_active_ = 0, decode_ms_cpu_ = 0, gpu_cpu_diff_px_ = 0;
  bool paused_ = false, step_ = false, show_help_ = false, dirty_ = true;
  long shown_ = 0;
  ViewPlacement heat_view_, soft_view_;
  float user_zoom_ = 1;
  ImVec2 pan_{0, 0};  // in map pixels
  std::deque<float> err_history_;
  std::vector<float> beta_curve_, beta_curve_betas_;
  double curve_time_ = -1;
  DecodeOptions curve_opt_{-1, false};
  int curve_channel_ = -3;
  std::vector<double> frame_times_;
  double last_frame_t_ = -1;
  std::string pending_shot_, pending_sheet_, pending_grid_;
  bool want_shot_ = false, want_sheet_ = false, want_grid_ = false;
  std::string last_saved_, error_, source_input_;
  char source_buf_[512] = {};
  std::vector<int> keys_;
};

}  // namespace peakscope::viewer
