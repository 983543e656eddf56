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

  std::vector<Keypoint> decode(const HeatmapView& map, const DecodeOptions& opt) override;
  std::vector<Keypoint> decode_scene(const Scene& scene, bool per_subject, ElemType type,
                                     const DecodeOptions& opt) override;
  // The GL engine's staging slot while it runs, else the CPU engine's memory. A GPU failure
  // in decode_acquired still decodes the written frame: it is copied out of the mapped memory
  // before the GPU is released, and the CPU decodes the copy.
  MutableHeatmapView acquire_frame(ElemType type, int width, int height, int channels) override;
  std::vector<Keypoint> decode_acquired(const DecodeOptions& opt) override;
  SoftmaxImage softmax(const HeatmapView& map, int c, const DecodeOptions& opt) override;
  SoftmaxImage last_softmax(int c) override;
  std::uint32_t last_values_texture(int c) override;
  std::vector<PeakWindow> last_windows(int radius) override;
  double last_blurred_max(int c, int kernel) override;
  BetaGrid last_beta_grid(const std::vector<double>& betas, bool normalize, bool debiased) override;
  Backend kind() const override { return gl_ ? Backend::kGpu : Backend::kCpu; }
  Backend last_decode_backend() const override { return last_; }
  std::string fallback_reason() const override { return reason_; }
  std::string description() const override;

  // The GL engine while it runs (nullptr after a fallback). Its calls need its context
  // current: headless_context() is it when the engine owns one.
  gpu::GlEngine* gl() { return gl_.get(); }
  gpu::HeadlessContext* headless_context() { return ctx_.get(); }
  // Moves to the CPU for good, recording why (printed once unless quiet).
  void fall_back(const std::string& why);

 private:
  template <typename F>
  auto on_gpu(F&& f);
  // A lab primitive on the frame of the last decode: on the GPU when it decoded that frame;
  // a GPU failure moves to the CPU and throws std::logic_error (decode the frame again).
  template <typename G, typename C>
  auto on_last_frame(const char* what, G&& on_gl, C&& on_cpu);
  CpuEngine& cpu();
  void release_gl();

  std::unique_ptr<gpu::HeadlessContext> ctx_;
  std::unique_ptr<gpu::GlEngine> gl_;
  std::unique_ptr<CpuEngine> cpu_;  // created on the first fallback
  enum class Acquired { kNone, kGpu, kCpu } acquired_ = Acquired::kNone;
  MutableHeatmapView acquired_view_{};  // the memory of the last acquire_frame
  Heatmap rescued_;                     // a written frame copied out when the GPU failed
  std::string reason_;
  Backend last_ = Backend::kGpu;
  bool quiet_;
  std::thread::id home_ = std::this_thread::get_id();  // keeps its context current
};

}  // namespace peakscope
