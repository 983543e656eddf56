#include "app/viewer/viewer_state.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace peakscope::viewer {

ViewerState::ViewerState(Settings s) : s_(std::move(s)) {}

// Runs a settings change; a rejected value becomes the visible input error.
template <class F>
bool ViewerState::guarded(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    report_error(ErrorKind::kInput, e.what());
    return false;
  }
  clear_error(ErrorKind::kInput);
  return true;
}

bool ViewerState::set_beta(double beta) {
  const double old = s_.beta();
  const bool ok = guarded([&] { s_.set_beta(beta); });
  if (ok && old != beta) invalidate_decode();
  return ok;
}

bool ViewerState::set_beta_text(std::string_view text) {
  double b = 0;
  if (!guarded([&] { b = parse_beta(text); })) return false;
  return set_beta(b);
}

void ViewerState::set_normalize(bool on) {
  if (on == s_.normalize()) return;
  s_.set_normalize(on);
  invalidate_decode();
}

void ViewerState::set_colormap(io::Colormap c) {
  if (c == s_.colormap()) return;
  s_.set_colormap(c);
  invalidate_decode();  // the views are coloured with the decode
}

void ViewerState::set_softmax_scale(SoftmaxScale sc) {
  if (sc == s_.softmax_scale()) return;
  s_.set_softmax_scale(sc);
  invalidate_decode();
}

bool ViewerState::set_channel(int c) {
  const int old = s_.channel();
  const bool ok = guarded([&] {
    if (frame_ && c >= channels())
      throw std::invalid_argument("channel " + std::to_string(c) + " does not exist (the map has " +
                                  std::to_string(channels()) + ", numbered from 0)");
    s_.set_channel(c);
  });
  if (ok && old != c) invalidate_decode();
  return ok;
}

void ViewerState::set_all_channels_view(AllChannelsView v) {
  if (v == s_.all_channels_view()) return;
  s_.set_all_channels_view(v);
  invalidate_decode();
}

void ViewerState::set_backend(Backend b) {
  s_.set_backend(b);
}

void ViewerState::set_marker_visible(MarkerKind m, bool on) {
  s_.set_marker_visible(m, on);
}

bool ViewerState::set_fps(double fps) {
  return guarded([&] { s_.set_fps(fps); });
}

bool ViewerState::set_hold_s(double s) {
  return guarded([&] { s_.set_hold_s(s); });
}

bool ViewerState::set_output_dir(std::string dir) {
  return guarded([&] { s_.set_output_dir(std::move(dir)); });
}

void ViewerState::set_overlay_view(OverlayView v) {
  if (v == s_.overlay_view()) return;
  s_.set_overlay_view(v);
  invalidate_decode();  // the overlay is coloured with the views
}

bool ViewerState::set_overlay_alpha(double a) {
  return guarded([&] { s_.set_overlay_alpha(a); });
}

bool ViewerState::set_marker_size(double f) {
  return guarded([&] { s_.set_marker_size(f); });
}

bool ViewerState::set_marker_alpha(double a) {
  return guarded([&] { s_.set_marker_alpha(a); });
}

bool ViewerState::set_ui_scale(double f) {
  return guarded([&] { s_.set_ui_scale(f); });
}

bool ViewerState::left_view_on_image() const {
  return frame_ && !frame_->image.empty() &&
         (show_frame_ || s_.overlay_view() != OverlayView::kOff);
}

bool ViewerState::overlay_shown() const {
  return frame_ && !frame_->image.empty() && s_.overlay_view() != OverlayView::kOff;
}

bool ViewerState::channel_drawn(int c) const {
  const int sc = shown_channel();
  if (sc >= 0) return c == sc;
  return channels() <= 1 || !drawn_ || std::binary_search(drawn_->begin(), drawn_->end(), c);
}

bool ViewerState::set_grid_shift(double dx, double dy) {
  return guarded([&] {
    for (double d : {dx, dy})
      if (!(std::abs(d) <= kGridShiftMax))
        throw std::invalid_argument("grid shift must be within +-" +
                                    std::to_string(static_cast<int>(kGridShiftMax)) +
                                    " cells, got " + std::to_string(d));
    shift_x_ = dx;
    shift_y_ = dy;
  });
}

