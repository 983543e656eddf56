// The GL engine's constants and small helpers, shared by its source files (gl_engine.cpp,
// gl_frames.cpp, gl_scene.cpp, gl_textures.cpp). Not for use outside core/gpu/.
#pragma once

#include <epoxy/gl.h>

#include <cstddef>

namespace peakscope::gpu::detail {

constexpr GLuint64 kWaitNs = 5'000'000'000ull;  // a frame taking 5 s is a broken GPU
constexpr std::size_t kPlaneAlign = 16;         // elements: 16-byte loads for float and uint8
// Bindings (shaders/common.glsl, decode_partial.comp, decode_combine.comp, scene_render.comp).
constexpr GLuint kBindInput = 0, kBindPartials = 1, kBindScales = 2, kBindResults = 3,
                 kBindSubjects = 5, kBindScratch = 6;
// A copy into staging this large is split over the thread pool (one core writes 6-9 GB/s).
// Maps wider or taller than this get their weights in double (common.glsl uExact).
constexpr int kExactExtent = 8192;
constexpr std::size_t kParallelCopyBytes = std::size_t{4} << 20;
// Software rasterisers: threads per reduction workgroup and the most loads one thread makes.
constexpr std::size_t kSoftwareWorkgroup = 64, kSoftwareLoadsPerThread = 1024;

inline std::size_t round_up(std::size_t n, std::size_t a) {
  return (n + a - 1) / a * a;
}

}  // namespace peakscope::gpu::detail
