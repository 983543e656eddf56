#include "core/lab/debiased.hpp"

#include <array>
#include <cmath>

namespace peakscope {

double debiased_weight(double v, double b, double m) {
  if (!std::isfinite(v)) return 0;  // NaN, -Inf (and +Inf, handled by the callers) weigh 0
  // Small b m: expm1 keeps the digits of exp(b v) - 1 for v near 0; exp(-b m) <= e^600 and
  // expm1(b v) <= e^600, so nothing overflows. Large b m: exp(-b m) is below 1e-260 and the
  // subtraction loses nothing that matters next to the peak's weight 1.
  if (b * m <= 600 && b * m >= -600) return std::expm1(b * v) * std::exp(-b * m);
  return std::exp(b * (v - m)) - std::exp(-b * m);
}

DecodedPoint debiased_softargmax(const HeatmapView& map, int c, const Keypoint& kp,
                                 const DecodeOptions& opt) {
  const int W = map.width, H = map.height;
  if (!kp.valid) return {kp.soft_x, kp.soft_y, 0, false};
  if (kp.argmax_value == INFINITY) return {kp.soft_x, kp.soft_y, kp.peak_probability, true};
  const double m = kp.argmax_value;  // finite: the largest finite value
  const double b = effective_beta(opt, m);
  double s = 0, sx = 0, sy = 0;
  if (map.type == ElemType::kUInt8) {
    std::array<double, 256> lut{};
    for (int v = 0; v < 256; ++v) lut[v] = debiased_weight(v, b, m);
    for (int y = 0; y < H; ++y) {
      const std::uint8_t* row = map.row_u8(c, y);
      double rs = 0, rx = 0;
      for (int x = 0; x < W; ++x) {
        const double e = lut[row[x]];
        rs += e;
        rx += e * x;
      }
      s += rs;
      sx += rx;
      sy += rs * y;
    }
  } else {
    // debiased_weight with exp(-b m) taken once per channel (the same expressions, so the
    // same bits).
    const bool small = b * m <= 600 && b * m >= -600;
    const double em = std::exp(-b * m);
    for (int y = 0; y < H; ++y) {
      const float* row = map.row_f32(c, y);
      double rs = 0, rx = 0;
      for (int x = 0; x < W; ++x) {
        const double v = row[x];
        if (v == 0 || !std::isfinite(v)) continue;  // exp(0) - 1 = 0; NaN, -Inf weigh 0
        const double e = small ? std::expm1(b * v) * em : std::exp(b * (v - m)) - em;
        rs += e;
        rx += e * x;
      }
      s += rs;
      sx += rx;
      sy += rs * y;
    }
  }
  if (!(s > 0) || !std::isfinite(s)) return {kp.soft_x, kp.soft_y, kp.peak_probability, true};
  return {sx / s, sy / s, debiased_weight(m, b, m) / s, true};
}

}  // namespace peakscope
