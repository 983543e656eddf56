// The compare view's two panes and the A/B sheet, without any window: each pane is one frame
// decoded at one beta and located by one decoder on the CPU engine (its own, so the viewer's
// engine and its held decode are untouched): the softmax picture of the channel shown, every
// shown channel's argmax, decoded point and ground truth, and the error to the ground truth.
// The pin compares the pinned frame with the current one at the slider's beta; A/B compares
// two sides (app/viewer/timeline.hpp) on the current frame. panel_compare.cpp draws the panes;
// compose_compare_sheet() lays them out as a PNG (written through core/io/output_file.hpp).
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "app/viewer/timeline.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/io/colormap.hpp"
#include "core/io/source.hpp"
#include "core/lab/decoder.hpp"

namespace peakscope::viewer {

class ViewerState;

// One channel's points in a pane, in heatmap pixels (pixel centres at integers).
struct PanePoint {
  int channel = 0;
  double argmax_x = 0, argmax_y = 0;
  DecodedPoint point;             // the pane's decoder
  std::vector<io::Point2> truth;  // the frame's ground truth for the channel (may be empty)
  double error = -1;              // point to the ground truth nearest the argmax; -1 unknown
};

struct ComparePane {
  std::string label;  // "A: beta 20 softargmax", "pinned: frame 7", "now: frame 9"
  long frame_index = -1;
  int channel = -1;  // the channel shown, -1 for all
  double beta = 0;
  DecoderKind decoder = DecoderKind::kSoftargmax;
  // W x H BGR: the softmax p of the channel shown, or with all channels each pixel's largest
  // p relative to its channel's peak. Coloured from p_lo (entry 0) to p_hi, log or linear.
  cv::Mat image;
  double p_lo = 0, p_hi = 0;
  bool log = false, relative = false;
  io::Colormap cmap = io::Colormap::kJet;
  std::vector<PanePoint> points;  // the channels shown
  double mean_error = -1;         // over the shown channels with ground truth; -1 when none
  int errors = 0;                 // how many
  // One line under the pane: the channel's point and error, or the mean error.
  std::string readout() const;
};

// What one pane shows.
struct PaneRequest {
  const io::Frame* frame = nullptr;
  int channel = -1;
  DecodeOptions options;  // beta and normalisation
  DecoderKind decoder = DecoderKind::kSoftargmax;
  DecoderParams params;
  bool log = false;  // the softmax view's scale (Settings::softmax_scale)
  io::Colormap cmap = io::Colormap::kJet;
  std::string label;
};

// Decodes r.frame on `cpu` as r says. Throws std::invalid_argument for a bad request (no
// frame, a channel out of range, bad decoder parameters).
ComparePane make_pane(CpuEngine& cpu, const PaneRequest& r);

// The log view keeps this many decades below the peak (as the viewer's softmax view).
inline constexpr double kCompareLogDecades = 12;

// The two panes side by side, each scaled up (nearest neighbour) to at least `min_panel`
// pixels on its long side, titled with its label, with markers (argmax ring, decoder diamond,
// ground-truth cross), a colour bar of its real p range, its readout, and a legend and
// `footer` line under both. BGR.
cv::Mat compose_compare_sheet(const ComparePane& a, const ComparePane& b, const std::string& footer,
                              int min_panel = 320);

// The panes of the state's compare mode (kPinned, kAB), recomputed only when what they show
// changed (frames, channel, beta, normalisation, sides, scale, colour map).
class Comparer {
 public:
  // Returns true when the panes are new. A failure empties them and sets error().
  bool update(const ViewerState& st);
  const ComparePane& left() const { return left_; }
  const ComparePane& right() const { return right_; }
  bool ready() const { return !left_.image.empty() && !right_.image.empty(); }
  const std::string& error() const { return error_; }
  // The footer of the A/B sheet: the frame, channel and normalisation.
  std::string footer(const ViewerState& st) const;

 private:
  CpuEngine cpu_;
  std::string key_;
  ComparePane left_, right_;
  std::string error_;
};

}  // namespace peakscope::viewer
