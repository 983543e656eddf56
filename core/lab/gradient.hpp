// The gradient of soft-argmax with respect to the heatmap: where a change of the map moves the
// estimate, which is why soft-argmax is trained through at all.
#pragma once

#include <vector>

#include "core/decode.hpp"
#include "core/heatmap.hpp"

namespace peakscope {

// d x_hat / d h_i and d y_hat / d h_i for every pixel i of one channel, row-major, H * W each.
struct GradientMap {
  int width = 0, height = 0;
  std::vector<double> dx, dy;
  double max_abs = 0;  // the largest |dx| or |dy| (for a symmetric colour scale)
};

// The exact gradient of the soft-argmax of channel c under `opt`, in double:
//   d x_hat / d h_i = beta_eff p_i (x_i - x_hat)            (and y),
// plus, with normalize (beta_eff = beta / M, M the largest finite value, at the argmax), the
// term of M itself at the argmax pixel: -(beta / M^2) Cov_p(h, x). NaN and -Inf pixels get 0
// (they carry no probability); a map with a +Inf maximum or no valid pixel gets all zeros
// (the estimate does not move with any finite change). Throws std::invalid_argument for an
// invalid view, channel or options.
GradientMap softargmax_gradient(const HeatmapView& map, int c, const DecodeOptions& opt);

}  // namespace peakscope
