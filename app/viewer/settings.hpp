// The viewer's settings: values held as enums and numbers, each changed through one
// validating setter (a rejected value throws std::invalid_argument naming the value and the
// reason, and the setting keeps its old value). Persisted as JSON between runs
// ($XDG_CONFIG_HOME/peakscope/viewer.json, else ~/.config/peakscope/viewer.json); scripted
// runs (--frames) neither load nor save them. No ImGui, GL or GLFW.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/decode.hpp"
#include "core/engine/engine.hpp"
#include "core/io/colormap.hpp"

namespace peakscope::viewer {

enum class SoftmaxScale { kLinear, kLog };
// How the views show a multi-channel map when no single channel is chosen.
enum class AllChannelsView { kMax, kGrid };
enum class MarkerKind { kArgmax, kSoftArgmax, kGroundTruth, kCount };
// What the overlay view draws over the source image (app/viewer/overlay.hpp): nothing, the
// heatmap view's map (one channel or the max over channels) under the colour map, or every
// joint in its own colour.
enum class OverlayView { kOff, kMax, kAll };

// "linear" / "log", "max" / "grid", "argmax" / "softargmax" / "ground_truth": the names
// the settings file uses. The parsers throw std::invalid_argument naming the text.
const char* softmax_scale_name(SoftmaxScale s);
SoftmaxScale parse_softmax_scale(std::string_view s);
const char* all_channels_view_name(AllChannelsView v);
AllChannelsView parse_all_channels_view(std::string_view s);
const char* marker_name(MarkerKind m);
MarkerKind parse_marker(std::string_view s);
const char* overlay_view_name(OverlayView v);  // "off" / "max" / "all"
OverlayView parse_overlay_view(std::string_view s);

// "0,5-8": channel numbers and inclusive ranges, comma-separated, sorted and without repeats in
// the result; throws std::invalid_argument naming the text and the reason.
std::vector<int> parse_channel_list(std::string_view text);
// The list back as text, ranges joined ("0,5-8"); "" for an empty list.
std::string channel_list_text(const std::vector<int>& channels);

class Settings {
 public:
  // Frames per second of live playback (also the rate image folders play at).
  static constexpr double kFpsMin = 1, kFpsMax = 240;
  // How long each frame is held at least, in seconds (0: the frame rate alone decides).
  static constexpr double kHoldMax = 3600;
  // The markers' size (a factor on their default radius) and opacity.
  static constexpr double kMarkerSizeMin = 0.25, kMarkerSizeMax = 4;
  static constexpr double kMarkerAlphaMin = 0.05;
  // The UI scale (fonts and spacing); 0 is "auto": the monitor's content scale.
  static constexpr double kUiScaleMin = 0.5, kUiScaleMax = 4;

  double beta() const { return beta_; }
  bool normalize() const { return normalize_; }
  io::Colormap colormap() const { return colormap_; }
  SoftmaxScale softmax_scale() const { return softmax_scale_; }
  int channel() const { return channel_; }  // -1: all channels
  AllChannelsView all_channels_view() const { return all_view_; }
  Backend backend() const { return backend_; }
  bool marker_visible(MarkerKind m) const { return markers_[static_cast<int>(m)]; }
  double fps() const { return fps_; }
  double hold_s() const { return hold_s_; }
  const std::string& output_dir() const { return output_dir_; }
  const std::string& source() const { return source_; }
  OverlayView overlay_view() const { return overlay_; }
  double overlay_alpha() const { return overlay_alpha_; }  // the overlay's opacity, 0..1
  double marker_size() const { return marker_size_; }
  double marker_alpha() const { return marker_alpha_; }
  double ui_scale() const { return ui_scale_; }    // 0: auto
  bool plot_log_y() const { return plot_log_y_; }  // the error plots' y axis in decades
  // The last source other than the synthetic scene ("" none): offered, never reopened.
  const std::string& last_source() const { return last_source_; }
  DecodeOptions decode_options() const { return {beta_, normalize_}; }

  void set_beta(double b);  // core/decode.hpp's validate_beta
  void set_normalize(bool on) { normalize_ = on; }
  void set_colormap(io::Colormap c) { colormap_ = c; }
  void set_softmax_scale(SoftmaxScale s) { softmax_scale_ = s; }
  void set_channel(int c);  // -1 or >= 0 (the frame's channel count is checked by ViewerState)
  void set_all_channels_view(AllChannelsView v) { all_view_ = v; }
  void set_backend(Backend b) { backend_ = b; }
  void set_marker_visible(MarkerKind m, bool on);
  void set_fps(double fps);              // [kFpsMin, kFpsMax]
  void set_hold_s(double s);             // [0, kHoldMax]
  void set_output_dir(std::string dir);  // not empty
  void set_source(std::string spec);     // not empty
  void set_overlay_view(OverlayView v) { overlay_ = v; }
  void set_overlay_alpha(double a);  // [0, 1]
  void set_marker_size(double f);    // [kMarkerSizeMin, kMarkerSizeMax]
  void set_marker_alpha(double a);   // [kMarkerAlphaMin, 1]
  void set_ui_scale(double f);       // 0 (auto) or [kUiScaleMin, kUiScaleMax]
  void set_plot_log_y(bool on) { plot_log_y_ = on; }
  void set_last_source(std::string spec) { last_source_ = std::move(spec); }

 private:
  double beta_ = kDefaultBeta;
  bool normalize_ = kDefaultNormalize;
  io::Colormap colormap_ = io::Colormap::kJet;
  SoftmaxScale softmax_scale_ = SoftmaxScale::kLog;
  int channel_ = -1;
  AllChannelsView all_view_ = AllChannelsView::kMax;
  Backend backend_ = Backend::kAuto;
  bool markers_[static_cast<int>(MarkerKind::kCount)] = {true, true, true};
  double fps_ = 30;
  double hold_s_ = 0;
  std::string output_dir_ = ".";
  std::string source_ = "synthetic";
  OverlayView overlay_ = OverlayView::kOff;
  double overlay_alpha_ = 0.5;
  double marker_size_ = 1, marker_alpha_ = 1, ui_scale_ = 0;
  bool plot_log_y_ = false;
  std::string last_source_;
};

// Path of the settings file (it may not exist).
std::string settings_path();
// Loads settings: a missing file gives the defaults. Each value goes through its setter; a
// value that is rejected (or a corrupt file) keeps the default, and *warning names the file,
// the key and the reason.
Settings load_settings(const std::string& path, std::string* warning);
// The source to offer on the next run: the current one unless it is the synthetic scene, else
// the one offered before.
std::string source_to_offer(const Settings& s);
// Saves (the source as "last_source", see source_to_offer); throws std::runtime_error naming the
// path when it cannot.
void save_settings(const std::string& path, const Settings& s);

}  // namespace peakscope::viewer
