// What the viewer shows and what the user asked for, without any window: the current frame
// and its source, the decoded keypoints, the error-vs-beta curve, the error history, the
// timings, the settings (changed only through validating requests), playback, the view's
// zoom and pan, and pending actions (captures, recording). Panels read it and request
// changes; the Viewer (viewer.hpp) feeds it frames and what FrameStep computed on them
// (app/viewer/frame_results.hpp): it calls no engine. No ImGui, GL or GLFW, so it is
// unit-tested without a window (tests/app/viewer_state_test.cpp).
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/viewer/keys.hpp"
#include "app/viewer/lab_state.hpp"
#include "app/viewer/overlay.hpp"
#include "app/viewer/settings.hpp"
#include "app/viewer/timeline.hpp"
#include "core/decode.hpp"
#include "core/engine/engine.hpp"
#include "core/io/source.hpp"

namespace peakscope::viewer {

// Where a message shown in red came from; a later success of the same kind clears it.
enum class ErrorKind { kSource, kDecode, kSave, kInput };
// One-shot actions a panel or key asks for and the Viewer carries out.
enum class Request {
  kScreenshot,
  kSheet,
  kBetaGrid,
  kRecordToggle,
  kOpen,
  kAutoTune,
  kCompareSheet,  // the compare view's sheet (app/viewer/compare.hpp)
  kCount
};
// kOpen: open settings().source() (the path field, the Open button). kAutoTune: search the
// beta over lab().tune_samples() and set it.

// The error-vs-beta curve of one frame: at each beta of a log grid, the soft-argmax error
// to ground truth (mean over the channels shown), or its distance to the argmax when the
// frame has no ground truth.
struct BetaCurve {
  std::vector<double> betas, values;
  bool ground_truth = false;
  long frame_index = -1;
  long source_generation = -1;
  int channel = -2;
  bool normalize = false;
};

class ViewerState {
 public:
  // The error history keeps this many frames.
  static constexpr std::size_t kHistoryMax = 600;
  // The curve's beta grid: kCurvePoints betas from 10^kCurveLog10Min to 10^kCurveLog10Max.
  static constexpr int kCurvePoints = 25;
  static constexpr double kCurveLog10Min = -2, kCurveLog10Max = 4;

  explicit ViewerState(Settings s = Settings{});

  const Settings& settings() const { return s_; }

  // ---- Requests that change settings. Each validates (core/decode.hpp for beta), applies,
  // and invalidates what depends on it. A rejected value keeps the old one, shows the reason
  // as an input error and returns false; an accepted one clears a previous input error.
  bool set_beta(double beta);
  bool set_beta_text(std::string_view text);  // parse_beta: the typed box
  void set_normalize(bool on);
  void set_colormap(io::Colormap c);
  void set_softmax_scale(SoftmaxScale s);
  // -1 (all channels) or 0 <= c < the frame's channel count (any c >= 0 before a frame).
  bool set_channel(int c);
  void set_all_channels_view(AllChannelsView v);
  void set_backend(Backend b);
  void set_marker_visible(MarkerKind m, bool on);
  bool set_fps(double fps);
  bool set_hold_s(double s);
  bool set_output_dir(std::string dir);
  // The overlay (app/viewer/overlay.hpp): what it draws and its opacity in [0, 1].
  void set_overlay_view(OverlayView v);
  bool set_overlay_alpha(double a);
  // The markers' size factor and opacity, the UI scale (0: auto), the error plots' log y.
  bool set_marker_size(double f);
  bool set_marker_alpha(double a);
  bool set_ui_scale(double f);
  void set_plot_log_y(bool on) { s_.set_plot_log_y(on); }
  // The source the user asked to open (the Viewer opens it and calls begin_source).
  bool set_source(std::string spec);

  // ---- Keys: runs the action key_table() binds to k (nothing for an unbound key).
  void press(Key k, bool shift = false);

