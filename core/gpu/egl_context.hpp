// A headless OpenGL 4.3 core context through EGL, for the CLI, tests and benchmark: no X
// display needed. Tries the EGL device platform first, then Mesa's surfaceless platform,
// then the default display.
//
// Contexts are independent: EGL shares one display between every context on a device, so
// the display is reference-counted over the HeadlessContexts of this process and terminated
// only when the last one goes (destroying one never breaks another's context or buffers).
#pragma once

#include <memory>
#include <string>

namespace peakscope::gpu {

// The GL context current on this thread (an EGLContext or a GLXContext), nullptr if none.
// Used by engines to check that their own context is current before any GL call.
void* current_gl_context();
// True when an EGL or GLX context is current on this thread.
inline bool has_current_context() {
  return current_gl_context() != nullptr;
}

class HeadlessContext {
 public:
  // Creates the context. It is left current on this thread when no context was current
  // before; otherwise the previous context is made current again (creating a context never
  // steals the caller's). On failure returns nullptr and sets *why (which platforms were
  // tried and what EGL said).
  static std::unique_ptr<HeadlessContext> create(std::string* why);
  // Destroys the context (released first if current on this thread) and, if it was the
  // last HeadlessContext on its display, terminates the display.
  ~HeadlessContext();
  HeadlessContext(const HeadlessContext&) = delete;
  HeadlessContext& operator=(const HeadlessContext&) = delete;

  // Makes this context current on this thread. Throws GlError naming the EGL error (e.g.
  // EGL_BAD_ACCESS: it is current on another thread).
  void make_current();
  bool is_current() const;
  void* handle() const { return context_; }

  // For the lifetime of a Bind, this context is current on the calling thread; afterwards
  // the thread's previous context is current again (or none). keep = true leaves this one
  // current when none was (one eglMakeCurrent per thread, not two per call: for the thread
  // that owns the engine; other threads must release it so that they can take turns).
  class Bind {
   public:
    explicit Bind(HeadlessContext& c, bool keep = false);
    ~Bind();
    Bind(const Bind&) = delete;
    Bind& operator=(const Bind&) = delete;

   private:
    void *dpy_ = nullptr, *draw_ = nullptr, *read_ = nullptr, *ctx_ = nullptr;
    bool restore_ = false;
  };

  // "EGL device 0: NVIDIA ...", "EGL surfaceless: llvmpipe ..." (platform and GL_RENDERER).
  const std::string& description() const { return description_; }

 private:
  HeadlessContext() = default;
  void* display_ = nullptr;
  void* context_ = nullptr;
  std::string description_;
};

}  // namespace peakscope::gpu
