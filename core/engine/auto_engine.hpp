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

  // The chosen engine's slot; while a shape is still to be measured (its first frame), a
  // host buffer of this engine's, and decode() measures both engines on the frame written
  // there, so the choice is made on host frames.
  FrameSlot acquire(const FrameShape& shape) override;
  DecodedFrame decode(FrameSlot slot, const DecodeOptions& opt) override;
  DecodedFrame decode(const HeatmapView& frame, const DecodeOptions& opt) override;
  // A frame the GPU can make itself (the synthetic scene) never crosses from the host: the
  // GPU takes it when it runs.
  DecodedFrame decode(const FrameWriter& source, const DecodeOptions& opt) override;
  bool makes_itself(const FrameWriter& source) const override;
  // The engine chosen for the current frames (the GPU until the first measurement).
  Backend kind() const override;
  // Empty while the GPU runs; otherwise why the CPU does (the measurement, or the GPU's
  // failure).
  std::string fallback_reason() const override;
  std::string description() const override;

  // The last measurement ("GPU 0.19 ms, CPU 1.8 ms: GPU"), empty before the first frame.
  const std::string& decision() const { return decision_; }
  // How many times both engines were timed (one per change of frame shape).
  int measurements() const { return measurements_; }

 private:
  DecodedFrame measure(const HeatmapView& map, const DecodeOptions& opt);
  // The chosen engine's frame, guarded by this engine's generation; a GPU that fell back
  // inside moves the choice to the CPU.
  DecodedFrame chosen_frame(DecodedFrame f);
  Engine& chosen() { return use_gpu_ ? *gpu_ : *cpu_; }
  const Engine& chosen() const { return use_gpu_ ? *gpu_ : *cpu_; }

  std::unique_ptr<Engine> gpu_, cpu_;
  bool quiet_;
  bool measured_ = false, use_gpu_ = true;
  FrameShape shape_{};
  std::string decision_;
  int measurements_ = 0;
  Heatmap to_measure_;  // the slot handed out while a shape is to be measured
  std::uint64_t ticket_ = 0;
};

}  // namespace peakscope