  // ---- The source and its frames.
  // A new source is running: drops the old frame, keypoints, curve and history.
  void begin_source(long generation, std::string description, long frame_count);
  // Whether the UI should take the worker's next frame now: while playing, on a step, when
  // there is no frame yet, and always when a new source (worker_generation) has opened, so
  // opening a file while paused replaces the old frame at once. Consumes a pending step.
  bool want_frame(long worker_generation);
  // The next frame of the current source; the keypoints and the curve become stale.
  void set_frame(io::Frame f);
  // The source has no more frames after `frames_read` (error: why it stopped early).
  void end_source(long frames_read, const std::string& error = {});
  const io::Frame* frame() const { return frame_ ? &*frame_ : nullptr; }
  long source_generation() const { return generation_; }
  const std::string& source_description() const { return source_description_; }
  long frames_shown() const { return frames_shown_; }  // over all sources
  long frames_read() const { return frames_read_; }    // of the current source
  bool source_ended() const { return ended_; }
  // "" while running; "end of source (N frames)"; "stopped after 68 of 444 frames" when a
  // file ends before the frame count its header claims.
  std::string source_status() const;
  // A live source's own status line (io::Source::status(): "waiting for frames on ...", its
  // counts), shown as source_status() while the source runs.
  void set_live_status(std::string s) { live_status_ = std::move(s); }

  // ---- Decoding.
  // The channel shown alone, or -1 for all (clamped to the frame's channels).
  int shown_channel() const;
  int channels() const { return frame_ ? frame_->heatmap.channels() : 0; }
  // True when the frame or the decode options changed since the last set_decoded().
  bool needs_decode() const { return frame_ && !decoded_; }
  // The keypoints of every channel of the current frame (clears a decode error).
  void set_decoded(std::vector<Keypoint> kps, double decode_ms);
  void set_decode_failed(const std::string& why);
  const std::vector<Keypoint>& keypoints() const { return kps_; }
  // Error of channel c's soft-argmax to ground truth in px; -1 when the frame has none.
  double ground_truth_error(int c) const;
  // Mean error over the channels shown that have ground truth; -1 when none has.
  double shown_error() const;
  bool has_ground_truth() const;

  // ---- The error history (one entry per decoded frame with ground truth; reset by a new
  // source).
  const std::deque<float>& error_history() const { return history_; }

  // ---- The error-vs-beta curve.
  // The curve's kCurvePoints betas.
  static std::vector<double> curve_betas();
  // True when the curve does not belong to the current frame, channel and normalisation.
  bool curve_stale() const;
  // The curve from `grid`, the current frame decoded at every beta of curve_betas() with the
  // current normalisation over all channels (FrameStep::curves: on the GPU one submission).
  // Throws std::invalid_argument when the grid does not fit the frame (betas, channels).
  void compute_curve(const BetaGrid& grid);
  const BetaCurve& curve() const { return curve_; }

  // ---- Timings.
  // The clock (seconds) of the UI frame being built.
  void set_now(double s) { now_s_ = s; }
  double now() const { return now_s_; }
  void add_frame_time(double ms);
  const std::vector<double>& frame_times() const { return frame_times_; }
  double decode_ms() const { return decode_ms_; }
  // A comparison decode on the other engine, sampled (not every frame): its time, the
  // largest soft-argmax difference to the active engine, and when it ran (seconds).
  struct Comparison {
    bool ran = false;
    double ms = 0, diff_px = 0, at_s = 0;
    std::string engine;
  };
  void set_comparison(const Comparison& c) { comparison_ = c; }
  const Comparison& comparison() const { return comparison_; }

  // ---- The engine that actually runs (set by the Viewer) and why it differs from the one
  // asked for.
  void set_engine(Backend actual, std::string description, std::string reason);
  // The same engine changed what runs (auto measured both, or the GPU fell back): updates
  // the labels without redoing the decode. Returns true when anything changed.
  bool update_engine(Backend actual, const std::string& description, const std::string& reason);
  Backend engine_kind() const { return engine_kind_; }
  const std::string& engine_description() const { return engine_description_; }
  const std::string& engine_reason() const { return engine_reason_; }

  // ---- Messages.
  void report_error(ErrorKind kind, std::string message);
  void clear_error(ErrorKind kind);
  const std::string& error() const { return error_; }
  void dismiss_error() { error_.clear(); }
  void set_saved(std::string path);  // clears a save error
  const std::string& last_saved() const { return last_saved_; }

