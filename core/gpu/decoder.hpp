// One decoding API over both engines: the GL compute engine when it can run, the CPU engine
// otherwise, chosen at run time with the reason stated once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/cpu_engine.hpp"
#include "core/decode.hpp"
#include "core/engine.hpp"
#include "core/heatmap.hpp"

namespace peakscope::gpu {

class GlEngine;
class HeadlessContext;

using peakscope::Backend;  // core/engine.hpp
using peakscope::backend_name;
using peakscope::parse_backend;

// True when an EGL or GLX context is current on this thread.
bool has_current_context();

class Decoder {
 public:
  // want: kAuto / kGpu try the GPU, kCpu never does; PEAKSCOPE_BACKEND=cpu in the
  // environment forces the CPU. kAuto also prefers the CPU on a software rasteriser
  // (llvmpipe), where the SIMD CPU engine is much faster than emulated shaders. headless = true
  // creates an EGL context of its own (CLI, tests, benchmark); false uses the context current on
  // this thread (the viewer's). Never throws for an unavailable GPU: it falls back and
  // fallback_reason() says why; `quiet` = false also prints that reason once to stderr.
  Decoder(Backend want, bool headless, bool quiet = false);
  ~Decoder();

  // Decodes every channel on the active engine. If the GPU fails at run time (e.g. a frame
  // beyond its limits) this frame and later ones go to the CPU, and the reason is recorded.
  std::vector<Keypoint> decode(const HeatmapView& map, const DecodeOptions& opt);

  bool on_gpu() const { return gl_ != nullptr; }
  // Empty when the requested engine runs; otherwise why the CPU took over.
  const std::string& fallback_reason() const { return reason_; }
  // "GPU (renderer...)" or "CPU (AVX2, 2 threads)".
  std::string description() const;

  GlEngine* gl() { return gl_.get(); }
  CpuEngine& cpu() { return cpu_; }
  // Switches to the CPU for good, recording why (used by callers that hit GL errors).
  void fall_back(const std::string& why);

 private:
  CpuEngine cpu_;
  std::unique_ptr<HeadlessContext> ctx_;
  std::unique_ptr<GlEngine> gl_;
  std::string reason_;
  bool quiet_;
};

}  // namespace peakscope::gpu
