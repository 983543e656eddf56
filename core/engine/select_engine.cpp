#include "core/engine/select_engine.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "core/cpu/cpu_engine.hpp"
#include "core/engine/auto_engine.hpp"
#include "core/engine/fallback_engine.hpp"
#include "core/gpu/egl_context.hpp"
#include "core/gpu/gl_engine.hpp"

namespace peakscope {

using gpu::GlEngine;
using gpu::GlError;
using gpu::has_current_context;
using gpu::HeadlessContext;
using gpu::software_rasteriser;
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
  const char* env = std::getenv("PEAKSCOPE_BACKEND");
  if (env && std::string_view(env) == "cpu")
    return cpu_with(want == Backend::kCpu ? "" : "PEAKSCOPE_BACKEND=cpu is set");
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
    if (want == Backend::kAuto && software_rasteriser(renderer)) gl.reset();
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
