// The viewer's evaluation against ground truth (the evaluation panel, app/viewer/
// panel_evaluate.cpp), without any window: per source frame with ground truth, each decoder's
// error per keypoint in image pixels (io::heatmap_to_image of the decoded and the true point,
// the truth being the point nearest the channel's argmax, as peakscope-cli evaluate measures
// it), and the running mean, median and PCK@t over the last kFrames such frames.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "app/viewer/lab_state.hpp"
#include "core/lab/evaluation.hpp"

namespace peakscope::viewer {

class EvalTracker {
 public:
  static constexpr std::size_t kFrames = 1000;

  // Records frame f (source generation `generation`) decoded to `kps` at (beta, normalize),
  // with the lab's points for its enabled decoders (lab.points() of this frame). A frame with
  // no ground truth records nothing; the same frame again (paused, a lab decoder switched on)
  // replaces its record, so each source frame counts once. A new source or another beta or
  // normalisation starts the figures afresh.
  void record(long generation, const io::Frame& f, const std::vector<Keypoint>& kps,
              const LabState& lab, double beta, bool normalize);
  void clear();

  long frames() const { return static_cast<long>(rows_.size()); }
  int keypoints() const { return keypoints_; }
  // The PCK threshold in image pixels (> 0).
  double threshold() const { return threshold_; }
  void set_threshold(double px);
  // Figures of decoder k (kAllDecoders order) for keypoint c, or all keypoints with c = -1;
  // pck[0] at threshold(). labelled == 0 when k has no sample.
  EvalStats stats(DecoderKind k, int c) const;

 private:
  struct Sample {
    int decoder, keypoint;
    double error;
  };
  struct Row {
    long index;
    std::vector<Sample> samples;
  };
  void rebuild() const;

  std::deque<Row> rows_;
  long generation_ = -1;
  double beta_ = 0;
  bool normalize_ = false;
  int keypoints_ = 0;
  double threshold_ = 5;
  mutable bool dirty_ = true;
  mutable KeypointEvaluation ev_;
};

}  // namespace peakscope::viewer
