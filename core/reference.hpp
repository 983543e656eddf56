// The double-precision reference: the oracle for every fast path. Straightforward, no
// shortcuts, slow on purpose, and right over the whole float range:
//   - the exponent t = beta_eff * (v - m) is formed in double from the float (or uint8)
//     values: v - m is exact or within 1 ulp of double (|v - m| <= 6.8e38, no overflow), and
//     beta_eff <= kBetaMax / smallest denormal ~ 7e74, so |t| < 1e114 never overflows either;
//   - exp(t) in double (t <= 0, so every weight is in [0, 1], the maximum's weight exactly 1);
//   - the sums over pixels in long double (64-bit mantissa on x86), so absorption over 2^26
//     terms costs at most ~4e-12 relative, far below the engines' tolerance.
// The decode rules (normalise, the non-finite policy, the invalid keypoint) are stated in
// reference.cpp from docs/conventions.md, not taken from core/decode.hpp: an oracle that called
// the engines' rules would agree with them whatever they said. Only the types (HeatmapView,
// DecodeOptions, Keypoint) and beta's validation are shared.
#pragma once

#include <vector>

#include "core/decode.hpp"
#include "core/heatmap.hpp"

namespace peakscope::reference {

// Index of the first maximum of channel c in row-major order (NaN ignored, +Inf is the
// maximum), as numpy's argwhere(x == x.max())[0]. Returns -1 when no pixel is comparable
// (all NaN).
long argmax(const HeatmapView& map, int c);

// The largest finite value of channel c; -Inf when there is none.
double max_finite(const HeatmapView& map, int c);

// The beta applied to channel c's raw values: beta / max_finite(map, c) when normalise is on
// and that value is > 0, beta otherwise (docs/conventions.md).
double effective_beta(const HeatmapView& map, int c, const DecodeOptions& opt);

// softmax(beta_eff * x) of channel c, row-major, H * W values summing to 1 (stable: the
// max is subtracted first). All zero when the map has no valid pixel.
std::vector<double> softmax(const HeatmapView& map, int c, const DecodeOptions& opt);

// Argmax, soft-argmax and peak probability of channel c (see Keypoint for the policy).
// Memory: O(1) beyond the map (no softmax buffer), so 8192 x 8192 and 2^24-pixel rows are fine.
Keypoint decode(const HeatmapView& map, int c, const DecodeOptions& opt);

// All channels.
std::vector<Keypoint> decode_all(const HeatmapView& map, const DecodeOptions& opt);

}  // namespace peakscope::reference
