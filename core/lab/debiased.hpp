// Debiased soft-argmax (Gu, Yang, Yao, ICCV 2021, "Removing the Bias of Integral Pose
// Regression"), in closed form: weights w_i = exp(beta_eff h_i) - 1 instead of exp(beta_eff h_i).
// A zero background pixel then weighs exactly 0, so the pull of the background toward the grid
// centre, which the paper subtracts after the fact, never enters the sum.
//
// What it assumes: a background near 0 and h >= 0 (heatmaps after a ReLU or a sigmoid, or
// targets in [0, 1]). Negative pixels get negative weights, which is still the paper's formula
// (zero-mean noise cancels) but can make the sum small; when the weights do not sum to a
// positive number (no positive pixel, e.g. a flat zero map) the soft-argmax is returned.
// NaN and -Inf pixels weigh 0; with a +Inf maximum the +Inf pixels share equally (as
// soft-argmax). beta_eff = effective_beta(opt, max finite value) (core/decode.hpp).
#pragma once

#include "core/decode.hpp"
#include "core/heatmap.hpp"
#include "core/lab/decoder.hpp"

namespace peakscope {

// The fast path: one pass over channel c in double (uint8 maps through a 256-entry table),
// given the channel's keypoint `kp` from any engine under `opt` (its argmax value and, for the
// fallback, its soft-argmax). Score: the argmax's weight share. Within 1e-9 px of
// reference::debiased on well-conditioned maps (weights summing to more than 1e-6 of their
// absolute sum).
DecodedPoint debiased_softargmax(const HeatmapView& map, int c, const Keypoint& kp,
                                 const DecodeOptions& opt);

// The weight of a pixel of value v scaled by exp(-beta_eff m) (m: the largest finite value),
// exp(b (v - m)) - exp(-b m), computed without overflow and without cancellation at small b m.
// Shared by the fast path and the reference so both apply the same rule.
double debiased_weight(double v, double b, double m);

}  // namespace peakscope
