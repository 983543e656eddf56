#include "core/engine/select_engine.hpp"

#include <cstdio>
#include <stdexcept>

#include "core/cpu/cpu_engine.hpp"
#include "core/engine/auto_engine.hpp"
#include "core/engine/fallback_engine.hpp"
#include "core/gpu/device_traits.hpp"
#include "core/gpu/egl_context.hpp"
#include "core/gpu/gl_engine.hpp"

namespace peakscope {

using gpu::device_env;
using gpu::device_traits;
using gpu::DeviceEnv;
using gpu::GlEngine;
using gpu::GlError;
using gpu::has_current_context;
using gpu::HeadlessContext;
namespace {

void say(const std::string& reason, bool quiet) {
  if (!quiet && !reason.empty()) std::fprintf(stderr, "peakscope: %s\n", reason.c_str());
}

}  // namespace

// ---------------------------------------------------------------------------------------
// select_engine
// ---------------------------------------------------------------------------------------

EngineChoice select_engine(Backend want, ContextMode mode, bool quiet) {
  auto cpu_with = [&](const std::string& why) {
    EngineChoice c{std::make_unique<CpuEngine>(),
                   why.empty() ? std::string() : "GPU unavailable, using the CPU engine: " + why};
    say(c.reason, quiet);
    return c;
  };
  const DeviceEnv env = device_env();
  if (env.force_cpu) return cpu_with(want == Backend::kCpu ? "" : "PEAKSCOPE_BACKEND=cpu is set");
  if (want == Backend::kCpu) return cpu_with("");

  std::unique_ptr<HeadlessContext> ctx;
  if (mode == ContextMode::kOwnHeadless) {
    std::string why;
    ctx = HeadlessContext::create(&why);
    if (!ctx) return cpu_with(why);
  } else if (!has_current_context()) {
    return cpu_with("no current OpenGL context on this thread");
  }
  std::unique_ptr<GlEngine> gl;
  std::string renderer;
  try {
    std::unique_ptr<HeadlessContext::Bind> bind;
    if (ctx) bind = std::make_unique<HeadlessContext::Bind>(*ctx);
    gl = std::make_unique<GlEngine>();
    renderer = gl->renderer();
    if (want == Backend::kAuto && device_traits(renderer, env).software_rasteriser) gl.reset();
  } catch (const std::exception& e) {
    gl.reset();
    ctx.reset();
    return cpu_with(e.what());
  }
  if (!gl) {
    ctx.reset();
    EngineChoice c{std::make_unique<CpuEngine>(),
                   "the OpenGL renderer is a software rasteriser (" + renderer +
                       "); the CPU engine is faster on it (--backend gpu forces the GL path)"};
    say(c.reason, quiet);
    return c;
  }
  auto gpu_engine = std::make_unique<FallbackEngine>(std::move(ctx), std::move(gl), quiet);
  if (want == Backend::kAuto)  // a hardware GPU: the faster engine, by measurement
    return {
        std::make_unique<AutoEngine>(std::move(gpu_engine), std::make_unique<CpuEngine>(), quiet),
        {}};
  return {std::move(gpu_engine), {}};
}

}  // namespace peakscope
