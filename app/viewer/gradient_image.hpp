// The gradient view's picture and colour bar without any window: the values of the part shown
// (d x_hat / d h, d y_hat / d h or their magnitude), their colour scale and its colours. The
// scale is logarithmic in |value| from a floor relative to the largest |value| (values below it
// drawn as zero) up to that largest value, so a pixel that drives the estimate and the
// numerical zeros around it (1e-63) never share a colour. Signed parts are diverging (blue
// negative, white zero, red positive), the magnitude black to yellow. Unit-tested in
// tests/app/view_numbers_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/viewer/lab_state.hpp"
#include "core/lab/gradient.hpp"

namespace peakscope::viewer {

// The value of `part` at every pixel of g (row-major): dx, dy or hypot(dx, dy).
std::vector<double> gradient_values(const GradientMap& g, LabState::GradientPart part);

struct GradientScale {
  double max_abs = 0;         // the largest |value| (0: an all-zero map)
  double floor_rel = 1e-6;    // |value| < floor_rel * max_abs is drawn as zero
  bool signed_values = true;  // dx, dy (diverging); false: the magnitude
  double floor() const { return floor_rel * max_abs; }
  // Where v lies on the scale: 0 below the floor (and for NaN), else
  // log(|v| / floor) / log(max_abs / floor) in (0, 1], negative for negative signed values.
  double position(double v) const;
  // The value at position t (|t| in (0, 1]; 0 gives 0): the colour bar's labels.
  double value_at(double t) const;
};
GradientScale gradient_scale(const std::vector<double>& values, bool signed_values,
                             double floor_rel);

// The colour of position t: signed -1 (blue) .. 0 (white) .. 1 (red); magnitude 0 (black) ..
// 1 (yellow). RGBA8 packed as R | G << 8 | B << 16 | A << 24.
std::uint32_t gradient_colour(double t, bool signed_values);
std::vector<std::uint32_t> gradient_rgba(const std::vector<double>& values, const GradientScale& s);

}  // namespace peakscope::viewer
