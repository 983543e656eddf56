// Backend::kAuto on a hardware GPU: the faster engine for the frames at hand, by measurement.
// On the first frame, and again whenever the frame's size, channel count or element type
// changes, it decodes that frame with both engines (one warm-up, then the best of two timed
// runs each) and keeps the faster; the decision reads "GPU 0.19 ms, CPU 1.8 ms: GPU". Both
// engines decode the same frame, so the answer is the same whichever wins.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/engine/engine.hpp"

namespace peakscope {

class AutoEngine : public Engine {
 public:
  // gpu: the GPU engine (may fall back to the CPU by itself); cpu: the CPU engine. quiet: do
  // not print each decision to stderr.
  AutoEngine(std::unique_ptr<Engine> gpu, std::unique_ptr<Engine> cpu, bool quiet);

  std::vector<Keypoint> decode(const HeatmapView& map, const DecodeOptions& opt) override;
  // A scene made on the GPU never crosses from the host: the GPU takes it when it runs.
  std::vector<Keypoint> decode_scene(const Scene& scene, bool per_subject, ElemType type,
                                     const DecodeOptions& opt) override;
  // The chosen engine's frame memory; while a shape is still to be measured (its first
  // frame), a host buffer of this engine's, and decode_acquired measures both engines on the
  // frame written there (as decode would), so the choice is made on host frames.
  MutableHeatmapView acquire_frame(ElemType type, int width, int height, int channels) override;
  std::vector<Keypoint> decode_acquired(const DecodeOptions& opt) override;
  SoftmaxImage softmax(const HeatmapView& map, int c, const DecodeOptions& opt) override;
  SoftmaxImage last_softmax(int c) override;
  std::uint32_t last_values_texture(int c) override;
  std::vector<PeakWindow> last_windows(int radius) override;
  double last_blurred_max(int c, int kernel) override;
  BetaGrid last_beta_grid(const std::vector<double>& betas, bool normalize, bool debiased) override;
  // The engine chosen for the current frames (the GPU until the first measurement).
  Backend kind() const override;
  Backend last_decode_backend() const override;
  // Empty while the GPU runs; otherwise why the CPU does (the measurement, or the GPU's
  // failure).
  std::string fallback_reason() const override;
  std::string description() const override;

  // The last measurement ("GPU 0.19 ms, CPU 1.8 ms: GPU"), empty before the first frame.
  const std::string& decision() const { return decision_; }
  // How many times both engines were timed (one per change of frame shape).
  int measurements() const { return measurements_; }

 private:
  struct Shape {
    ElemType type;
    int width, height, channels;
    bool operator==(const Shape&) const = default;
  };
  std::vector<Keypoint> measure(const HeatmapView& map, const DecodeOptions& opt);
  Engine& chosen() { return use_gpu_ ? *gpu_ : *cpu_; }
  // The engine that decoded the last frame (what last_softmax and the lab refer to): the GPU
  // engine whenever it was asked, even when it fell back inside (its CPU then holds the frame).
  Engine& last_engine(const char* what);
  const Engine& chosen() const { return use_gpu_ ? *gpu_ : *cpu_; }

  std::unique_ptr<Engine> gpu_, cpu_;
  Engine* last_engine_ = nullptr;
  bool quiet_;
  bool measured_ = false, use_gpu_ = true;
  Shape shape_{};
  std::string decision_;
  int measurements_ = 0;
  enum class Acquired { kNone, kOwn, kChosen } acquired_ = Acquired::kNone;
  Heatmap to_measure_;  // the frame memory handed out while a shape is to be measured
};

}  // namespace peakscope
