#include "core/engine/auto_engine.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

namespace peakscope {

AutoEngine::AutoEngine(std::unique_ptr<Engine> gpu, std::unique_ptr<Engine> cpu, bool quiet)
    : gpu_(std::move(gpu)), cpu_(std::move(cpu)), quiet_(quiet) {}

DecodedFrame AutoEngine::measure(const HeatmapView& map, const DecodeOptions& opt) {
  using Clock = std::chrono::steady_clock;
  // One warm-up (buffers sized, shaders and caches warm), then the best of two.
  auto time_ms = [&](Engine& e, DecodedFrame* out) {
    e.decode(map, opt);
    double best = std::numeric_limits<double>::infinity();
    for (int i = 0; i < 2; ++i) {
      const auto t0 = Clock::now();
      *out = e.decode(map, opt);
      best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return best;
  };
  DecodedFrame on_gpu, on_cpu;
  const double g = time_ms(*gpu_, &on_gpu);
  const bool gpu_ran = on_gpu.backend() == Backend::kGpu;
  const double c = time_ms(*cpu_, &on_cpu);
  use_gpu_ = gpu_ran && g < c;
  char line[160];
  if (gpu_ran)
    std::snprintf(line, sizeof line, "GPU %.3g ms, CPU %.3g ms: %s", g, c,
                  use_gpu_ ? "GPU" : "CPU");
  else
    std::snprintf(line, sizeof line, "CPU %.3g ms; the GPU failed: %s", c,
                  gpu_->fallback_reason().c_str());
  decision_ = line;
  ++measurements_;
  measured_ = true;
  shape_ = FrameShape::of(map);
  if (!quiet_)
    std::fprintf(stderr, "peakscope: auto backend (%s): %s\n", shape_.str().c_str(),
                 decision_.c_str());
  // Both engines decoded this frame; the chosen one's frame answers the queries.
  DecodedFrame f = use_gpu_ ? std::move(on_gpu) : std::move(on_cpu);
  if (!use_gpu_) f.set_backend(Backend::kCpu, fallback_reason());
  f.guard_with(generation_.guard());
  return f;
}

DecodedFrame AutoEngine::chosen_frame(DecodedFrame f) {
  if (use_gpu_ && f.backend() != Backend::kGpu) use_gpu_ = false;  // the GPU fell back
  if (f.backend() == Backend::kCpu && f.fallback_reason().empty())
    f.set_backend(Backend::kCpu, fallback_reason());
  f.guard_with(generation_.guard());
  return f;
}

FrameSlot AutoEngine::acquire(const FrameShape& shape) {
  shape.validate();
  generation_.advance();
  if (!measured_ || !(shape == shape_)) {
    if (!to_measure_.has_shape(shape.type, shape.width, shape.height, shape.channels))
      to_measure_ = Heatmap(shape.width, shape.height, shape.channels, shape.type);
    return FrameSlot::writable(this, to_measure_.mutable_view(), ++ticket_);
  }
  ++ticket_;  // an earlier slot of this engine's is no longer the latest
  return chosen().acquire(shape);
}

DecodedFrame AutoEngine::decode(FrameSlot slot, const DecodeOptions& opt) {
  opt.validate();
  if (slot.owner() == this) {  // a shape to measure, written into this engine's buffer
    take_slot(slot, ticket_, "AutoEngine::decode");
    return measure(slot.frame(), opt);
  }
  return chosen_frame(chosen().decode(std::move(slot), opt));
}

DecodedFrame AutoEngine::decode(const HeatmapView& frame, const DecodeOptions& opt) {
  frame.validate();
  opt.validate();
  generation_.advance();
  ++ticket_;  // a slot handed out earlier is overtaken
  if (!measured_ || !(FrameShape::of(frame) == shape_)) return measure(frame, opt);
  return chosen_frame(chosen().decode(frame, opt));
}

DecodedFrame AutoEngine::decode(const FrameWriter& source, const DecodeOptions& opt) {
  opt.validate();
  if (!gpu_->makes_itself(source)) return Engine::decode(source, opt);  // acquire, write, decode
  generation_.advance();
  ++ticket_;
  DecodedFrame f = gpu_->decode(source, opt);
  if (f.backend() == Backend::kGpu) {
    use_gpu_ = true;
    measured_ = false;  // host frames are measured again when they come
  } else {
    use_gpu_ = false;
  }
  return chosen_frame(std::move(f));
}

bool AutoEngine::makes_itself(const FrameWriter& source) const {
  return gpu_->makes_itself(source);
}

Backend AutoEngine::kind() const {
  return use_gpu_ ? gpu_->kind() : Backend::kCpu;
}

std::string AutoEngine::fallback_reason() const {
  if (use_gpu_) return gpu_->fallback_reason();
  return "auto: " + decision_;
}

std::string AutoEngine::description() const {
  return chosen().description() + (decision_.empty() ? "" : " [auto: " + decision_ + "]");
}

}  // namespace peakscope
