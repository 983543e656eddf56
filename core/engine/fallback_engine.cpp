#include "core/engine/fallback_engine.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

#include "core/cpu/cpu_engine.hpp"
#include "core/gpu/egl_context.hpp"
#include "core/gpu/gl_engine.hpp"

namespace peakscope {

using gpu::GlEngine;
using gpu::GlError;
using gpu::HeadlessContext;
namespace {

void say(const std::string& reason, bool quiet) {
  if (!quiet && !reason.empty()) std::fprintf(stderr, "peakscope: %s\n", reason.c_str());
}

}  // namespace

// ---------------------------------------------------------------------------------------
// FallbackEngine
// ---------------------------------------------------------------------------------------

FallbackEngine::FallbackEngine(std::unique_ptr<HeadlessContext> ctx, std::unique_ptr<GlEngine> gl,
                               bool quiet)
    : ctx_(std::move(ctx)), gl_(std::move(gl)), quiet_(quiet) {}

FallbackEngine::~FallbackEngine() {
  release_gl();
}

void FallbackEngine::release_gl() {
  // GL objects go on their own context, before it; if it cannot be made current here the
  // engine leaves them to the context's destruction.
  if (gl_ && ctx_) {
    try {
      HeadlessContext::Bind bind(*ctx_);
      gl_.reset();
    } catch (const std::exception&) {
    }
  }
  gl_.reset();
  ctx_.reset();
}

CpuEngine& FallbackEngine::cpu() {
  if (!cpu_) cpu_ = std::make_unique<CpuEngine>();
  return *cpu_;
}

void FallbackEngine::fall_back(const std::string& why) {
  release_gl();
  reason_ = "the GPU failed, using the CPU engine from now on: " + why;
  say(reason_, quiet_);
}

// Runs f with the engine's own context current (if it has one); GlError passes through.
template <typename F>
auto FallbackEngine::on_gpu(F&& f) {
  if (ctx_) {
    HeadlessContext::Bind bind(*ctx_, std::this_thread::get_id() == home_);
    return f();
  }
  return f();
}

std::vector<Keypoint> FallbackEngine::decode(const HeatmapView& map, const DecodeOptions& opt) {
  if (gl_) {
    try {
      auto k = on_gpu([&] { return gl_->decode(map, opt); });
      last_ = Backend::kGpu;
      return k;
    } catch (const GlError& e) {
      fall_back(e.what());
    }
  }
  last_ = Backend::kCpu;
  return cpu().decode(map, opt);
}

std::vector<Keypoint> FallbackEngine::decode_scene(const Scene& scene, bool per_subject,
                                                   ElemType type, const DecodeOptions& opt) {
  if (gl_) {
    try {
      auto k = on_gpu([&] { return gl_->decode_scene(scene, per_subject, type, opt); });
      last_ = Backend::kGpu;
      return k;
    } catch (const GlError& e) {
      fall_back(e.what());
    }
  }
  last_ = Backend::kCpu;
  return cpu().decode_scene(scene, per_subject, type, opt);
}

MutableHeatmapView FallbackEngine::acquire_frame(ElemType type, int width, int height,
                                                 int channels) {
  acquired_ = Acquired::kNone;
  if (gl_) {
    try {
      acquired_view_ = on_gpu([&] { return gl_->acquire_frame(type, width, height, channels); });
      acquired_ = Acquired::kGpu;
      return acquired_view_;
    } catch (const GlError& e) {
      fall_back(e.what());
    }
  }
  acquired_view_ = cpu().acquire_frame(type, width, height, channels);
  acquired_ = Acquired::kCpu;
  return acquired_view_;
}

std::vector<Keypoint> FallbackEngine::decode_acquired(const DecodeOptions& opt) {
  opt.validate();
  const Acquired on = acquired_;
  acquired_ = Acquired::kNone;
  if (on == Acquired::kNone) throw std::logic_error("decode_acquired without acquire_frame");
  if (on == Acquired::kGpu) {
    if (!gl_)
      throw std::logic_error("decode_acquired: the GPU engine went away since acquire_frame");
    try {
      auto k = on_gpu([&] { return gl_->decode_acquired(opt); });
      last_ = Backend::kGpu;
      return k;
    } catch (const GlError& e) {
      // The frame is still in the mapped staging memory, which goes with the GPU: copy it out
      // first.
      const HeatmapView written = acquired_view_.view();
      if (!rescued_.has_shape(written.type, written.width, written.height, written.channels))
        rescued_ = Heatmap(written.width, written.height, written.channels, written.type);
      copy_heatmap(written, rescued_.mutable_view());
      fall_back(e.what());
      last_ = Backend::kCpu;
      return cpu().decode(rescued_.view(), opt);
    }
  }
  last_ = Backend::kCpu;
  return cpu().decode_acquired(opt);
}

SoftmaxImage FallbackEngine::softmax(const HeatmapView& map, int c, const DecodeOptions& opt) {
  if (gl_) {
    try {
      auto img = on_gpu([&] { return gl_->softmax(map, c, opt); });
      last_ = Backend::kGpu;
      return img;
    } catch (const GlError& e) {
      fall_back(e.what());
    }
  }
  last_ = Backend::kCpu;
  return cpu().softmax(map, c, opt);
}

SoftmaxImage FallbackEngine::last_softmax(int c) {
  if (gl_) {
    try {
      return on_gpu([&] { return gl_->last_softmax(c); });
    } catch (const GlError& e) {
      // The frame is gone with the GPU: the caller decodes again (now on the CPU).
      fall_back(e.what());
      throw std::logic_error("last_softmax: the GPU failed (" + std::string(e.what()) +
                             "); decode the frame again");
    }
  }
  return cpu().last_softmax(c);
}

std::uint32_t FallbackEngine::last_values_texture(int c) {
  if (gl_ && last_ == Backend::kGpu) {
    try {
      return on_gpu([&] { return gl_->last_values_texture(c); });
    } catch (const GlError& e) {
      fall_back(e.what());
    }
  }
  return 0;
}

template <typename G, typename C>
auto FallbackEngine::on_last_frame(const char* what, G&& on_gl, C&& on_cpu) {
  if (gl_ && last_ == Backend::kGpu) {
    try {
      return on_gpu([&] { return on_gl(*gl_); });
    } catch (const GlError& e) {
      fall_back(e.what());
      throw std::logic_error(std::string(what) + ": the GPU failed (" + e.what() +
                             "); decode the frame again");
    }
  }
  return on_cpu(cpu());
}

std::vector<PeakWindow> FallbackEngine::last_windows(int radius) {
  return on_last_frame(
      "last_windows", [&](GlEngine& g) { return g.last_windows(radius); },
      [&](CpuEngine& c) { return c.last_windows(radius); });
}

double FallbackEngine::last_blurred_max(int c, int kernel) {
  return on_last_frame(
      "last_blurred_max", [&](GlEngine& g) { return g.last_blurred_max(c, kernel); },
      [&](CpuEngine& e) { return e.last_blurred_max(c, kernel); });
}

BetaGrid FallbackEngine::last_beta_grid(const std::vector<double>& betas, bool normalize,
                                        bool debiased) {
  return on_last_frame(
      "last_beta_grid", [&](GlEngine& g) { return g.last_beta_grid(betas, normalize, debiased); },
      [&](CpuEngine& c) { return c.last_beta_grid(betas, normalize, debiased); });
}

std::string FallbackEngine::description() const {
  if (gl_) return gl_->description();
  return cpu_ ? cpu_->description() : CpuEngine(1).description();
}

}  // namespace peakscope
