// The double-precision oracle of every decoder in core/lab/: each one recomputed from
// the whole map the plain way (full blur for DARK, full-map loops with a window test for the
// window refinements, two passes for debiased), independent of the window path and of any
// engine. Slow on purpose; used by the tests.
#pragma once

#include <vector>

#include "core/decode.hpp"
#include "core/heatmap.hpp"
#include "core/lab/decoder.hpp"

namespace peakscope::reference {

// Channel c decoded with `kind` (argmax and soft-argmax from reference::decode).
DecodedPoint decode_with(DecoderKind kind, const HeatmapView& map, int c, const DecodeOptions& opt,
                         const DecoderParams& params = {});

// MMPose's gaussian_blur of channel c before its rescale: the 2-D convolution with OpenCV's
// kernel over a zero border (non-finite pixels read as 0), H * W values, row-major.
std::vector<double> dark_blur(const HeatmapView& map, int c, int kernel);

}  // namespace peakscope::reference
