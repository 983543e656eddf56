#include "core/gpu/decoder.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <dlfcn.h>
#include <epoxy/egl.h>

#include "core/gpu/egl_context.hpp"
#include "core/gpu/gl_engine.hpp"

namespace peakscope::gpu {

bool has_current_context() {
  if (epoxy_has_egl() && eglGetCurrentContext() != EGL_NO_CONTEXT) return true;
  // GLX: only if a GLX library is already loaded (RTLD_NOLOAD); otherwise none can be current.
  for (const char* lib : {"libGLX.so.0", "libGL.so.1"}) {
    void* h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD);
    if (!h) continue;
    using GetCurrent = void* (*)();
    auto fn = reinterpret_cast<GetCurrent>(dlsym(h, "glXGetCurrentContext"));
    const bool current = fn && fn() != nullptr;
    dlclose(h);
    if (current) return true;
  }
  return false;
}

Decoder::Decoder(Backend want, bool headless, bool quiet) : quiet_(quiet) {
  const char* env = std::getenv("PEAKSCOPE_BACKEND");
  if (env && std::string_view(env) == "cpu") {
    if (want != Backend::kCpu) fall_back("PEAKSCOPE_BACKEND=cpu is set");
    return;
  }
  if (want == Backend::kCpu) return;
  std::string why;
  if (headless) {
    ctx_ = HeadlessContext::create(&why);
    if (!ctx_) {
      fall_back(why);
      return;
    }
  } else if (!has_current_context()) {
    fall_back("no current OpenGL context on this thread");
    return;
  }
  try {
    gl_ = std::make_unique<GlEngine>();
  } catch (const std::exception& e) {
    fall_back(e.what());
    return;
  }
  // A software rasteriser runs "GPU" shaders on these same CPU cores, far slower than the
  // SIMD CPU engine: auto picks the CPU there (--backend gpu still forces the GL path).
  const std::string r = gl_->renderer();
  if (want == Backend::kAuto &&
      (r.find("llvmpipe") != std::string::npos || r.find("softpipe") != std::string::npos ||
       r.find("SWR") != std::string::npos)) {
    gl_.reset();
    reason_ = "the OpenGL renderer is a software rasteriser (" + r +
              "); the CPU engine is faster on it (--backend gpu forces the GL path)";
    if (!quiet_) std::fprintf(stderr, "peakscope: %s\n", reason_.c_str());
  }
}

Decoder::~Decoder() {
  gl_.reset();  // GL objects go before their context
  ctx_.reset();
}

void Decoder::fall_back(const std::string& why) {
  gl_.reset();
  reason_ = "GPU unavailable, using the CPU engine: " + why;
  if (!quiet_) std::fprintf(stderr, "peakscope: %s\n", reason_.c_str());
}

std::vector<Keypoint> Decoder::decode(const HeatmapView& map, const DecodeOptions& opt) {
  if (gl_) {
    try {
      return gl_->decode(map, opt);
    } catch (const GlError& e) {
      fall_back(e.what());
    }
  }
  return cpu_.decode(map, opt);
}

std::string Decoder::description() const {
  if (gl_) return "GPU (" + gl_->renderer() + ")";
  return std::string("CPU (") + CpuEngine::simd_target() + ", " + std::to_string(cpu_.threads()) +
         " threads)";
}

}  // namespace peakscope::gpu
