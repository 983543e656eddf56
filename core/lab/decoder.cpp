#include "core/lab/decoder.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/enum_names.hpp"
#include "core/lab/dark.hpp"
#include "core/lab/debiased.hpp"
#include "core/lab/lab.hpp"
#include "core/lab/peak_window.hpp"
#include "core/split_list.hpp"

namespace peakscope {
namespace {

constexpr EnumName<DecoderKind> kDecoderNames[] = {
    {DecoderKind::kArgmax, "argmax"},     {DecoderKind::kSoftargmax, "softargmax"},
    {DecoderKind::kQuarter, "quarter"},   {DecoderKind::kDark, "dark"},
    {DecoderKind::kDarkUdp, "dark-udp"},  {DecoderKind::kWindow, "window"},
    {DecoderKind::kCentroid, "centroid"}, {DecoderKind::kMediapipe, "mediapipe"},
    {DecoderKind::kDebiased, "debiased"}};

void need_odd(const char* what, int v) {
  if (v < 1 || v % 2 == 0 || v > 101)
    throw std::invalid_argument(std::string(what) + " must be an odd number in [1, 101], got " +
                                std::to_string(v));
}

}  // namespace

const char* decoder_name(DecoderKind k) {
  return enum_name(kDecoderNames, k);
}

DecoderKind parse_decoder(std::string_view name) {
  return parse_enum(kDecoderNames, name, "decoder");
}

std::vector<DecoderKind> parse_decoder_list(std::string_view list) {
  std::vector<DecoderKind> out;
  auto add = [&](DecoderKind k) {
    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  };
  for (const std::string& text : split_list(list)) {
    std::string_view item = text;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "all") {
      for (DecoderKind k : kAllDecoders) add(k);
    } else if (const std::optional<DecoderKind> k = find_enum(kDecoderNames, item)) {
      add(*k);
    } else if (!item.empty()) {
      std::vector<std::string> names = enum_names(kDecoderNames);
      names.emplace_back("all");
      throw unknown_name("decoder", item, names);
    }
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
