#include "core/gpu/egl_context.hpp"

#include <dlfcn.h>
#include <epoxy/egl.h>
#include <epoxy/gl.h>

#include <atomic>
#include <map>
#include <mutex>
#include <vector>

#include "core/gpu/gl_program.hpp"

namespace peakscope::gpu {
namespace {

// How many HeadlessContexts use each display: EGL hands every caller the same display per
// device, and eglTerminate would destroy every context on it.
std::mutex g_display_mutex;
std::map<EGLDisplay, int> g_display_users;

bool display_in_use(EGLDisplay dpy) {
  std::lock_guard<std::mutex> lock(g_display_mutex);
  auto it = g_display_users.find(dpy);
  return it != g_display_users.end() && it->second > 0;
}
// eglTerminate, unless a live HeadlessContext uses the display.
void terminate_unused(EGLDisplay dpy) {
  if (!display_in_use(dpy)) eglTerminate(dpy);
}

std::string egl_error_name(EGLint e) {
  switch (e) {
    case EGL_SUCCESS:
      return "EGL_SUCCESS";
    case EGL_NOT_INITIALIZED:
      return "EGL_NOT_INITIALIZED";
    case EGL_BAD_ACCESS:
      return "EGL_BAD_ACCESS";
    case EGL_BAD_ALLOC:
      return "EGL_BAD_ALLOC";
    case EGL_BAD_ATTRIBUTE:
      return "EGL_BAD_ATTRIBUTE";
    case EGL_BAD_CONFIG:
      return "EGL_BAD_CONFIG";
    case EGL_BAD_CONTEXT:
      return "EGL_BAD_CONTEXT";
    case EGL_BAD_DISPLAY:
      return "EGL_BAD_DISPLAY";
    case EGL_BAD_MATCH:
      return "EGL_BAD_MATCH";
    case EGL_BAD_PARAMETER:
      return "EGL_BAD_PARAMETER";
    default:
      return "EGL error " + std::to_string(e);
  }
}

// Tries one display: initialise, bind GL, create a 4.3 core context, make it current.
bool try_display(EGLDisplay dpy, EGLContext* ctx, std::string* why) {
  EGLint major = 0, minor = 0;
  if (dpy == EGL_NO_DISPLAY) {
    *why = "no display";
    return false;
  }
  if (!eglInitialize(dpy, &major, &minor)) {
    *why = "eglInitialize: " + egl_error_name(eglGetError());
    return false;
  }
  if (!eglBindAPI(EGL_OPENGL_API)) {
    *why = "eglBindAPI(OpenGL): " + egl_error_name(eglGetError());
    terminate_unused(dpy);
    return false;
  }
  const EGLint cfg_attr[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
  EGLConfig cfg = nullptr;
  EGLint n = 0;
  const bool no_config = epoxy_has_egl_extension(dpy, "EGL_KHR_no_config_context");
  if (!eglChooseConfig(dpy, cfg_attr, &cfg, 1, &n) || n < 1) {
    if (!no_config) {
      *why = "no OpenGL-renderable EGL config";
      terminate_unused(dpy);
      return false;
    }
    cfg = EGL_NO_CONFIG_KHR;
  }
  const EGLint ctx_attr[] = {EGL_CONTEXT_MAJOR_VERSION,
                             4,
                             EGL_CONTEXT_MINOR_VERSION,
                             3,
                             EGL_CONTEXT_OPENGL_PROFILE_MASK,
                             EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
                             EGL_NONE};
  *ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, ctx_attr);
  if (*ctx == EGL_NO_CONTEXT) {
    *why = "no OpenGL 4.3 core context (" + egl_error_name(eglGetError()) + ")";
    terminate_unused(dpy);
    return false;
  }
  if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, *ctx)) {
    *why = "eglMakeCurrent without a surface: " + egl_error_name(eglGetError());
    eglDestroyContext(dpy, *ctx);
    terminate_unused(dpy);
    return false;
  }
  return true;
}

}  // namespace

void* current_gl_context() {
  if (epoxy_has_egl()) {
    if (EGLContext c = eglGetCurrentContext(); c != EGL_NO_CONTEXT) return c;
  }
  // GLX: only if a GLX library is already loaded (RTLD_NOLOAD); otherwise none can be current.
  using GetCurrent = void* (*)();
  static std::atomic<GetCurrent> glx{nullptr};
  GetCurrent fn = glx.load();
  if (!fn) {
    for (const char* lib : {"libGLX.so.0", "libGL.so.1"}) {
      void* h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD);
      if (!h) continue;
      fn = reinterpret_cast<GetCurrent>(dlsym(h, "glXGetCurrentContext"));
      dlclose(h);  // still loaded by whoever loaded it first
      if (fn) break;
    }
    if (!fn) return nullptr;
    glx.store(fn);
  }
  return fn();
}