GridMapping ViewerState::grid_mapping() const {
  if (!frame_) return {};
  const CoordConvention& c = lab_.coords();
  return GridMapping::of(*frame_, c.system == CoordSystem::kImage && c.udp, shift_x_, shift_y_);
}

bool ViewerState::set_source(std::string spec) {
  return guarded([&] { s_.set_source(std::move(spec)); });
}

void ViewerState::press(Key k, bool shift) {
  const KeyBinding* b = find_binding(k);
  if (!b) return;
  const double nudge = shift ? 2.0 : 1.1;
  switch (b->action) {
    case Action::kBetaUp:
      set_beta(std::min(s_.beta() * nudge, kBetaMax));
      break;
    case Action::kBetaDown:
      set_beta(std::max(s_.beta() / nudge, kBetaMin));
      break;
    case Action::kPause:
      paused_ = !paused_;
      break;
    case Action::kStep:
      step_ = true;
      break;
    case Action::kStepBack:  // from the frame shown, or from a seek not yet served
      if (timeline_.awaiting() || (frame_ && timeline_.finite())) {
        paused_ = true;
        const long at = timeline_.awaiting() ? timeline_.target() : frame_->index;
        timeline_.request_seek(at - 1);
      }
      break;
    case Action::kLoop:
      timeline_.set_loop(!timeline_.loop());
      break;
    case Action::kPin:
      if (timeline_.pinned())
        timeline_.unpin();
      else if (frame_)
        timeline_.pin(*frame_);
      break;
    case Action::kCompareAB:
      timeline_.set_mode(timeline_.mode() == CompareMode::kAB
                             ? (timeline_.pinned() ? CompareMode::kPinned : CompareMode::kOff)
                             : CompareMode::kAB);
      break;
    case Action::kNormalize:
      set_normalize(!s_.normalize());
      break;
    case Action::kLogScale:
      set_softmax_scale(s_.softmax_scale() == SoftmaxScale::kLog ? SoftmaxScale::kLinear
                                                                 : SoftmaxScale::kLog);
      break;
    case Action::kBackend:  // the other engine than the one actually running
      set_backend(engine_kind_ == Backend::kGpu ? Backend::kCpu : Backend::kGpu);
      break;
    case Action::kResetView:
      reset_view();
      break;
    case Action::kAllChannels:
      set_channel(-1);
      break;
    case Action::kOverlay:  // off -> max -> all -> off
      set_overlay_view(s_.overlay_view() == OverlayView::kOff   ? OverlayView::kMax
                       : s_.overlay_view() == OverlayView::kMax ? OverlayView::kAll
                                                                : OverlayView::kOff);
      break;
    case Action::kChannel:
      set_channel(static_cast<int>(k) - static_cast<int>(Key::k0));
      break;
    case Action::kScreenshot:
      request(Request::kScreenshot);
      break;
    case Action::kSheet:
      request(Request::kSheet);
      break;
    case Action::kBetaGrid:
      request(Request::kBetaGrid);
      break;
    case Action::kRecord:
      request(Request::kRecordToggle);
      break;
    case Action::kHelp:
      show_help_ = !show_help_;
      break;
    case Action::kCount:
      break;
  }
}

void ViewerState::begin_source(long generation, std::string description, long frame_count) {
  generation_ = generation;
  source_description_ = std::move(description);
  frame_count_ = frame_count;
  timeline_.set_frame_count(frame_count);
  frame_.reset();
  kps_.clear();
  decoded_ = false;
  history_.clear();
  history_frame_ = -1;
  history_has_point_ = false;
  curve_ = BetaCurve{};
  frames_read_ = 0;
  ended_ = false;
  clear_error(ErrorKind::kSource);
}

bool ViewerState::want_frame(long worker_generation) {
  if (worker_generation != generation_ || !frame_) return true;
  if (!paused_ || timeline_.awaiting()) return true;
  return take_step();
}

