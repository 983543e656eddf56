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

// A GPU frame's queries with the engine's context current; a GPU failure moves the engine
// to the CPU (the frame is gone with the GPU: the caller decodes it again).
class FallbackEngine::Frame : public FrameQueries {
 public:
  Frame(FallbackEngine& e, std::shared_ptr<FrameQueries> gl) : e_(e), gl_(std::move(gl)) {}

 private:
  // Defined before its callers below (its return type is deduced).
  template <typename F>
  auto run(const char* what, F&& f) {
    if (!e_.gl_)
      throw std::logic_error(std::string(what) +
                             ": the GPU engine that decoded the frame is gone; decode the frame "
                             "again");
    try {
      return e_.on_gpu(f);
    } catch (const GlError& err) {
      e_.fall_back(err.what());
      throw std::logic_error(std::string(what) + ": the GPU failed (" + err.what() +
                             "); decode the frame again");
    }
  }

 public:
  SoftmaxImage softmax(int c, const Keypoint& kp) override {
    return run("softmax", [&] { return gl_->softmax(c, kp); });
  }
  std::uint32_t values_texture(int c) override {
    return run("values_texture", [&] { return gl_->values_texture(c); });
  }
  std::vector<PeakWindow> windows(int radius, const std::vector<Keypoint>& kps) override {
    return run("windows", [&] { return gl_->windows(radius, kps); });
  }
  double blurred_max(int c, int kernel) override {
    return run("blurred_max", [&] { return gl_->blurred_max(c, kernel); });
  }
  BetaGrid beta_grid(const std::vector<double>& betas, bool normalize, bool debiased) override {
    return run("beta_grid", [&] { return gl_->beta_grid(betas, normalize, debiased); });
  }

 private:
  FallbackEngine& e_;
  std::shared_ptr<FrameQueries> gl_;
};

DecodedFrame FallbackEngine::mine(DecodedFrame f, bool gpu) {
  if (gpu)
    f.wrap_queries(std::make_shared<Frame>(*this, f.queries()));
  else
    f.set_backend(Backend::kCpu, reason_);
  f.guard_with(generation_.guard());
  return f;
}

FrameSlot FallbackEngine::acquire(const FrameShape& shape) {
  shape.validate();
  generation_.advance();
  if (gl_) {
    try {
      return on_gpu([&] { return gl_->acquire(shape); });
    } catch (const GlError& e) {
      fall_back(e.what());
    }
  }
  return cpu().acquire(shape);
}

DecodedFrame FallbackEngine::decode(FrameSlot slot, const DecodeOptions& opt) {
  opt.validate();
  if (gl_ && slot.owner() == gl_.get()) {
    const HeatmapView written = slot.frame();
    try {
      return mine(on_gpu([&] { return gl_->decode(std::move(slot), opt); }), true);
    } catch (const GlError& e) {
      // The frame is still in the mapped staging memory, which goes with the GPU: copy it out
      // first.
      if (!rescued_.has_shape(written.type, written.width, written.height, written.channels))
        rescued_ = Heatmap(written.width, written.height, written.channels, written.type);
      copy_heatmap(written, rescued_.mutable_view());
      fall_back(e.what());
      return mine(cpu().decode(rescued_.view(), opt), false);
    }
  }
  if (cpu_ && slot.owner() == cpu_.get()) return mine(cpu_->decode(std::move(slot), opt), false);
  throw std::logic_error(
      "FallbackEngine::decode: the slot was not handed out by this engine's current engine "
      "(the GPU may have failed since it was acquired)");
}

DecodedFrame FallbackEngine::decode(const HeatmapView& frame, const DecodeOptions& opt) {
  frame.validate();
  opt.validate();
  generation_.advance();
  if (gl_) {
    try {
      return mine(on_gpu([&] { return gl_->decode(frame, opt); }), true);
    } catch (const GlError& e) {
      fall_back(e.what());
    }
  }
  return mine(cpu().decode(frame, opt), false);
}

DecodedFrame FallbackEngine::decode(const FrameWriter& source, const DecodeOptions& opt) {
  opt.validate();
  source.shape().validate();
  generation_.advance();
  if (gl_) {
    try {
      return mine(on_gpu([&] { return gl_->decode(source, opt); }), true);
    } catch (const GlError& e) {
      fall_back(e.what());  // the source writes its frame again, into the CPU's memory
    }
  }
  return mine(cpu().decode(source, opt), false);
}

bool FallbackEngine::makes_itself(const FrameWriter& source) const {
  return gl_ && gl_->makes_itself(source);
}

std::string FallbackEngine::description() const {
  if (gl_) return gl_->description();
  return cpu_ ? cpu_->description() : CpuEngine(1).description();
}

}  // namespace peakscope
