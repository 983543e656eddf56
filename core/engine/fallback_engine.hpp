// The GL engine as select_engine hands it out: it owns its headless context (or uses the
// current one), makes that context current around every call (the creating thread keeps it
// current between calls unless it has a context of its own; any other thread takes it for
// the call and releases it, so threads can take turns, one call at a time), and when the GPU fails
// at run time (a frame beyond its limits, a lost context, a call from a thread where its context
// cannot be current) moves that frame and every later one to the CPU engine, recording why.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/engine/engine.hpp"

namespace peakscope {

namespace gpu {
class GlEngine;
}
namespace gpu {
class HeadlessContext;
}

class FallbackEngine : public Engine {
 public:
  // ctx: the engine's own context, or null when gl runs on the caller's current context.
  // gl must have been created on ctx (or on the current context). quiet: do not print the
  // fallback reason.
  FallbackEngine(std::unique_ptr<gpu::HeadlessContext> ctx, std::unique_ptr<gpu::GlEngine> gl,
                 bool quiet);
  ~FallbackEngine() override;

  // The GL engine's slot while it runs, else the CPU engine's memory. A GPU failure in
  // decode(slot) still decodes the written frame: it is copied out of the mapped memory
  // before the GPU is released, and the CPU decodes the copy.
  FrameSlot acquire(const FrameShape& shape) override;
  DecodedFrame decode(FrameSlot slot, const DecodeOptions& opt) override;
  DecodedFrame decode(const HeatmapView& frame, const DecodeOptions& opt) override;
  DecodedFrame decode(const FrameWriter& source, const DecodeOptions& opt) override;
  bool makes_itself(const FrameWriter& source) const override;
  // Frames decoded on the GPU answer their queries with the engine's context current; a GPU
  // failure in a query moves the engine to the CPU and throws std::logic_error (decode the
  // frame again).
  Backend kind() const override { return gl_ ? Backend::kGpu : Backend::kCpu; }
  std::string fallback_reason() const override { return reason_; }
  std::string description() const override;

  // The GL engine while it runs (nullptr after a fallback). Its calls need its context
  // current: headless_context() is it when the engine owns one.
  gpu::GlEngine* gl() { return gl_.get(); }
  gpu::HeadlessContext* headless_context() { return ctx_.get(); }
  // Moves to the CPU for good, recording why (printed once unless quiet).
  void fall_back(const std::string& why);

 private:
  class Frame;
  template <typename F>
  auto on_gpu(F&& f);
  // The frame as this engine reports it: guarded by its generation; a CPU frame says why.
  DecodedFrame mine(DecodedFrame f, bool gpu);
  CpuEngine& cpu();
  void release_gl();

  std::unique_ptr<gpu::HeadlessContext> ctx_;
  std::unique_ptr<gpu::GlEngine> gl_;
  std::unique_ptr<CpuEngine> cpu_;  // created on the first fallback
  Heatmap rescued_;                 // a written frame copied out when the GPU failed
  std::string reason_;
  bool quiet_;
  std::thread::id home_ = std::this_thread::get_id();  // keeps its context current
};

}  // namespace peakscope
