// The double-precision reference: the oracle for every fast path. Straightforward,
// two passes, no shortcuts; slow on purpose.
#pragma once

#include <vector>

#include "core/decode.hpp"
#include "core/heatmap.hpp"

namespace peakscope::reference {

// Index of the first maximum of channel c in row-major order (NaN ignored, +Inf is the
// maximum), as numpy's argwhere(x == x.max())[0]. Returns -1 when no pixel is comparable
// (all NaN).
long argmax(const HeatmapView& map, int c);

// The effective beta: beta / max(x) when normalize is set and the largest finite value is
// > 0, beta otherwise.
double effective_beta(const HeatmapView& map, int c, const DecodeOptions& opt);

// softmax(beta_eff * x) of channel c, row-major, H * W values summing to 1 (stable: the
// max is subtracted first). All zero when the map has no valid pixel.
std::vector<double> softmax(const HeatmapView& map, int c, const DecodeOptions& opt);

// Argmax, soft-argmax and peak probability of channel c (see Keypoint for the policy).
Keypoint decode(const HeatmapView& map, int c, const DecodeOptions& opt);

// All channels.
std::vector<Keypoint> decode_all(const HeatmapView& map, const DecodeOptions& opt);

}  // namespace peakscope::reference
