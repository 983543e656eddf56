// Keypoint comparisons shared by the tests: an engine's result against the double
// reference, with the tolerances as parameters (the GL and CPU tests differ only there).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/decode.hpp"

namespace peakscope::testing {

struct Tolerance {
  double px = 1e-3;     // soft-argmax x and y, absolute, in pixels
  double p_rel = 1e-4;  // peak probability, relative
  double p_abs = 1e-9;  // peak probability, absolute (for p near 0)
};

// Expects `got` to match `want`: validity, argmax position and value exactly, soft-argmax
// within tol.px, peak probability within tol.p_rel * want + tol.p_abs; no NaN in `got`'s
// estimates. `what` names the case in failure messages.
inline void expect_keypoint_near(const Keypoint& got, const Keypoint& want, const Tolerance& tol,
                                 const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_FALSE(std::isnan(got.soft_x) || std::isnan(got.soft_y) ||
               std::isnan(got.peak_probability));
  EXPECT_EQ(got.valid, want.valid);
  EXPECT_EQ(got.argmax_x, want.argmax_x);
  EXPECT_EQ(got.argmax_y, want.argmax_y);
  if (std::isnan(want.argmax_value))
    EXPECT_TRUE(std::isnan(got.argmax_value));
  else
    EXPECT_EQ(got.argmax_value, want.argmax_value);
  EXPECT_NEAR(got.soft_x, want.soft_x, tol.px);
  EXPECT_NEAR(got.soft_y, want.soft_y, tol.px);
  EXPECT_NEAR(got.peak_probability, want.peak_probability,
              tol.p_rel * want.peak_probability + tol.p_abs);
}

}  // namespace peakscope::testing
