// The decoders of the decoding lab, by name: what each one is, its parameters, and one entry
// point that decodes a channel given the engine's keypoint (argmax and soft-argmax), reading
// only what the decoder needs (a small window around the argmax, or the whole map for the
// global ones). Every result is in the project's convention (pixels, pixel centres at integers,
// x = column, y = row); core/lab/coords.hpp converts to the others.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/decode.hpp"
#include "core/heatmap.hpp"

namespace peakscope {

// Names as the CLI spells them (decoder_name / parse_decoder).
enum class DecoderKind {
  kArgmax,      // "argmax": first maximum in row-major order
  kSoftargmax,  // "softargmax": sum_i p_i coord_i, p = softmax(beta_eff h)
  kQuarter,     // "quarter": argmax moved 0.25 px toward the larger neighbour (MMPose)
  kDark,        // "dark": DARK (MMPose refine_keypoints_dark)
  kDarkUdp,     // "dark-udp": DARK for UDP (MMPose refine_keypoints_dark_udp)
  kWindow,      // "window": soft-argmax in a (2r+1)^2 window around the argmax, own beta
  kCentroid,    // "centroid": OpenPose, centroid of the positive scores in a k x k window
  kMediapipe,   // "mediapipe": MediaPipe, sigmoid(h)-weighted centroid in a k x k window
  kDebiased,    // "debiased": soft-argmax with weights exp(beta_eff h) - 1 (Gu et al.)
};
inline constexpr DecoderKind kAllDecoders[] = {
    DecoderKind::kArgmax,   DecoderKind::kSoftargmax, DecoderKind::kQuarter,
    DecoderKind::kDark,     DecoderKind::kDarkUdp,    DecoderKind::kWindow,
    DecoderKind::kCentroid, DecoderKind::kMediapipe,  DecoderKind::kDebiased};

const char* decoder_name(DecoderKind k);
// Throws std::invalid_argument naming the text and listing the known names.
DecoderKind parse_decoder(std::string_view name);
// A comma-separated list ("argmax,dark"); "all" means every decoder. Duplicates are dropped,
// the order kept. Throws std::invalid_argument for an empty list or an unknown name.
std::vector<DecoderKind> parse_decoder_list(std::string_view list);
// Whether the decoder's result depends on beta (softargmax, window, debiased).
bool decoder_uses_beta(DecoderKind k);

// Parameters of the refinements; the defaults are those of the libraries they come from.
struct DecoderParams {
  int dark_kernel = 11;               // odd, >= 1: Gaussian blur kernel of DARK (sigma as OpenCV's)
  int window_radius = 3;              // window: (2r+1) x (2r+1), r >= 0
  double window_beta = kDefaultBeta;  // window's own beta (normalised as the DecodeOptions say)
  int centroid_size = 7;              // odd, >= 1
  int mediapipe_size = 7;             // odd, >= 1
  double mediapipe_threshold = 0.5;   // refine only when max sigmoid in the window >= this

  // Throws std::invalid_argument naming the parameter and the value when one is out of range.
  void validate() const;
};

// One decoder's answer for one channel.
//   x, y   pixels, pixel centres at integers.
//   score  argmax, quarter, dark, dark-udp, centroid: the map's value at the argmax (as
//          MMPose/OpenPose report it); softargmax, window, debiased: the largest weight share
//          (peak probability); mediapipe: the largest sigmoid in its window.
//   valid  false for a map with no valid pixel: then x, y are the grid centre and score 0
//          (core/decode.hpp's invalid_keypoint).
struct DecodedPoint {
  double x = 0, y = 0, score = 0;
  bool valid = true;
};

// Decodes channel c of `map` with decoder `kind`, given `kp`, that channel's keypoint from
// any engine under `opt` (its argmax is where the refinements start; softargmax is taken from
// it as is). Window decoders read only a small window around the argmax (see PeakWindow);
// debiased reads the whole map. Throws std::invalid_argument for bad params.
DecodedPoint decode_with(DecoderKind kind, const HeatmapView& map, int c, const Keypoint& kp,
                         const DecodeOptions& opt, const DecoderParams& params = {});

}  // namespace peakscope
