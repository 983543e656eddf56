// The decoding lab's part of the viewer state, without any window: which decoders are shown,
// in which coordinate convention, their points on the current frame, their error-vs-beta
// curves (beta-dependent decoders) and levels (the others), the frames the beta auto-tune
// searches over and its answer, and the soft-argmax gradient map of the shown channel.
// ViewerState owns one (ViewerState::lab()). It computes nothing on an engine: each UI frame
// it says what it needs (work()), FrameStep (app/viewer/frame_step.hpp) computes that on the
// frame's decode, and update() takes the answer; the panels read it.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/engine/engine.hpp"
#include "core/io/source.hpp"
#include "core/lab/autotune.hpp"
#include "core/lab/coords.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/gradient.hpp"
#include "core/lab/peak_window.hpp"

namespace peakscope::viewer {

inline constexpr int kDecoderCount = static_cast<int>(std::size(kAllDecoders));
inline int decoder_index(DecoderKind k) {
  return static_cast<int>(k);
}

// One curve of the error-vs-beta plot: values at `betas` (beta-dependent decoders), or one
// level for all betas (`level`, the others). Mean over the channels shown of the error to
// ground truth, or of the distance to the argmax when the frame has none.
struct DecoderCurve {
  DecoderKind kind;
  std::vector<double> values;  // one per beta of the plot's grid; empty for a level
  double level = -1;           // -1: none
};

// The frame the lab follows this UI frame (ViewerState::lab_frame()).
struct LabFrame {
  const io::Frame* frame = nullptr;  // nullptr: no frame
  DecodeOptions opt;                 // the slider's beta and normalisation
  long generation = -1, frames_shown = 0;
  int shown_channel = -1;
};

// What the lab needs computed on the frame's decode this UI frame (LabState::work).
struct LabWork {
  std::string key;                 // the frame, options, channel and decoders it is for
  bool points = false;             // the decoders' points are due
  std::vector<DecoderKind> kinds;  // the enabled decoders, in kAllDecoders order
  DecoderParams params;            // the lab's, with window_beta = the slider's beta
  bool gradient = false;           // the gradient map of gradient_channel is due
  int gradient_channel = 0;
  std::string gradient_key;
};

// FrameStep's answer to a LabWork, on the decode whose keypoints the lab is given.
struct LabResults {
  std::string key;  // LabWork::key when the points were computed, else empty
  std::vector<std::vector<DecodedPoint>> points;  // points[c][i]: LabWork::kinds[i], channel c
  std::string error;                              // why the decoders could not run (then no points)
  std::string gradient_key;  // LabWork::gradient_key when the gradient was computed
  GradientMap gradient;
};

class LabState {
 public:
  LabState();

  // ---- What is shown. softargmax and argmax have their own markers (the Settings'), so the
  // list here starts empty.
  bool enabled(DecoderKind k) const { return enabled_[decoder_index(k)]; }
  void set_enabled(DecoderKind k, bool on);
  bool any_enabled() const;
  const CoordConvention& coords() const { return coords_; }
  // Throws nothing: returns false (keeping the old one) for an image convention without an
  // input size.
  bool set_coords(const CoordConvention& c);
  const DecoderParams& params() const { return params_; }

  // ---- Per frame. What is due on frame `f`: the points of the enabled decoders when the
  // frame, options, channel or decoders changed since the last update (computed by
  // decode_lab, core/lab/lab.hpp, on the frame's decode); the gradient when it is shown and
  // changed.
  LabWork work(const LabFrame& f) const;
  // Takes frame `f`, its keypoints `kps` (one per channel, else the points are cleared) and
  // the answer `r` to work(f): the points when due (an error in r clears them and is kept
  // for error()), the gradient. Remembers frames with ground truth for the auto-tune, once.
  void update(const LabFrame& f, const std::vector<Keypoint>& kps, const LabResults& r);
  // Whether curves_stale() will be true after update(f, kps, r) (FrameStep decides with it
  // whether the curves are due before the results are applied).
  bool curves_stale_after(const LabFrame& f, const std::vector<Keypoint>& kps,
                          const LabResults& r) const;
  // Why the last update has no points (the engine could not run the decoders), else empty.
  const std::string& error() const { return error_; }
  // points()[c][decoder_index(k)]: valid only for enabled decoders.
  const std::vector<std::array<DecodedPoint, kDecoderCount>>& points() const { return points_; }
  // Channel c's decoded point of k in the chosen convention (readout_point,
  // app/viewer/readouts.hpp: image coordinates through the frame's own region); nullopt for the
  // image convention on a frame without an image mapping.
  std::optional<CoordPoint> in_convention(int c, DecoderKind k) const;
  // Distance of channel c's point of k to the ground-truth point nearest the argmax, in
  // pixels; -1 when unknown.
  double error(int c, DecoderKind k) const;

