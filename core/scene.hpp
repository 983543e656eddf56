// The seed's synthetic scene: Gaussian blobs with known ground truth, still or animated.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "core/heatmap.hpp"

namespace peakscope {

struct Subject {
  double x = 0, y = 0;  // peak centre in pixels (pixel centres at integers)
  double weight = 1;    // peak height before normalisation
};

// exp(-4 ln2 ((x-x0)^2 + (y-y0)^2) / fwhm^2): a Gaussian of full width at half maximum
// `fwhm` pixels, 1 at its centre.
double gaussian_mask(double x, double y, double x0, double y0, double fwhm);

struct SceneConfig {
  int width = 256, height = 256;
  int subjects = 40;
  double fwhm = 33;         // sigma of the seed: the full width at half maximum
  double min_weight = 0.2;  // weights drawn uniformly from [min_weight, 1]
  std::uint64_t seed = 0;
  double speed = 1.5;  // animated mode: pixels per frame (mean)
};

// A scene of N subjects. render() sums their Gaussians and normalises to [0, 1] (float) or
// 0..255 (uint8, rounded), as the seed does. Deterministic for a given seed.
class Scene {
 public:
  explicit Scene(const SceneConfig& cfg);

  const SceneConfig& config() const { return cfg_; }
  const std::vector<Subject>& subjects() const { return subjects_; }
  int frame() const { return frame_; }

  // Ground truth: the subject positions. The heaviest subject first.
  std::vector<Subject> ground_truth() const;

  // Renders into a float [0,1] or uint8 [0,255] single-channel map.
  Heatmap render(ElemType type = ElemType::kFloat32) const;
  // Renders one channel per subject (each normalised to its own peak) into a K x H x W stack.
  Heatmap render_per_subject(ElemType type = ElemType::kFloat32) const;

  // The same frames written into caller memory (an engine's frame memory, any strides, type
  // from dst): dst must have the scene's width and height and 1 channel (render_into) or one
  // per subject (render_per_subject_into); throws std::invalid_argument otherwise. The values
  // are bit for bit those of render / render_per_subject.
  void render_into(const MutableHeatmapView& dst) const;
  void render_per_subject_into(const MutableHeatmapView& dst) const;

  // Animated mode: moves every subject smoothly (velocity with gentle random steering,
  // bouncing at the borders) by one frame.
  void step();

 private:
  SceneConfig cfg_;
  std::mt19937_64 rng_;
  std::vector<Subject> subjects_;
  std::vector<double> vx_, vy_;
  int frame_ = 0;
};

// The seed's 4x4 toy array.
inline constexpr float kToyArray[16] = {13, 73, 41, 82, 44, 69, 29, 26,
                                        37, 3,  14, 43, 38, 50, 9,  45};

}  // namespace peakscope
