// `sweep --auto-beta`: the beta that minimises the mean soft-argmax error to ground truth over
// the input's first frames (core/lab/autotune.hpp), with its curve written next to the sheets.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "app/cli/decode_flags.hpp"
#include "app/common/source_options.hpp"
#include "core/heatmap.hpp"
#include "core/io/source.hpp"
#include "core/lab/autotune.hpp"

namespace peakscope::cli {

// Below this many keypoints with ground truth the tune gives a warning (stderr and
// auto_beta.json's "warning"): one beta fitted to a handful of points says little.
inline constexpr std::size_t kAutoBetaFewKeypoints = 10;

// What a tune fits: every channel with a ground-truth point in up to max_frames frames of a
// source, its target the point nearest the channel's argmax (as io::ground_truth_error).
struct TuneSet {
  std::vector<Heatmap> maps;        // the frames with at least one labelled channel
  std::vector<TuneSample> samples;  // their views point into maps
  long frames_read = 0;
};
// Reads `source` until its end, max_frames (< 0: all) or a signal (InterruptGuard::signal()).
TuneSet collect_tune_samples(io::Source& source, bool normalize, long max_frames);

// Reads up to max_frames frames of `input` that carry ground truth, tunes beta over every
// channel with a ground-truth point (the point nearest the channel's argmax is its target),
// writes out_dir/auto_beta.csv (beta, mean error) and out_dir/auto_beta.json, prints the
// optimum on stderr and returns it (0 when a signal stopped it: InterruptGuard::signal()).
// Throws std::runtime_error naming the input when no frame has ground truth.
double find_auto_beta(const std::string& input, const common::SourceArgs& src, bool normalize,
                      long max_frames, const std::string& out_dir);

}  // namespace peakscope::cli