void ViewerState::set_frame(io::Frame f) {
  frame_ = std::move(f);
  timeline_.frame_arrived(*frame_);
  ended_ = false;  // a frame after the end: a seek or the loop went back
  ++frames_shown_;
  ++frames_read_;
  kps_.clear();
  decoded_ = false;
  // A channel chosen for a map with more channels falls back to all, and says so.
  if (const int c = s_.channel(), k = channels(); c >= k) {
    s_.set_channel(-1);
    report_error(ErrorKind::kInput, "channel " + std::to_string(c) +
                                        " is out of range: the source has " + std::to_string(k) +
                                        " channel(s), 0 to " + std::to_string(k - 1) +
                                        "; showing all channels");
  }
  // Marker channels (--channels, the Display list) the source does not have are left out, and
  // said once; none left: every channel's markers.
  if (drawn_) {
    const int k = channels();
    std::string gone;
    std::vector<int> kept;
    for (int c : *drawn_) {
      if (c < k) {
        kept.push_back(c);
      } else {
        if (!gone.empty()) gone += ',';
        gone += std::to_string(c);
      }
    }
    if (!gone.empty()) {
      report_error(ErrorKind::kInput,
                   "marker channel(s) " + gone + " out of range: the source has " +
                       std::to_string(k) + " channel(s), 0 to " + std::to_string(k - 1) +
                       (kept.empty() ? "; drawing every channel's markers" : "; left out"));
      if (kept.empty()) {
        drawn_.reset();
      } else {
        drawn_ = std::move(kept);
      }
    }
  }
}

void ViewerState::end_source(long frames_read, const std::string& error) {
  ended_ = true;
  frames_read_ = frames_read;
  if (!error.empty()) report_error(ErrorKind::kSource, error);
}

std::string ViewerState::source_status() const {
  if (!ended_) return live_status_;
  if (frame_count_ > 0 && frames_read_ < frame_count_)
    return "stopped after " + std::to_string(frames_read_) + " of " + std::to_string(frame_count_) +
           " frames";
  return "end of source (" + std::to_string(frames_read_) + " frames)";
}

int ViewerState::shown_channel() const {
  if (s_.channel() < 0 || !frame_) return -1;
  return std::min(s_.channel(), channels() - 1);
}

void ViewerState::set_decoded(std::vector<Keypoint> kps, double decode_ms) {
  kps_ = std::move(kps);
  decode_ms_ = decode_ms;
  decoded_ = true;
  clear_error(ErrorKind::kDecode);
  // One point per source frame: a decode of the frame already in the history (a new beta, a
  // channel, normalise) re-evaluates its point in place.
  const bool same_frame = history_frame_ == frames_shown_;
  if (same_frame && history_has_point_) history_.pop_back();
  history_frame_ = frames_shown_;
  const double e = shown_error();
  history_has_point_ = e >= 0;
  if (e >= 0) {
    history_.push_back(static_cast<float>(e));
    if (history_.size() > kHistoryMax) history_.pop_front();
  }
}

void ViewerState::set_decode_failed(const std::string& why) {
  kps_.clear();
  decoded_ = true;  // not retried until the frame or the options change
  report_error(ErrorKind::kDecode, "decode failed: " + why);
}

double ViewerState::ground_truth_error(int c) const {
  if (!frame_ || c < 0 || c >= static_cast<int>(kps_.size())) return -1;
  return io::ground_truth_error(*frame_, c, kps_[c]);
}

bool ViewerState::has_ground_truth() const {
  if (!frame_) return false;
  for (const auto& g : frame_->ground_truth)
    if (!g.empty()) return true;
  return false;
}

double ViewerState::shown_error() const {
  const int sc = shown_channel();
  double sum = 0;
  int n = 0;
  for (int c = 0; c < static_cast<int>(kps_.size()); ++c) {
    if (sc >= 0 && c != sc) continue;
    const double e = ground_truth_error(c);
    if (e >= 0) {
      sum += e;
      ++n;
    }
  }
  return n ? sum / n : -1;
}

