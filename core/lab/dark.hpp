// DARK (Zhang et al., CVPR 2020) as MMPose's refine_keypoints_dark, and its UDP variant
// (refine_keypoints_dark_udp), computed from the window around the argmax.
//
// MMPose blurs the whole map with OpenCV's Gaussian (kernel k, sigma 0.3((k-1)/2 - 1) + 0.8,
// the fixed binomial tables for k <= 7) over a zero border, rescales the blurred map so its max
// equals the original max, takes L = log(max(h, 1e-10)) (UDP: log(clip(h, 1e-3, 50))), and
// moves the argmax by -H^-1 grad L. The rescale only adds log(scale) to L, which cancels in
// every difference, unless the floor or the clip changes a value the stencil reads: only then
// is the blurred map's global maximum needed, and the decoder asks for it through a callback
// (the CPU computes it; a GPU would reduce it on the device). Non-finite pixels are read as 0
// by the blur; a +Inf or non-positive peak is not refined (its L is constant or undefined).
#pragma once

#include <functional>
#include <vector>

#include "core/heatmap.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/peak_window.hpp"

namespace peakscope {

// OpenCV's getGaussianKernel(k, 0) in double: k odd >= 1, sums to 1.
std::vector<double> opencv_gaussian_kernel(int k);

// The window radius DARK (2 + k/2) and DARK-UDP (1 + k/2) read around the argmax.
inline int dark_window_radius(int kernel) {
  return 2 + kernel / 2;
}
inline int dark_udp_window_radius(int kernel) {
  return 1 + kernel / 2;
}

// The maximum of channel c blurred as above (zero border, non-finite pixels read as 0).
double blurred_max(const HeatmapView& map, int c, int kernel);

// DARK from a window of radius >= dark_window_radius(kernel). Not refined (argmax returned)
// when the argmax lies within 2 px of the border (MMPose: 1 < x < W - 2, 1 < y < H - 2) or the
// Hessian's determinant is 0. global_blurred_max is called only when the result depends on it.
// Score: the peak value.
DecodedPoint refine_dark(const PeakWindow& w, int kernel,
                         const std::function<double()>& global_blurred_max);

// DARK-UDP from a window of radius >= dark_udp_window_radius(kernel): edge padding, step-1
// Hessian with float32 epsilon added to its diagonal, no border test. Score: the peak value.
DecodedPoint refine_dark_udp(const PeakWindow& w, int kernel,
                             const std::function<double()>& global_blurred_max);

}  // namespace peakscope