  // ---- Playback.
  bool paused() const { return paused_; }
  void set_paused(bool p) { paused_ = p; }
  void request_step() { step_ = true; }
  // True once after request_step().
  bool take_step();

  // ---- The timeline of a finite source: seeks, loop, the pinned frame, compare mode.
  Timeline& timeline() { return timeline_; }
  const Timeline& timeline() const { return timeline_; }

  // ---- View (zoom factor over the fit, pan in map pixels), help, frame view.
  float zoom() const { return zoom_; }
  float pan_x() const { return pan_x_; }
  float pan_y() const { return pan_y_; }
  void set_view(float zoom, float pan_x, float pan_y);
  void reset_view() { set_view(1, 0, 0); }
  bool show_help() const { return show_help_; }
  void set_show_help(bool on) { show_help_ = on; }
  bool show_frame() const { return show_frame_; }
  void set_show_frame(bool on) { show_frame_ = on; }
  // True when the left view shows the source image (the frame view or the overlay) and the
  // frame has one.
  bool left_view_on_image() const;
  // True when the overlay is on and the frame has an image to draw it on.
  bool overlay_shown() const;
  // The channels whose markers are drawn while all channels are shown (nullopt: every one;
  // sorted); a channel shown alone, and the one channel of a one-channel source, are always
  // drawn. Not saved (it belongs to a source's channels).
  void set_drawn_channels(std::optional<std::vector<int>> channels) {
    drawn_ = std::move(channels);
  }
  const std::optional<std::vector<int>>& drawn_channels() const { return drawn_; }
  bool channel_drawn(int c) const;
  // The grid shift (cells, |d| <= kGridShiftMax): moves the heatmap's cells and the markers on
  // the source image, to test whether a grid is aligned. Not saved.
  bool set_grid_shift(double dx, double dy);
  double grid_shift_x() const { return shift_x_; }
  double grid_shift_y() const { return shift_y_; }
  // Where the current frame's cells lie on its image: its image scale and offset, UDP when the
  // lab's coordinates are "image (UDP)", and the grid shift.
  GridMapping grid_mapping() const;

  // ---- One-shot requests.
  void request(Request r) { requests_[static_cast<int>(r)] = true; }
  // True once per request().
  bool take_request(Request r);
  bool recording() const { return recording_; }

  // ---- The decoding lab (app/viewer/lab_state.hpp): decoders, conventions, auto-tune,
  // gradient.
  LabState& lab() { return lab_; }
  const LabState& lab() const { return lab_; }
  // The frame the lab follows now: the current frame, the slider's beta and normalisation.
  LabFrame lab_frame() const;
  void set_recording(bool on) { recording_ = on; }

 private:
  void invalidate_decode() { decoded_ = false; }
  template <class F>
  bool guarded(F&& f);

  Settings s_;
  std::optional<io::Frame> frame_;
  long generation_ = -1, frame_count_ = -1, frames_shown_ = 0, frames_read_ = 0;
  bool ended_ = false;
  std::string live_status_;
  std::string source_description_;
  std::vector<Keypoint> kps_;
  bool decoded_ = false;
  double decode_ms_ = 0;
  std::deque<float> history_;
  BetaCurve curve_;
  std::vector<double> frame_times_;
  double now_s_ = 0;
  Comparison comparison_;
  LabState lab_;
  Timeline timeline_;
  Backend engine_kind_ = Backend::kCpu;
  std::string engine_description_, engine_reason_;
  std::string error_, last_saved_;
  ErrorKind error_kind_ = ErrorKind::kInput;
  bool paused_ = false, step_ = false, show_help_ = false, show_frame_ = false;
  float zoom_ = 1, pan_x_ = 0, pan_y_ = 0;
  double shift_x_ = 0, shift_y_ = 0;
  std::optional<std::vector<int>> drawn_;
  bool requests_[static_cast<int>(Request::kCount)] = {};
  bool recording_ = false;
};

}  // namespace peakscope::viewer