bool ViewerState::curve_stale() const {
  if (!frame_) return false;
  return curve_.source_generation != generation_ || curve_.frame_index != frame_->index ||
         curve_.channel != shown_channel() || curve_.normalize != s_.normalize();
}

std::vector<double> ViewerState::curve_betas() {
  std::vector<double> b;
  for (int i = 0; i < kCurvePoints; ++i)
    b.push_back(std::pow(
        10.0, kCurveLog10Min + (kCurveLog10Max - kCurveLog10Min) * i / (kCurvePoints - 1)));
  return b;
}

void ViewerState::compute_curve(const BetaGrid& grid) {
  if (!frame_) return;
  const int sc = shown_channel();
  const int channels = frame_->heatmap.channels();
  if (grid.betas != curve_betas() || grid.normalize != s_.normalize() ||
      grid.keypoints.size() != grid.betas.size())
    throw std::invalid_argument("compute_curve: the beta grid is not the curve's");
  BetaCurve c;
  c.frame_index = frame_->index;
  c.source_generation = generation_;
  c.channel = sc;
  c.normalize = s_.normalize();
  c.ground_truth = has_ground_truth();
  for (std::size_t j = 0; j < grid.betas.size(); ++j) {
    const std::vector<Keypoint>& kps = grid.keypoints[j];
    if (static_cast<int>(kps.size()) != channels)
      throw std::invalid_argument("compute_curve: the beta grid has " + std::to_string(kps.size()) +
                                  " channels, the frame " + std::to_string(channels));
    double sum = 0;
    int n = 0;
    for (int ch = 0; ch < channels; ++ch) {
      if (sc >= 0 && ch != sc) continue;
      const Keypoint& kp = kps[ch];
      if (!kp.valid) continue;
      double e = -1;
      if (c.ground_truth) {
        e = io::ground_truth_error(*frame_, ch, kp);
      } else {
        e = std::hypot(kp.soft_x - kp.argmax_x, kp.soft_y - kp.argmax_y);
      }
      if (e >= 0) {
        sum += e;
        ++n;
      }
    }
    c.betas.push_back(grid.betas[j]);
    c.values.push_back(n ? sum / n : std::nan(""));
  }
  curve_ = std::move(c);
}

LabFrame ViewerState::lab_frame() const {
  return {frame(), DecodeOptions{s_.beta(), s_.normalize()}, generation_, frames_shown_,
          shown_channel()};
}

void ViewerState::add_frame_time(double ms) {
  frame_times_.push_back(ms);
}

void ViewerState::set_engine(Backend actual, std::string description, std::string reason) {
  engine_kind_ = actual;
  engine_description_ = std::move(description);
  engine_reason_ = std::move(reason);
  comparison_ = Comparison{};
  invalidate_decode();
}

bool ViewerState::update_engine(Backend actual, const std::string& description,
                                const std::string& reason) {
  if (actual == engine_kind_ && description == engine_description_ && reason == engine_reason_)
    return false;
  if (actual != engine_kind_) comparison_ = Comparison{};
  engine_kind_ = actual;
  engine_description_ = description;
  engine_reason_ = reason;
  return true;
}

void ViewerState::report_error(ErrorKind kind, std::string message) {
  error_ = std::move(message);
  error_kind_ = kind;
}

void ViewerState::clear_error(ErrorKind kind) {
  if (!error_.empty() && error_kind_ == kind) error_.clear();
}

void ViewerState::set_saved(std::string path) {
  last_saved_ = std::move(path);
  clear_error(ErrorKind::kSave);
}

bool ViewerState::take_step() {
  const bool s = step_;
  step_ = false;
  return s;
}

void ViewerState::set_view(float zoom, float pan_x, float pan_y) {
  zoom_ = std::clamp(zoom, 0.25f, 64.0f);
  pan_x_ = pan_x;
  pan_y_ = pan_y;
}

bool ViewerState::take_request(Request r) {
  bool& b = requests_[static_cast<int>(r)];
  const bool was = b;
  b = false;
  return was;
}

}  // namespace peakscope::viewer
