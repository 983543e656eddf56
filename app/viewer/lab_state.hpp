// The decoding lab's part of the viewer state, without any window: which decoders are shown,
// in which coordinate convention, their points on the current frame, their error-vs-beta
// curves (beta-dependent decoders) and levels (the others), the beta auto-tune over the last
// frames, and the soft-argmax gradient map of the shown channel. ViewerState owns one
// (ViewerState::lab()); the Viewer calls update() after each decode, the panels read it.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/engine/engine.hpp"
#include "core/io/source.hpp"
#include "core/lab/autotune.hpp"
#include "core/lab/coords.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/gradient.hpp"

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

  // ---- Per frame. Recomputes the points of the enabled decoders for every channel when the
  // frame, keypoints or options changed, through decode_lab on `engine` (core/lab/lab.hpp:
  // one window read, debiased's one pass; on the GPU engine the frame stays on the device),
  // whose last decode must be `f` with `opt`, giving `kps`. Remembers frames with ground truth
  // for the auto-tune, and the gradient when it is shown. An engine error clears the points.
  void update(Engine& engine, const io::Frame* f, const std::vector<Keypoint>& kps,
              const DecodeOptions& opt, long generation, long frames_shown, int shown_channel);
  // Why the last update has no points (the engine could not run the decoders), else empty.
  const std::string& error() const { return error_; }
  // points()[c][decoder_index(k)]: valid only for enabled decoders.
  const std::vector<std::array<DecodedPoint, kDecoderCount>>& points() const { return points_; }
  // Channel c's decoded point of k in the chosen convention.
  CoordPoint in_convention(int c, DecoderKind k) const;
  // Distance of channel c's point of k to the ground-truth point nearest the argmax, in
  // pixels; -1 when unknown.
  double error(int c, DecoderKind k) const;

  // ---- The error-vs-beta curves of the enabled decoders other than softargmax and argmax,
  // on the betas of `grid` (the soft-argmax curve's: the Viewer asks the engine for one grid
  // per refresh, with debiased when that decoder is enabled, and feeds both curves): debiased
  // from the grid, window from ONE last_windows read of `engine` evaluated per beta on the
  // CPU, the others as levels at the current beta. `engine`'s last decode is update()'s frame.
  void compute_curves(Engine& engine, const BetaGrid& grid);
  // The same with a grid of `betas` asked for here.
  void compute_curves(Engine& engine, const std::vector<double>& betas, bool normalize);
  const std::vector<DecoderCurve>& curves() const { return curves_; }
  // Marks the curves stale (the Viewer recomputes them with the soft-argmax curve).
  bool curves_stale() const { return curves_key_ != key_; }

  // ---- Auto-tune: the beta minimising the mean soft-argmax error to ground truth over the
  // last kTuneFrames frames that had ground truth (every channel with a truth point).
  static constexpr std::size_t kTuneFrames = 30;
  std::size_t tune_frames() const { return tune_.size(); }
  // Runs the search (core/lab/autotune.hpp); false when no frame had ground truth (why()).
  bool auto_tune(bool normalize);
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
  const GradientMap& gradient() const { return gradient_; }
  // Bumped whenever gradient() changes (the panel re-uploads its texture).
  long gradient_version() const { return gradient_version_; }
  int gradient_channel() const { return gradient_channel_; }

 private:
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
  std::shared_ptr<CpuEngine> engine_;  // created by the first auto-tune (the state stays movable)
  bool gradient_on_ = false;
  GradientPart gradient_part_ = GradientPart::kX;
  GradientMap gradient_;
  long gradient_version_ = 0;
  int gradient_channel_ = 0;
};

}  // namespace peakscope::viewer
