// Deprecated adapter over select_engine (core/gpu/select_engine.hpp), kept only until the
// viewer holds an Engine itself; new code calls select_engine.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/cpu_engine.hpp"
#include "core/decode.hpp"
#include "core/engine.hpp"
#include "core/gpu/egl_context.hpp"
#include "core/heatmap.hpp"

namespace peakscope::gpu {

class GlEngine;

using peakscope::Backend;  // core/engine.hpp
using peakscope::backend_name;
using peakscope::parse_backend;

class Decoder {
 public:
  // select_engine(want, headless ? kOwnHeadless : kCurrent, quiet).
  Decoder(Backend want, bool headless, bool quiet = false);
  ~Decoder();

  std::vector<Keypoint> decode(const HeatmapView& map, const DecodeOptions& opt);
  bool on_gpu() const { return engine_->kind() == Backend::kGpu; }
  // Empty when the requested engine runs; otherwise why the CPU took over.
  const std::string& fallback_reason() const;
  std::string description() const { return engine_->description(); }

  Engine& engine() { return *engine_; }
  GlEngine* gl();
  CpuEngine& cpu() { return cpu_; }
  void fall_back(const std::string& why);

 private:
  CpuEngine cpu_;
  std::unique_ptr<Engine> engine_;
  std::string reason_;
  mutable std::string runtime_reason_;
};

}  // namespace peakscope::gpu
