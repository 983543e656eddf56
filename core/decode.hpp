// What a decoder takes and returns; shared by the reference, CPU and GPU engines.
#pragma once

#include <stdexcept>
#include <string>

namespace peakscope {

// Options of soft-argmax decoding, as in the seed.
//   beta       inverse temperature, finite and > 0 (else std::invalid_argument).
//   normalize  divide the map by its maximum first (x / max(x)), then apply beta. Only applied
//              when the largest finite value is > 0; otherwise the map is used as it is.
struct DecodeOptions {
  double beta = 1.0;
  bool normalize = false;

  void validate() const;
};

// One channel's decoded keypoint. Coordinates are pixels, pixel centres at integers,
// x = column, y = row (the seed's convention).
//
// Policy for non-finite pixels (all engines):
//   - NaN pixels are ignored: they get probability 0 and are never the argmax.
//   - +Inf pixels are the maximum: they share the probability equally (p = 1 / count), the
//     argmax is the first +Inf pixel.
//   - -Inf pixels get probability 0 (and are the argmax only if nothing larger exists).
//   - A map with no pixel other than NaN / -Inf has valid = false: argmax and soft-argmax are
//     then the grid centre, argmax_value is NaN and peak_probability is 0.
struct Keypoint {
  double argmax_x = 0, argmax_y = 0;  // first maximum in row-major order
  double argmax_value = 0;            // the map's value there (before normalisation)
  double soft_x = 0, soft_y = 0;      // sum_i p_i * coord_i
  double peak_probability = 0;        // max_i p_i
  bool valid = true;
};

inline void DecodeOptions::validate() const {
  if (!(beta > 0) || beta > 1.7976931348623157e308)
    throw std::invalid_argument("beta must be finite and > 0, got " + std::to_string(beta));
}

}  // namespace peakscope
