// What a decoder takes and returns, and the one home of the decode rules: the beta range and
// its validation, the effective beta (normalise), the invalid-keypoint policy, the defaults,
// and the softmax value at a pixel. Every engine, the CLI and every viewer panel call these,
// so a slider, a flag and a readout can never disagree.
#pragma once

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace peakscope {

// ---------------------------------------------------------------------------------------
// beta: the accepted range, the slider's range and the defaults
// ---------------------------------------------------------------------------------------

// Every beta the API accepts lies in [kBetaMin, kBetaMax]; anything else (<= 0, NaN, Inf,
// outside the range) is rejected by validate_beta with one message.
inline constexpr double kBetaMin = 1e-30;
inline constexpr double kBetaMax = 1e30;
// The range of the viewer's log slider (a typed value may go beyond it, within the API range).
inline constexpr double kSliderBetaMin = 1e-2;
inline constexpr double kSliderBetaMax = 1e4;
// One default for the CLI and the viewer: the seed's heatmap setting, x / max(x) then
// beta 100 (a peak of value 1 against a background of 0.99 gets 2.7x the weight).
inline constexpr double kDefaultBeta = 100.0;
inline constexpr bool kDefaultNormalize = true;

// The message for a beta outside the accepted range; empty when beta is accepted.
inline std::string beta_problem(double beta) {
  if (beta >= kBetaMin && beta <= kBetaMax) return {};
  char buf[160];
  std::snprintf(buf, sizeof buf, "beta must be a finite number in [%g, %g], got %g", kBetaMin,
                kBetaMax, beta);
  return buf;
}
// Throws std::invalid_argument with beta_problem's message when beta is not accepted.
inline void validate_beta(double beta) {
  if (auto p = beta_problem(beta); !p.empty()) throw std::invalid_argument(p);
}
// Parses a user's text ("50", "1e-3") as a beta and validates it. Throws
// std::invalid_argument naming the text when it is not a number or not in range.
double parse_beta(std::string_view text);

// Options of soft-argmax decoding, as in the seed.
//   beta       inverse temperature, in [kBetaMin, kBetaMax] (else std::invalid_argument).
//   normalize  divide the map by its maximum first (x / max(x)), then apply beta. Only applied
//              when the largest finite value is > 0; otherwise the map is used as it is.
struct DecodeOptions {
  double beta = kDefaultBeta;
  bool normalize = kDefaultNormalize;

  void validate() const { validate_beta(beta); }
};

// The beta actually applied to the map's values: beta / max_finite when normalize is set and
// the largest finite value of the channel is > 0, beta otherwise. In double: the quotient of
// an accepted beta and any positive float (denormals included) never overflows.
inline double effective_beta(const DecodeOptions& opt, double max_finite) {
  if (opt.normalize && max_finite > 0 && std::isfinite(max_finite)) return opt.beta / max_finite;
  return opt.beta;
}

// ---------------------------------------------------------------------------------------
// Keypoints and the non-finite policy
// ---------------------------------------------------------------------------------------

// One channel's decoded keypoint. Coordinates are pixels, pixel centres at integers,
// x = column, y = row (the seed's convention).
//
// Policy for non-finite pixels (all engines):
//   - NaN pixels are ignored: they get probability 0 and are never the argmax.
//   - +Inf pixels are the maximum: they share the probability equally (p = 1 / count), the
//     argmax is the first +Inf pixel.
//   - -Inf pixels get probability 0 (and are the argmax only if nothing larger exists).
//   - A map with no pixel other than NaN / -Inf has valid = false: see invalid_keypoint.
struct Keypoint {
  double argmax_x = 0, argmax_y = 0;  // first maximum in row-major order
  double argmax_value = 0;            // the map's value there (before normalisation)
  double soft_x = 0, soft_y = 0;      // sum_i p_i * coord_i
  double peak_probability = 0;        // max_i p_i
  bool valid = true;
};

// The beta applied to channel k's values under opt (docs/conventions.md#beta-normalise-and-
// beta_eff): effective_beta over the channel's maximum, k.argmax_value. A channel with no
// valid pixel, or whose maximum is +Inf (only the +Inf pixels get weight, whatever beta), gets
// opt.beta. The CLI's JSON and the viewer's readouts show this number.
inline double channel_effective_beta(const DecodeOptions& opt, const Keypoint& k) {
  if (!k.valid || !std::isfinite(k.argmax_value)) return opt.beta;
  return effective_beta(opt, k.argmax_value);
}

// The keypoint of a width x height channel with no valid pixel: argmax and soft-argmax at the
// grid centre ((w-1)/2, (h-1)/2), argmax_value NaN, peak probability 0, valid = false.
inline Keypoint invalid_keypoint(int width, int height) {
  Keypoint k;
  k.argmax_x = k.soft_x = (width - 1) * 0.5;
  k.argmax_y = k.soft_y = (height - 1) * 0.5;
  k.argmax_value = std::nan("");
  k.peak_probability = 0;
  k.valid = false;
  return k;
}

// The softmax probability of a pixel of value v in a channel already decoded into k, with
// the same options: p(v) = peak_probability * exp(beta_eff * (v - max)). Exact for the
// policy above (NaN and -Inf give 0; with a +Inf maximum only +Inf pixels have p > 0).
// Used by the hover readout so it agrees with the engines without touching the map again.
inline double softmax_at(double v, const Keypoint& k, const DecodeOptions& opt) {
  if (!k.valid || std::isnan(v) || v == -INFINITY) return 0;
  const double m = k.argmax_value;
  if (m == INFINITY) return v == INFINITY ? k.peak_probability : 0;
  const double b = effective_beta(opt, m);
  return k.peak_probability * std::exp(b * (v - m));
}

}  // namespace peakscope
