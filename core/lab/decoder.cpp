#include "core/lab/decoder.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/lab/dark.hpp"
#include "core/lab/debiased.hpp"
#include "core/lab/lab.hpp"
#include "core/lab/peak_window.hpp"

namespace peakscope {
namespace {

void need_odd(const char* what, int v) {
  if (v < 1 || v % 2 == 0 || v > 101)
    throw std::invalid_argument(std::string(what) + " must be an odd number in [1, 101], got " +
                                std::to_string(v));
}

}  // namespace

const char* decoder_name(DecoderKind k) {
  switch (k) {
    case DecoderKind::kArgmax:
      return "argmax";
    case DecoderKind::kSoftargmax:
      return "softargmax";
    case DecoderKind::kQuarter:
      return "quarter";
    case DecoderKind::kDark:
      return "dark";
    case DecoderKind::kDarkUdp:
      return "dark-udp";
    case DecoderKind::kWindow:
      return "window";
    case DecoderKind::kCentroid:
      return "centroid";
    case DecoderKind::kMediapipe:
      return "mediapipe";
    case DecoderKind::kDebiased:
      return "debiased";
  }
  return "?";
}

DecoderKind parse_decoder(std::string_view name) {
  for (DecoderKind k : kAllDecoders)
    if (name == decoder_name(k)) return k;
  std::string known;
  for (DecoderKind k : kAllDecoders)
    known += std::string(known.empty() ? "" : ", ") + decoder_name(k);
  throw std::invalid_argument("unknown decoder '" + std::string(name) + "' (known: " + known +
                              ", or all)");
}

std::vector<DecoderKind> parse_decoder_list(std::string_view list) {
  std::vector<DecoderKind> out;
  auto add = [&](DecoderKind k) {
    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  };
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    std::string_view item = list.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "all") {
      for (DecoderKind k : kAllDecoders) add(k);
    } else if (!item.empty()) {
      add(parse_decoder(item));
    }
    pos = comma + 1;
  }
  if (out.empty()) throw std::invalid_argument("the decoder list is empty");
  return out;
}

bool decoder_uses_beta(DecoderKind k) {
  return k == DecoderKind::kSoftargmax || k == DecoderKind::kWindow || k == DecoderKind::kDebiased;
}

void DecoderParams::validate() const {
  need_odd("dark kernel", dark_kernel);
  need_odd("centroid size", centroid_size);
  need_odd("mediapipe size", mediapipe_size);
  if (window_radius < 0 || window_radius > 50)
    throw std::invalid_argument("window radius must be in [0, 50], got " +
                                std::to_string(window_radius));
  validate_beta(window_beta);
  if (!std::isfinite(mediapipe_threshold))
    throw std::invalid_argument("mediapipe threshold must be finite");
}

DecodedPoint decode_with(DecoderKind kind, const HeatmapView& map, int c, const Keypoint& kp,
                         const DecodeOptions& opt, const DecoderParams& params) {
  params.validate();
  if (!kp.valid) {
    const Keypoint inv = invalid_keypoint(map.width, map.height);
    return {inv.argmax_x, inv.argmax_y, 0, false};
  }
  if (kind == DecoderKind::kDebiased) return debiased_softargmax(map, c, kp, opt);
  const int r = decoder_window_radius(kind, params);
  const PeakWindow w =
      read_window(map, c, static_cast<int>(kp.argmax_x), static_cast<int>(kp.argmax_y), r);
  std::optional<double> gmax;
  auto global = [&]() {
    if (!gmax) gmax = blurred_max(map, c, params.dark_kernel);
    return *gmax;
  };
  return decode_from_window(kind, w, kp, opt, params, global);
}

}  // namespace peakscope
