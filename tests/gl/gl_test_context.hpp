// One headless EGL context for all GL tests of a binary (llvmpipe in CI).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/gpu/egl_context.hpp"

namespace peakscope::testing {

inline gpu::HeadlessContext& gl_context() {
  static std::string why;
  static std::unique_ptr<gpu::HeadlessContext> ctx = gpu::HeadlessContext::create(&why);
  // No skip: CI has Mesa's llvmpipe, so a missing context is a failure to look at.
  if (!ctx) {
    ADD_FAILURE() << "no headless GL context: " << why;
    std::abort();
  }
  ctx->make_current();
  return *ctx;
}

}  // namespace peakscope::testing
