// The decoding lab on an engine's last frame: every chosen decoder on every channel, through
// the engine's primitives (Engine::last_windows, last_blurred_max, last_beta_grid), so the same
// code serves the CPU engine (which reads its frame again) and the GPU engine (which keeps the
// frame on the device and reads back only one small window per channel, reducing the global
// decoders there). Results equal decode_with's on the same frame.
#pragma once

#include <functional>
#include <vector>

#include "core/decode.hpp"
#include "core/engine/engine.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/peak_window.hpp"

namespace peakscope {

// The window radius decoder k reads around the argmax under `params` (0 for argmax, softargmax
// and debiased, which need no window).
int decoder_window_radius(DecoderKind k, const DecoderParams& params);

// Decoder k from the window around the channel's argmax (radius >= decoder_window_radius),
// given the channel's keypoint under `opt`. global_blurred_max is asked for only by DARK when
// its floor or clip reads a value that depends on it. Not for debiased (a global decoder):
// throws std::invalid_argument.
DecodedPoint decode_from_window(DecoderKind k, const PeakWindow& w, const Keypoint& kp,
                                const DecodeOptions& opt, const DecoderParams& params,
                                const std::function<double()>& global_blurred_max);

// points[c][i]: kinds[i] on channel c of the engine's last frame, whose keypoints (under `opt`,
// the options of that decode) are `kps`. One window read of the largest radius needed, and one
// debiased pass (a one-beta grid) when debiased is asked for.
std::vector<std::vector<DecodedPoint>> decode_lab(Engine& engine, const std::vector<Keypoint>& kps,
                                                  const std::vector<DecoderKind>& kinds,
                                                  const DecodeOptions& opt,
                                                  const DecoderParams& params);

}  // namespace peakscope
