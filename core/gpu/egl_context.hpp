// A headless OpenGL 4.3 core context through EGL, for the CLI, tests and benchmark: no X
// display needed. Tries the EGL device platform first, then Mesa's surfaceless platform,
// then the default display.
#pragma once

#include <memory>
#include <string>

namespace peakscope::gpu {

class HeadlessContext {
 public:
  // Creates the context and makes it current on this thread. On failure returns nullptr
  // and sets *why (which platform was tried and what EGL said).
  static std::unique_ptr<HeadlessContext> create(std::string* why);
  ~HeadlessContext();
  HeadlessContext(const HeadlessContext&) = delete;
  HeadlessContext& operator=(const HeadlessContext&) = delete;

  void make_current();
  // "device: NVIDIA ...", "surfaceless: llvmpipe ..." (platform and GL_RENDERER).
  const std::string& description() const { return description_; }

 private:
  HeadlessContext() = default;
  void* display_ = nullptr;
  void* context_ = nullptr;
  std::string description_;
};

}  // namespace peakscope::gpu
