// Accuracy against ground truth, accumulated over frames: per method (a decoder at a beta) and
// keypoint, the errors, their mean and median, and PCK@t, the share of labelled keypoints whose
// error is at most t times their normaliser (a box size, the image size, a head segment, or 1
// for thresholds in pixels). The viewer's evaluation panel and `peakscope-cli evaluate` both
// use it, so their numbers agree.
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace peakscope {

struct EvalStats {
  long labelled = 0;  // samples: labelled keypoints the method was asked about
  long invalid = 0;   // of which the decoder gave no finite point (a PCK miss; not in the mean)
  double mean = NAN, median = NAN;  // of the finite errors; NaN when there is none
  std::vector<double> pck;          // per threshold: hits / labelled (NaN when labelled == 0)
};

class KeypointEvaluation {
 public:
  KeypointEvaluation() = default;
  KeypointEvaluation(int methods, int keypoints);

  // One labelled keypoint: its error (non-finite: the decoder gave no point) and the PCK
  // normaliser (> 0; a sample with norm <= 0 counts in the errors but not in PCK).
  void add(int method, int keypoint, double error, double norm);
  // Keypoint k's figures, or with keypoint = -1 every keypoint's together.
  EvalStats stats(int method, int keypoint, const std::vector<double>& thresholds) const;

  int methods() const { return static_cast<int>(samples_.size()); }
  int keypoints() const { return samples_.empty() ? 0 : static_cast<int>(samples_[0].size()); }

 private:
  struct Sample {
    double error, norm;
  };
  std::vector<std::vector<std::vector<Sample>>> samples_;  // [method][keypoint]
};

}  // namespace peakscope
