// The double-precision oracles (core/reference.hpp, core/lab/reference_decoders.hpp) computed
// once per frame and options in a test binary. The engine contract suite
// (tests/gl/engine_contract_test.cpp) holds every engine to the same frames, and the
// reference, slow on purpose, would otherwise be recomputed for each engine. Frames are told
// apart by their content (type, sizes and every pixel, padding excluded), so a case need not
// name them. Not thread-safe: one test at a time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/decode.hpp"
#include "core/heatmap.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/reference_decoders.hpp"
#include "core/reference.hpp"

namespace peakscope::testing {

// A 64-bit hash of the frame's type, sizes and pixels (row by row: padding excluded), eight
// bytes at a time (FNV-1a's step on words, then a final mix).
inline std::uint64_t frame_hash(const HeatmapView& v) {
  std::uint64_t h = 1469598103934665603ull;
  auto step = [&h](std::uint64_t w) { h = (h ^ w) * 1099511628211ull; };
  step(static_cast<std::uint64_t>(v.type));
  step(static_cast<std::uint64_t>(v.width) << 32 | static_cast<std::uint32_t>(v.height));
  step(static_cast<std::uint64_t>(v.channels));
  const std::size_t row = static_cast<std::size_t>(v.width) * elem_size(v.type);
  for (int c = 0; c < v.channels; ++c)
    for (int y = 0; y < v.height; ++y) {
      const auto* p = static_cast<const unsigned char*>(
          v.type == ElemType::kFloat32 ? static_cast<const void*>(v.row_f32(c, y))
                                       : static_cast<const void*>(v.row_u8(c, y)));
      std::size_t i = 0;
      for (; i + 8 <= row; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        step(w);
      }
      std::uint64_t tail = 0;
      std::memcpy(&tail, p + i, row - i);
      step(tail);
    }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 33);
}

// The references of one frame (hashed once; the frame stays alive and unchanged meanwhile).
class Reference {
 public:
  explicit Reference(const HeatmapView& v) : v_(v), hash_(frame_hash(v)) {}

  // reference::decode_all(v, o).
  const std::vector<Keypoint>& keypoints(const DecodeOptions& o) const {
    static std::map<Key, std::vector<Keypoint>> cache;
    const Key k = key(o, 0, "");
    auto it = cache.find(k);
    if (it == cache.end()) it = cache.emplace(k, reference::decode_all(v_, o)).first;
    return it->second;
  }
  // reference::softmax(v, c, o).
  const std::vector<double>& softmax(int c, const DecodeOptions& o) const {
    static std::map<Key, std::vector<double>> cache;
    const Key k = key(o, c, "");
    auto it = cache.find(k);
    if (it == cache.end()) it = cache.emplace(k, reference::softmax(v_, c, o)).first;
    return it->second;
  }
  // The maximum of reference::dark_blur(v, c, kernel): DARK's blurred maximum.
  double blurred_max(int c, int kernel) const {
    static std::map<Key, double> cache;
    const Key k = key({}, c, std::to_string(kernel));
    auto it = cache.find(k);
    if (it == cache.end()) {
      const std::vector<double> b = reference::dark_blur(v_, c, kernel);
      it = cache.emplace(k, *std::max_element(b.begin(), b.end())).first;
    }
    return it->second;
  }
  // reference::decode_with(kind, v, c, o, p).
  DecodedPoint decoder(DecoderKind kind, int c, const DecodeOptions& o,
                       const DecoderParams& p = {}) const {
    static std::map<Key, DecodedPoint> cache;
    char params[160];
    std::snprintf(params, sizeof params, "%d %d %d %.17g %d %d %.17g", static_cast<int>(kind),
                  p.dark_kernel, p.window_radius, p.window_beta, p.centroid_size, p.mediapipe_size,
                  p.mediapipe_threshold);
    const Key k = key(o, c, params);
    auto it = cache.find(k);
    if (it == cache.end()) it = cache.emplace(k, reference::decode_with(kind, v_, c, o, p)).first;
    return it->second;
  }

 private:
  // The frame's hash, the beta's bits, normalise, a channel, the rest.
  using Key = std::tuple<std::uint64_t, std::uint64_t, bool, int, std::string>;
  Key key(const DecodeOptions& o, int c, const std::string& rest) const {
    std::uint64_t beta_bits = 0;
    std::memcpy(&beta_bits, &o.beta, sizeof beta_bits);
    return {hash_, beta_bits, o.normalize, c, rest};
  }

  HeatmapView v_;
  std::uint64_t hash_;
};

// One-off forms (each hashes the frame).
inline const std::vector<Keypoint>& ref_keypoints(const HeatmapView& v, const DecodeOptions& o) {
  return Reference(v).keypoints(o);
}
inline double ref_blurred_max(const HeatmapView& v, int c, int kernel) {
  return Reference(v).blurred_max(c, kernel);
}
inline DecodedPoint ref_decoder(DecoderKind kind, const HeatmapView& v, int c,
                                const DecodeOptions& o, const DecoderParams& p = {}) {
  return Reference(v).decoder(kind, c, o, p);
}

}  // namespace peakscope::testing
