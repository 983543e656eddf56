#include "core/lab/lab.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/lab/dark.hpp"
#include "core/lab/refine.hpp"

namespace peakscope {

int decoder_window_radius(DecoderKind k, const DecoderParams& params) {
  switch (k) {
    case DecoderKind::kQuarter:
      return 1;
    case DecoderKind::kDark:
      return dark_window_radius(params.dark_kernel);
    case DecoderKind::kDarkUdp:
      return dark_udp_window_radius(params.dark_kernel);
    case DecoderKind::kWindow:
      return params.window_radius;
    case DecoderKind::kCentroid:
      return params.centroid_size / 2;
    case DecoderKind::kMediapipe:
      return params.mediapipe_size / 2;
    case DecoderKind::kArgmax:
    case DecoderKind::kSoftargmax:
    case DecoderKind::kDebiased:
      return 0;
  }
  return 0;
}

DecodedPoint decode_from_window(DecoderKind k, const PeakWindow& w, const Keypoint& kp,
                                const DecodeOptions& opt, const DecoderParams& params,
                                const std::function<double()>& global_blurred_max) {
  // No valid pixel: the keypoint already holds core/decode.hpp's invalid point.
  if (!kp.valid) return {kp.argmax_x, kp.argmax_y, 0, false};
  if (k == DecoderKind::kArgmax) return {kp.argmax_x, kp.argmax_y, kp.argmax_value, true};
  if (k == DecoderKind::kSoftargmax) return {kp.soft_x, kp.soft_y, kp.peak_probability, true};
  if (w.radius < decoder_window_radius(k, params))
    throw std::invalid_argument(
        std::string("decode_from_window: ") + decoder_name(k) + " needs a window of radius " +
        std::to_string(decoder_window_radius(k, params)) + ", got " + std::to_string(w.radius));
  switch (k) {
    case DecoderKind::kQuarter:
      return refine_quarter(w);
    case DecoderKind::kDark:
      return refine_dark(w, params.dark_kernel, global_blurred_max);
    case DecoderKind::kDarkUdp:
      return refine_dark_udp(w, params.dark_kernel, global_blurred_max);
    case DecoderKind::kWindow:
      return refine_window(w, params.window_radius, params.window_beta, opt.normalize);
    case DecoderKind::kCentroid:
      return refine_centroid(w, params.centroid_size);
    case DecoderKind::kMediapipe:
      return refine_mediapipe(w, params.mediapipe_size, params.mediapipe_threshold);
    case DecoderKind::kArgmax:
    case DecoderKind::kSoftargmax:
    case DecoderKind::kDebiased:
      break;
  }
  throw std::invalid_argument("decode_from_window: debiased reads the whole map");
}

std::vector<std::vector<DecodedPoint>> decode_lab(Engine& engine, const std::vector<Keypoint>& kps,
                                                  const std::vector<DecoderKind>& kinds,
                                                  const DecodeOptions& opt,
                                                  const DecoderParams& params) {
  params.validate();
  opt.validate();
  const int n = static_cast<int>(kps.size());
  std::vector<std::vector<DecodedPoint>> out(static_cast<std::size_t>(n),
                                             std::vector<DecodedPoint>(kinds.size()));
  int radius = -1;
  bool debiased = false;
  for (DecoderKind k : kinds) {
    if (k == DecoderKind::kDebiased)
      debiased = true;
    else if (k != DecoderKind::kArgmax && k != DecoderKind::kSoftargmax)
      radius = std::max(radius, decoder_window_radius(k, params));
  }
  std::vector<PeakWindow> windows;
  if (radius >= 0) {
    windows = engine.last_windows(radius);
    if (static_cast<int>(windows.size()) != n)
      throw std::logic_error("decode_lab: the engine's last frame has " +
                             std::to_string(windows.size()) + " channels, the keypoints " +
                             std::to_string(n));
  }
  std::vector<DecodedPoint> deb;
  if (debiased) {
    BetaGrid g = engine.last_beta_grid({opt.beta}, opt.normalize, true);
    if (g.debiased.size() != 1 || static_cast<int>(g.debiased[0].size()) != n)
      throw std::logic_error("decode_lab: the engine's beta grid does not match the keypoints");
    deb = std::move(g.debiased[0]);
  }
  for (int c = 0; c < n; ++c) {
    double gmax = -1;
    bool have_gmax = false;
    auto global = [&]() {
      if (!have_gmax) {
        gmax = engine.last_blurred_max(c, params.dark_kernel);
        have_gmax = true;
      }
      return gmax;
    };
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      const DecoderKind k = kinds[i];
      if (k == DecoderKind::kDebiased) {
        out[c][i] = deb[c];
      } else if (k == DecoderKind::kArgmax || k == DecoderKind::kSoftargmax || !kps[c].valid) {
        out[c][i] = decode_from_window(k, PeakWindow{}, kps[c], opt, params, global);
      } else {
        out[c][i] = decode_from_window(k, windows[c], kps[c], opt, params, global);
      }
    }
  }
  return out;
}

}  // namespace peakscope