std::unique_ptr<HeadlessContext> HeadlessContext::create(std::string* why) {
  std::string log;
  auto fail = [&](const std::string& msg) {
    if (why) *why = msg;
    return nullptr;
  };
  // epoxy loads libEGL on first use; without it there is nothing to try.
  if (!epoxy_has_egl()) return fail("EGL is not available (libEGL.so.1 could not be loaded)");
  const bool client_ext = epoxy_has_egl_extension(EGL_NO_DISPLAY, "EGL_EXT_platform_base");
  // The caller's context, made current again after creation (creating never steals it).
  const EGLDisplay prev_dpy = eglGetCurrentDisplay();
  const EGLContext prev_ctx = eglGetCurrentContext();
  const EGLSurface prev_draw = eglGetCurrentSurface(EGL_DRAW);
  const EGLSurface prev_read = eglGetCurrentSurface(EGL_READ);

  std::vector<std::pair<std::string, EGLDisplay>> candidates;
  if (client_ext && epoxy_has_egl_extension(EGL_NO_DISPLAY, "EGL_EXT_platform_device")) {
    EGLDeviceEXT devices[16];
    EGLint n = 0;
    if (eglQueryDevicesEXT(16, devices, &n))
      for (EGLint i = 0; i < n; ++i)
        candidates.emplace_back(
            "device " + std::to_string(i),
            eglGetPlatformDisplayEXT(EGL_PLATFORM_DEVICE_EXT, devices[i], nullptr));
  }
  if (client_ext && epoxy_has_egl_extension(EGL_NO_DISPLAY, "EGL_MESA_platform_surfaceless"))
    candidates.emplace_back("surfaceless", eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA,
                                                                    EGL_DEFAULT_DISPLAY, nullptr));
  candidates.emplace_back("default", eglGetDisplay(EGL_DEFAULT_DISPLAY));

  for (auto& [name, dpy] : candidates) {
    EGLContext ctx = EGL_NO_CONTEXT;
    std::string err;
    if (try_display(dpy, &ctx, &err)) {
      std::unique_ptr<HeadlessContext> hc(new HeadlessContext());
      hc->display_ = dpy;
      hc->context_ = ctx;
      {
        std::lock_guard<std::mutex> lock(g_display_mutex);
        ++g_display_users[dpy];
      }
      const char* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
      const char* version = reinterpret_cast<const char*>(glGetString(GL_VERSION));
      hc->description_ = "EGL " + name + ": " + (renderer ? renderer : "?") + ", OpenGL " +
                         (version ? version : "?");
      if (prev_ctx != EGL_NO_CONTEXT) eglMakeCurrent(prev_dpy, prev_draw, prev_read, prev_ctx);
      return hc;
    }
    log += (log.empty() ? "" : "; ") + name + ": " + err;
  }
  if (prev_ctx != EGL_NO_CONTEXT) eglMakeCurrent(prev_dpy, prev_draw, prev_read, prev_ctx);
  return fail("no headless OpenGL 4.3 context (" + log + ")");
}

HeadlessContext::~HeadlessContext() {
  auto dpy = static_cast<EGLDisplay>(display_);
  if (is_current()) eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(dpy, static_cast<EGLContext>(context_));
  bool last = false;
  {
    std::lock_guard<std::mutex> lock(g_display_mutex);
    last = --g_display_users[dpy] == 0;
    if (last) g_display_users.erase(dpy);
  }
  if (last) eglTerminate(dpy);
}

bool HeadlessContext::is_current() const {
  return eglGetCurrentContext() == static_cast<EGLContext>(context_);
}

void HeadlessContext::make_current() {
  if (is_current()) return;
  if (!eglMakeCurrent(static_cast<EGLDisplay>(display_), EGL_NO_SURFACE, EGL_NO_SURFACE,
                      static_cast<EGLContext>(context_))) {
    const EGLint e = eglGetError();
    throw GlError(
        "cannot make the engine's EGL context current on this thread: " + egl_error_name(e) +
        (e == EGL_BAD_ACCESS ? " (it is current on another thread)" : ""));
  }
}

HeadlessContext::Bind::Bind(HeadlessContext& c, bool keep) {
  if (c.is_current()) return;
  const EGLContext prev = eglGetCurrentContext();
  dpy_ = prev != EGL_NO_CONTEXT ? eglGetCurrentDisplay() : c.display_;
  draw_ = eglGetCurrentSurface(EGL_DRAW);
  read_ = eglGetCurrentSurface(EGL_READ);
  ctx_ = prev;
  c.make_current();
  restore_ = prev != EGL_NO_CONTEXT || !keep;
}

HeadlessContext::Bind::~Bind() {
  if (restore_)
    eglMakeCurrent(static_cast<EGLDisplay>(dpy_), static_cast<EGLSurface>(draw_),
                   static_cast<EGLSurface>(read_), static_cast<EGLContext>(ctx_));
}

}  // namespace peakscope::gpu
