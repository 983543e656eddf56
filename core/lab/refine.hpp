// The window refinements that start from the argmax: quarter offset (MMPose), window
// soft-argmax (kornia-style local soft-argmax), centroid (OpenPose), MediaPipe's sigmoid
// centroid. Each reads only a PeakWindow, in double precision, and is its own reference
// (core/lab/reference_decoders.hpp re-derives them from the whole map for the tests).
// Coordinates: pixels, pixel centres at integers.
#pragma once

#include "core/decode.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/peak_window.hpp"

namespace peakscope {

// MMPose's refine_keypoints: x moves by 0.25 * sign(h(x+1, y) - h(x-1, y)) when
// 1 < x < W - 1 and 0 < y < H, y by 0.25 * sign(h(x, y+1) - h(x, y-1)) when 1 < y < H - 1 and
// 0 < x < W (MMPose's bounds, kept as they are: a peak in column 1 or row 1 is not moved on
// that axis). A NaN difference (NaN neighbour, Inf - Inf) moves nothing. Needs radius >= 1.
DecodedPoint refine_quarter(const PeakWindow& w);

// Soft-argmax over the (2r+1)^2 window around the argmax (clipped to the map), with
// beta_eff = effective_beta({beta, normalize}, peak); weights exp(beta_eff (h - peak)), NaN and
// -Inf pixels weigh 0; with a +Inf peak the +Inf pixels of the window share equally. Score: the
// argmax's weight share. Needs w.radius >= r.
DecodedPoint refine_window(const PeakWindow& w, int r, double beta, bool normalize);

// OpenPose's nmsAccuratePeakPosition without its Matlab +0.5: the centroid of the positive
// values in the size x size window (clipped to the map). With a +Inf peak the +Inf pixels share
// equally; with no positive value the argmax is returned. Score: the peak value.
// Needs w.radius >= size / 2.
DecodedPoint refine_centroid(const PeakWindow& w, int size);

// MediaPipe's RefineLandmarksFromHeatmap centred on the argmax: weights sigmoid(h) over the
// size x size window (clipped to the map, as MediaPipe's zero border), NaN pixels skipped;
// the weighted centroid replaces the argmax only when the window's largest sigmoid reaches
// `threshold`. Score: that largest sigmoid. Needs w.radius >= size / 2.
DecodedPoint refine_mediapipe(const PeakWindow& w, int size, double threshold);

}  // namespace peakscope
