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

std::vector<Keypoint> AutoEngine::measure(const HeatmapView& map, const DecodeOptions& opt) {
  using Clock = std::chrono::steady_clock;
  std::vector<Keypoint> out;
  // One warm-up (buffers sized, shaders and caches warm), then the best of two.
  auto time_ms = [&](Engine& e) {
    e.decode(map, opt);
    double best = std::numeric_limits<double>::infinity();
    for (int i = 0; i < 2; ++i) {
      const auto t0 = Clock::now();
      out = e.decode(map, opt);
      best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return best;
  };
  const double g = time_ms(*gpu_);
  const bool gpu_ran = gpu_->last_decode_backend() == Backend::kGpu;
  std::vector<Keypoint> gpu_out = out;
  const double c = time_ms(*cpu_);
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
  if (!quiet_)
    std::fprintf(stderr, "peakscope: auto backend (%d x %d x %d %s): %s\n", map.channels,
                 map.height, map.width, elem_name(map.type), decision_.c_str());
  return use_gpu_ ? gpu_out : out;
}

std::vector<Keypoint> AutoEngine::decode(const HeatmapView& map, const DecodeOptions& opt) {
  map.validate();
  opt.validate();
  const Shape s{map.type, map.width, map.height, map.channels};
  if (!measured_ || !(s == shape_)) {
    shape_ = s;
    std::vector<Keypoint> k = measure(map, opt);
    last_engine_ = &chosen();  // both engines decoded this frame; the keypoints are its
    return k;
  }
  if (use_gpu_) {
    last_engine_ = gpu_.get();  // holds the frame even when it fell back inside
    std::vector<Keypoint> k = gpu_->decode(map, opt);
    if (gpu_->last_decode_backend() != Backend::kGpu) use_gpu_ = false;  // it fell back
    return k;
  }
  last_engine_ = cpu_.get();
  return cpu_->decode(map, opt);
}

std::vector<Keypoint> AutoEngine::decode_scene(const Scene& scene, bool per_subject, ElemType type,
                                               const DecodeOptions& opt) {
  if (gpu_->kind() == Backend::kGpu) {
    std::vector<Keypoint> k = gpu_->decode_scene(scene, per_subject, type, opt);
    if (gpu_->last_decode_backend() == Backend::kGpu) {
      use_gpu_ = true;
      measured_ = false;  // host frames are measured again when they come
      last_engine_ = gpu_.get();
      return k;
    }
  }
  use_gpu_ = false;
  last_engine_ = cpu_.get();
  return cpu_->decode_scene(scene, per_subject, type, opt);
}

MutableHeatmapView AutoEngine::acquire_frame(ElemType type, int width, int height, int channels) {
  acquired_ = Acquired::kNone;
  if (!measured_ || !(Shape{type, width, height, channels} == shape_)) {
    if (width <= 0 || height <= 0 || channels <= 0)
      throw std::invalid_argument("acquire_frame: bad size " + std::to_string(channels) + " x " +
                                  std::to_string(height) + " x " + std::to_string(width));
    if (!to_measure_.has_shape(type, width, height, channels))
      to_measure_ = Heatmap(width, height, channels, type);
    acquired_ = Acquired::kOwn;
    return to_measure_.mutable_view();
  }
  MutableHeatmapView v = chosen().acquire_frame(type, width, height, channels);
  acquired_ = Acquired::kChosen;
  return v;
}

std::vector<Keypoint> AutoEngine::decode_acquired(const DecodeOptions& opt) {
  opt.validate();
  const Acquired on = acquired_;
  acquired_ = Acquired::kNone;
  if (on == Acquired::kNone) throw std::logic_error("decode_acquired without acquire_frame");
  if (on == Acquired::kOwn) return decode(to_measure_.view(), opt);  // measures this shape
  if (use_gpu_) {
    last_engine_ = gpu_.get();  // holds the frame even when it fell back inside
    std::vector<Keypoint> k = gpu_->decode_acquired(opt);
    if (gpu_->last_decode_backend() != Backend::kGpu) use_gpu_ = false;  // it fell back
    return k;
  }
  last_engine_ = cpu_.get();
  return cpu_->decode_acquired(opt);
}

SoftmaxImage AutoEngine::softmax(const HeatmapView& map, int c, const DecodeOptions& opt) {
  last_engine_ = &chosen();
  return chosen().softmax(map, c, opt);
}

Engine& AutoEngine::last_engine(const char* what) {
  if (!last_engine_) throw std::logic_error(std::string(what) + " before any decode");
  return *last_engine_;
}

SoftmaxImage AutoEngine::last_softmax(int c) {
  return last_engine("last_softmax").last_softmax(c);
}

std::uint32_t AutoEngine::last_values_texture(int c) {
  return last_engine("last_values_texture").last_values_texture(c);
}

std::vector<PeakWindow> AutoEngine::last_windows(int radius) {
  return last_engine("last_windows").last_windows(radius);
}

double AutoEngine::last_blurred_max(int c, int kernel) {
  return last_engine("last_blurred_max").last_blurred_max(c, kernel);
}

BetaGrid AutoEngine::last_beta_grid(const std::vector<double>& betas, bool normalize,
                                    bool debiased) {
  return last_engine("last_beta_grid").last_beta_grid(betas, normalize, debiased);
}

Backend AutoEngine::kind() const {
  return use_gpu_ ? gpu_->kind() : Backend::kCpu;
}

Backend AutoEngine::last_decode_backend() const {
  return use_gpu_ ? gpu_->last_decode_backend() : Backend::kCpu;
}

std::string AutoEngine::fallback_reason() const {
  if (use_gpu_) return gpu_->fallback_reason();
  return "auto: " + decision_;
}

std::string AutoEngine::description() const {
  return chosen().description() + (decision_.empty() ? "" : " [auto: " + decision_ + "]");
}

}  // namespace peakscope