  // ---- The error-vs-beta curves of the enabled decoders other than softargmax and argmax,
  // on the betas of `grid` (the soft-argmax curve's: one grid of update()'s frame per
  // refresh, with debiased when that decoder is enabled, feeds both curves): debiased from
  // the grid, window evaluated per beta on the CPU from `windows` (one window of
  // params().window_radius per channel, read once; needed only when window is enabled), the
  // others as levels at the current beta. A grid or windows of another frame give no curves.
  void compute_curves(const BetaGrid& grid, const std::vector<PeakWindow>& windows);
  const std::vector<DecoderCurve>& curves() const { return curves_; }
  // Marks the curves stale (the Viewer recomputes them with the soft-argmax curve).
  bool curves_stale() const { return curves_key_ != key_; }

  // ---- Auto-tune: the beta minimising the mean soft-argmax error to ground truth over the
  // last kTuneFrames frames that had ground truth (every channel with a truth point).
  static constexpr std::size_t kTuneFrames = 30;
  std::size_t tune_frames() const { return tune_.size(); }
  // Every channel with a truth point of the remembered frames, for auto_tune_beta
  // (core/lab/autotune.hpp); empty when no frame had ground truth. Valid until the next
  // update().
  std::vector<TuneSample> tune_samples() const;
  // The search's answer (FrameStep::auto_tune over tune_samples()).
  void set_tuned(BetaTune t) { tuned_ = std::move(t); }
  const BetaTune& tuned() const { return tuned_; }
  bool has_tuned() const { return tuned_.beta > 0; }

  // ---- --pose: which decoder's points the skeleton joins (softargmax by default). Choosing a
  // lab decoder enables it, so its points exist.
  DecoderKind skeleton_decoder() const { return skeleton_; }
  void set_skeleton_decoder(DecoderKind k);
  // Channel c's point of the skeleton's decoder in heatmap pixels; false when it has none
  // (an invalid channel, or no update yet).
  bool skeleton_point(int c, double& x, double& y) const;

  // ---- Gradient view of the shown channel (channel 0 when all are shown).
  enum class GradientPart { kX, kY, kMagnitude };
  bool gradient_on() const { return gradient_on_; }
  void set_gradient_on(bool on);
  GradientPart gradient_part() const { return gradient_part_; }
  void set_gradient_part(GradientPart p);
  // The floor of its colour scale relative to the largest |value| shown: smaller values are
  // drawn as zero (app/viewer/gradient_image.hpp). Rejects (false, the old one kept) a floor
  // outside [kGradientFloorMin, kGradientFloorMax].
  static constexpr double kGradientFloorDefault = 1e-6, kGradientFloorMin = 1e-15,
                          kGradientFloorMax = 0.1;
  double gradient_floor() const { return gradient_floor_; }
  bool set_gradient_floor(double rel);
  const GradientMap& gradient() const { return gradient_; }
  // Bumped whenever gradient() changes (the panel re-uploads its texture).
  long gradient_version() const { return gradient_version_; }
  int gradient_channel() const { return gradient_channel_; }

 private:
  std::string key_of(const LabFrame& f) const;
  bool usable(const LabFrame& f, const std::vector<Keypoint>& kps) const;
  bool accepts(const LabResults& r, const std::string& key, std::size_t channels) const;
  struct TuneFrame {
    Heatmap map;
    std::vector<std::array<double, 2>> truth;  // per channel; NaN when none
  };
  std::array<bool, kDecoderCount> enabled_{};
  DecoderKind skeleton_ = DecoderKind::kSoftargmax;
  CoordConvention coords_;
  DecoderParams params_;
  const io::Frame* frame_ = nullptr;
  std::vector<Keypoint> kps_;
  DecodeOptions opt_;
  int shown_ = -1;
  std::vector<std::array<DecodedPoint, kDecoderCount>> points_;
  std::string key_, curves_key_, gradient_key_;
  std::string error_;
  long last_frames_shown_ = -1, last_generation_ = -1;
  std::vector<DecoderCurve> curves_;
  std::deque<TuneFrame> tune_;
  BetaTune tuned_;
  bool gradient_on_ = false;
  GradientPart gradient_part_ = GradientPart::kX;
  double gradient_floor_ = kGradientFloorDefault;
  GradientMap gradient_;
  long gradient_version_ = 0;
  int gradient_channel_ = 0;
};

}  // namespace peakscope::viewer
