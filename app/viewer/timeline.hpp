// The timeline of a finite source as the user drives it, without any window: the frame asked
// for (seek, step back, jump), loop on or off, the pinned frame, and the compare mode (the
// pinned frame beside the current one, or A/B: two betas or decoders on the same frame).
// ViewerState holds one (app/viewer/viewer_state.hpp); the Viewer hands the seeks to the
// source worker (app/viewer/source_worker.hpp), which owns the frame cache. No ImGui or GL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/decode.hpp"
#include "core/io/source.hpp"
#include "core/lab/decoder.hpp"

namespace peakscope::viewer {

// What the views area shows: the usual heatmap and softmax views, the pinned frame beside
// the current one, or A beside B on the current frame.
enum class CompareMode { kOff, kPinned, kAB };

// One side of an A/B comparison: the frame decoded at `beta` (normalised as the slider says)
// and located by `decoder`.
struct ABSide {
  double beta = kDefaultBeta;
  DecoderKind decoder = DecoderKind::kSoftargmax;
};
// "BETA:DECODER" ("20:softargmax", "200:dark"; the decoder may be left out: soft-argmax).
// Throws std::invalid_argument naming the text and the reason.
ABSide parse_ab_side(std::string_view text);
// "A: beta 20 softargmax": the side's label on screen and on the sheet (`which` is 'A' or 'B').
std::string ab_label(char which, const ABSide& side);

class Timeline {
 public:
  // ---- The source (the Viewer sets it from the worker when a source begins): frames known
  // (-1: a live or endless source, which has no timeline).
  void set_frame_count(long n) { count_ = n; }
  long frame_count() const { return count_; }
  bool finite() const { return count_ >= 0; }

  // ---- Seeking. A seek to `index` (negative: 0; the worker clamps past the end); the frame
  // shown next is that one, playing or paused.
  void request_seek(long index);
  // The seek not yet handed to the worker, once (the Viewer calls it each UI frame).
  std::optional<long> take_seek();
  // True from a seek until its frame arrives: the state takes the next frame even when paused.
  bool awaiting() const { return awaiting_; }
  // The frame asked for last (-1: none); the frame step back goes before.
  long target() const { return target_; }
  // A frame arrived (ViewerState::set_frame): the seek is served; --pin N pins it.
  void frame_arrived(const io::Frame& f);

  bool loop() const { return loop_; }
  void set_loop(bool on) { loop_ = on; }

  // ---- Pin: a copy of a frame shown beside the current one (CompareMode::kPinned).
  void pin(const io::Frame& f);
  void unpin();
  const io::Frame* pinned() const { return pinned_ ? &*pinned_ : nullptr; }
  // Pins the frame with this index when it is shown (--pin N); -1: none.
  void pin_when_shown(long index) { pin_at_ = index; }

  // ---- Compare.
  CompareMode mode() const { return mode_; }
  // kPinned needs a pinned frame (otherwise the mode stays).
  void set_mode(CompareMode m);
  const ABSide& side(char which) const { return which == 'A' ? a_ : b_; }
  // Validates the beta (core/decode.hpp); throws std::invalid_argument naming it.
  void set_side(char which, const ABSide& s);

 private:
  long count_ = -1;
  std::optional<long> seek_;
  long target_ = -1;
  bool awaiting_ = false;
  bool loop_ = true;
  std::optional<io::Frame> pinned_;
  long pin_at_ = -1;
  CompareMode mode_ = CompareMode::kOff;
  ABSide a_{20, DecoderKind::kSoftargmax}, b_{200, DecoderKind::kSoftargmax};
};

}  // namespace peakscope::viewer
