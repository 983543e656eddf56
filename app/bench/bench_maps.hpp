// The benchmark inputs, shared by the CPU benchmark and peakscope-bench: Gaussian scenes
// normalised to [0, 1] (float) or 0..255 (uint8), the seed's kind of map.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "core/scene.hpp"

namespace peakscope::bench {

struct BenchCase {
  std::string name;
  int width, height, channels;
  ElemType type;
  bool normalize;  // uint8 maps are normalised by max as in the seed
};

inline std::vector<BenchCase> standard_cases() {
  return {{"17x64x48 f32", 48, 64, 17, ElemType::kFloat32, false},
          {"256x256 f32", 256, 256, 1, ElemType::kFloat32, false},
          {"1920x1080 f32", 1920, 1080, 1, ElemType::kFloat32, false},
          {"1920x1080 u8", 1920, 1080, 1, ElemType::kUInt8, true},
          {"4096x4096 f32", 4096, 4096, 1, ElemType::kFloat32, false}};
}

// The standard cases plus the GPU's large ones: a pose network at 4K (17 channels) and
// 8192 x 8192.
inline std::vector<BenchCase> gpu_cases() {
  std::vector<BenchCase> c = standard_cases();
  c.push_back({"17x2160x3840 f32", 3840, 2160, 17, ElemType::kFloat32, false});
  c.push_back({"8192x8192 f32", 8192, 8192, 1, ElemType::kFloat32, false});
  return c;
}

// The scene make_bench_map renders, for rendering it again on the GPU.
inline SceneConfig bench_scene_config(const BenchCase& c, std::uint64_t seed = 1) {
  SceneConfig cfg;
  cfg.width = c.width;
  cfg.height = c.height;
  cfg.seed = seed;
  if (c.channels > 1) {
    cfg.subjects = c.channels;
    cfg.fwhm = 4;
  } else {
    cfg.subjects = 40;
    cfg.fwhm = 33.0 * std::max(c.width, c.height) / 256.0;
  }
  return cfg;
}

// One Gaussian blob per channel for stacks (a pose network's output), a 40-subject scene
// with FWHM 33/256 of the width otherwise.
inline Heatmap make_bench_map(const BenchCase& c, std::uint64_t seed = 1) {
  const Scene scene(bench_scene_config(c, seed));
  return c.channels > 1 ? scene.render_per_subject(c.type) : scene.render(c.type);
}

}  // namespace peakscope::bench
